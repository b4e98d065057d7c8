/**
 * Joins MPEG-TS pieces (stored segments copied byte for byte, and short parts ffmpeg re-encoded at the
 * cut points) into ONE stream with continuous timestamps — the core of the fast and smart cuts.
 *
 * Why in code rather than ffmpeg's concat demuxer: remuxing a 10-minute 1080p cut through ffmpeg costs
 * seconds; patching a few header fields in place costs milliseconds, so a smart cut stays close to `cat`.
 * (wubloader's FixTSSequence does the same idea; this version also handles DTS, PID layout and CC.)
 *
 * Per piece:
 *  - timeline: the piece's earliest video PTS is moved to the running output position, every PTS, DTS
 *    and PCR of the piece shifted by the same amount (so A/V sync inside a piece is untouched); the
 *    position then advances by the piece's video length (last PTS + one frame − first PTS). Sources with
 *    B-frames start a piece with DTS < PTS; if that would make DTS go backwards after the previous piece
 *    the piece is pushed later by the needed whole ticks (a frame or two of freeze, never a decode error).
 *  - B-frame sources (`reorderTicks` > 0): copied segments decode ahead of display (DTS < PTS) while
 *    re-encoded parts have no B-frames and carry PTS only. Joined naively, DTS would step backwards at
 *    every copy → re-encode → copy join (or the piece would have to be pushed later: a visible freeze),
 *    and demuxers would have to guess the missing DTS. So every video PES of a re-encoded part gets an
 *    explicit DTS = PTS − the source's reorder delay (the packet is split in two to make room): the
 *    decode timeline runs the same fixed distance ahead of display throughout, joins stay seamless.
 *  - audio: pieces are cut on video frames, so at a join the next piece's first audio frames can start
 *    before the previous piece's audio ends (or, for the first piece, before its first video frame:
 *    the AAC encoder's priming frame). Those leading AAC frames are removed — whole PES packets when
 *    they hold nothing else, otherwise the PES is rewritten without its first frames (muxers pack ~10
 *    frames per PES, so dropping whole PES would leave 200 ms holes). Audio thus never overlaps by more
 *    than half a frame, timestamps stay strictly increasing, and nothing accumulates across joins (a
 *    "delay the audio" fix would drift A/V sync by up to a frame per join).
 *  - layout: the first piece's PAT/PMT and PIDs become the stream's; later pieces' video/audio PIDs are
 *    mapped onto them by kind and order (ffmpeg's re-encoded parts use their own PIDs), their PAT/PMT
 *    packets are replaced by the first piece's, and other PIDs (SDT, ID3, null) are dropped.
 *  - continuity counters are renumbered per output PID, so demuxers see no CC errors at joins.
 */
import {
  afcOf, assertPackets, hasPusi, PAT_PID, parsePesHeader, payloadOffset, pcrOffset, pidOf, readPcrBase,
  readPesTs, scanTs, TS_PACKET_SIZE, TsFormatError, unwrap, writePcrBase, writePesTs, type ProgramInfo, type TsScan,
} from './ts-packets.ts';

export interface SplicerOptions {
  /** video frame duration in 90 kHz ticks (from the source's frame rate); estimated per piece if absent */
  frameTicks?: number;
  /** audio frame duration in 90 kHz ticks (AAC: 1024 samples); default 1920 (48 kHz) */
  audioFrameTicks?: number;
  /** where the output timeline starts, 90 kHz ticks; ffmpeg's mpegts muxer starts at 1.4 s, so do we */
  startTicks?: number;
  /**
   * how far the source's decoding runs ahead of display (first PTS − first DTS of a segment, 90 kHz
   * ticks); > 0 gives re-encoded pieces (video PES without any DTS) explicit DTS = PTS − this
   */
  reorderTicks?: number;
  /** give video PES of DTS-less pieces an explicit DTS even when reorderTicks is 0 */
  forceVideoDts?: boolean;
}

/**
 * Counts ADTS (AAC) frames in the PES being passed through, byte by byte across TS packets, so the end
 * of a piece's audio is known exactly even when one PES carries many frames.
 */
class AdtsCounter {
  frames = 0;
  private skip = 0;
  private header: number[] = [];
  private broken = false;

  startPes(headerBytes: number): void {
    this.frames = 0;
    this.skip = headerBytes;
    this.header = [];
    this.broken = false;
  }

  feed(b: Uint8Array, from: number, to: number): void {
    let i = from;
    while (i < to && !this.broken) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, to - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.header.push(b[i++]!);
      if (this.header.length < 6) continue;
      const h = this.header;
      this.header = [];
      if (h[0] !== 0xff || (h[1]! & 0xf0) !== 0xf0) {
        this.broken = true; // not ADTS after all: fall back to "one frame per PES"
        this.frames = Math.max(this.frames, 1);
        return;
      }
      const len = ((h[3]! & 0x03) << 11) | (h[4]! << 3) | (h[5]! >> 5);
      this.frames++;
      this.skip = Math.max(0, len - 6);
    }
  }
}

interface AudioState {
  /** PTS of the last kept PES (output time) */
  lastPts: number | null;
  /** where the audio passed so far ends (PTS of the last PES + its frames), or null */
  end: number | null;
  adts: AdtsCounter | null;
  /** a PES of this piece has been kept: later ones follow it and need no trimming */
  seenInPiece: boolean;
  dropping: boolean;
}

/** Per-piece facts the packet rewriter needs. */
interface PieceContext {
  scan: TsScan;
  /** piece PID → output PID, -1 = drop (typed array: this is the per-packet hot path) */
  pidMap: Int16Array;
  offset: number;
  pieceStart: number;
  outVideoPid: number;
  /** DTS delay for PES that get an explicit DTS added */
  dtsDelay: number;
  /** output PIDs whose first PES of this piece has begun (earlier payload is an orphan tail) */
  started: Uint8Array;
}

/**
 * Split a PUSI video packet whose PES header has a PTS but no DTS into two packets, the first with a
 * PES header carrying DTS = PTS − `delay` (5 more bytes), the second carrying the 5 displaced payload bytes behind
 * adaptation-field stuffing. Values are left raw; the normal rewrite shifts them afterwards.
 */
function splitAddingDts(b: Buffer, o: number, pes: number, ptsAt: number, delay: number): Buffer {
  const end = o + TS_PACKET_SIZE;
  const payload = Buffer.concat([
    b.subarray(pes, ptsAt + 5),
    Buffer.from(b.subarray(ptsAt, ptsAt + 5)), // DTS, fixed up below
    b.subarray(ptsAt + 5, end),
  ]);
  payload[7] = (payload[7]! & 0x3f) | 0xc0; // PTS_DTS_flags = '11'
  payload[8] = payload[8]! + 5; // PES_header_data_length
  const pesLen = (payload[4]! << 8) | payload[5]!;
  const newLen = pesLen === 0 || pesLen + 5 > 0xffff ? 0 : pesLen + 5; // 0 = unbounded (allowed for video)
  payload[4] = newLen >> 8;
  payload[5] = newLen & 0xff;
  const ptsOff = ptsAt - pes;
  payload[ptsOff] = (payload[ptsOff]! & 0x0f) | 0x30; // PTS prefix '0011'
  writePesTs(payload, ptsOff + 5, readPesTs(payload, ptsOff) - delay);
  payload[ptsOff + 5] = (payload[ptsOff + 5]! & 0x0f) | 0x10; // DTS prefix '0001'

  const out = Buffer.alloc(2 * TS_PACKET_SIZE, 0xff);
  const headLen = pes - o; // TS header + adaptation field of the original packet
  b.copy(out, 0, o, pes);
  const room = TS_PACKET_SIZE - headLen;
  payload.copy(out, headLen, 0, room);
  const rest = payload.subarray(room);
  // second packet: same PID, no PUSI, adaptation field of stuffing, then the rest of the payload
  const q = TS_PACKET_SIZE;
  out[q] = 0x47;
  out[q + 1] = b[o + 1]! & 0x1f;
  out[q + 2] = b[o + 2]!;
  out[q + 3] = 0x30; // adaptation + payload; CC is renumbered later
  const afLen = TS_PACKET_SIZE - 4 - 1 - rest.length;
  out[q + 4] = afLen;
  if (afLen > 0) out[q + 5] = 0x00; // no flags; the rest is 0xff stuffing
  rest.copy(out, q + 5 + afLen);
  return out;
}

/**
 * Remove the first `frames` ADTS frames of the audio PES starting in the packet at `o`, in place:
 * the PES's packets (same PID, up to its next PUSI) are re-packetized into the same slots, with PTS/DTS
 * advanced by the removed frames; slots no longer needed become null packets (dropped later). Returns
 * false when nothing of the PES would remain or it cannot be split (not ADTS, or carrying a PCR): the
 * caller then drops the whole PES.
 */
export function trimAdtsPes(b: Buffer, o: number, frames: number): boolean {
  const pid = pidOf(b, o);
  const slots = [o];
  for (let q = o + TS_PACKET_SIZE; q + TS_PACKET_SIZE <= b.length; q += TS_PACKET_SIZE) {
    if (pidOf(b, q) !== pid) continue;
    if (hasPusi(b, q)) break;
    slots.push(q);
  }
  if (slots.some((q) => pcrOffset(b, q) >= 0)) return false;
  const payload = Buffer.concat(slots.map((q) => {
    const p = payloadOffset(b, q);
    return p < 0 ? Buffer.alloc(0) : b.subarray(p, q + TS_PACKET_SIZE);
  }));
  if (payload.length < 9) return false;
  const headerLen = 9 + payload[8]!;
  let i = headerLen;
  let removed = 0;
  while (removed < frames && i + 7 <= payload.length) {
    if (payload[i] !== 0xff || (payload[i + 1]! & 0xf0) !== 0xf0) return false;
    i += ((payload[i + 3]! & 0x03) << 11) | (payload[i + 4]! << 3) | (payload[i + 5]! >> 5);
    removed++;
  }
  if (i >= payload.length) return false;
  const h = parsePesHeader(payload, 0, headerLen);
  if (!h || h.ptsAt < 0) return false;
  const header = Buffer.from(payload.subarray(0, headerLen));
  writePesTs(header, h.ptsAt, readPesTs(payload, h.ptsAt) + removed * frameTicksOf(payload, headerLen));
  if (h.dtsAt >= 0) writePesTs(header, h.dtsAt, readPesTs(payload, h.dtsAt) + removed * frameTicksOf(payload, headerLen));
  const pesLen = (header[4]! << 8) | header[5]!;
  if (pesLen) {
    const newLen = pesLen - (i - headerLen);
    header[4] = newLen >> 8;
    header[5] = newLen & 0xff;
  }
  const data = Buffer.concat([header, payload.subarray(i)]);
  let pos = 0;
  for (const [k, q] of slots.entries()) {
    if (pos >= data.length) {
      b[q + 1] = (b[q + 1]! & 0xe0) | 0x1f; // becomes a null packet: dropped by the rewrite
      b[q + 2] = 0xff;
      continue;
    }
    const rest = data.length - pos;
    b[q + 1] = (k === 0 ? 0x40 : 0) | ((pid >> 8) & 0x1f);
    b[q + 2] = pid & 0xff;
    if (rest >= TS_PACKET_SIZE - 4) {
      b[q + 3] = (b[q + 3]! & 0x0f) | 0x10; // payload only
      data.copy(b, q + 4, pos, pos + TS_PACKET_SIZE - 4);
      pos += TS_PACKET_SIZE - 4;
    } else {
      b[q + 3] = (b[q + 3]! & 0x0f) | 0x30; // adaptation field (stuffing) + payload
      const af = TS_PACKET_SIZE - 5 - rest;
      b[q + 4] = af;
      if (af > 0) {
        b[q + 5] = 0;
        b.fill(0xff, q + 6, q + 5 + af);
      }
      data.copy(b, q + 5 + af, pos);
      pos = data.length;
    }
  }
  return true;
}

/** Ticks per ADTS frame of this PES (1024 samples at its sample rate). */
export function frameTicksOf(pes: Uint8Array, at: number): number {
  const rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
  return Math.round((1024 * 90_000) / (rates[(pes[at + 2]! >> 2) & 0x0f] ?? 48000));
}

export class TsSplicer {
  private position: number;
  private program: ProgramInfo | null = null;
  private patPacket: Buffer | null = null;
  private pmtPacket: Buffer | null = null;
  private cc = new Int8Array(8192).fill(-1);
  private lastVideoDts: number | null = null;
  private lastPcr: number | null = null;
  private audio: (AudioState | undefined)[] = new Array<AudioState | undefined>(8192).fill(undefined);
  private readonly frameTicks: number | undefined;
  private readonly audioFrameTicks: number;
  private readonly forceVideoDts: boolean;
  private readonly reorderTicks: number;
  /** total bytes emitted so far */
  bytesOut = 0;
  pieces = 0;

  constructor(opts: SplicerOptions = {}) {
    this.frameTicks = opts.frameTicks;
    this.audioFrameTicks = opts.audioFrameTicks ?? 1920;
    this.position = opts.startTicks ?? Math.round(1.4 * 90_000);
    this.reorderTicks = opts.reorderTicks ?? 0;
    this.forceVideoDts = (opts.forceVideoDts ?? false) || this.reorderTicks > 0;
  }

  /** Output timeline position (90 kHz ticks) where the next piece will start. */
  get positionTicks(): number {
    return this.position;
  }

  /**
   * Rewrite one piece (the buffer is consumed: rewritten in place) and return the bytes to emit.
   * Throws TsFormatError for data that is not packet-aligned MPEG-TS with a PAT/PMT.
   */
  push(piece: Buffer, what = 'piece'): Buffer {
    assertPackets(piece, what);
    const scan = scanTs(piece);
    if (!this.program) this.adoptLayout(piece, scan.program);
    const canon = this.program!;

    // PID map: piece PID -> output PID, by kind and order of appearance in the PMT.
    const pidMap = new Int16Array(8192).fill(-1);
    for (const kind of ['video', 'audio'] as const) {
      const from = scan.program.streams.filter((s) => s.kind === kind);
      const to = canon.streams.filter((s) => s.kind === kind);
      from.forEach((s, i) => {
        if (to[i]) pidMap[s.pid] = to[i].pid;
      });
    }
    const outVideoPid = canon.streams.find((s) => s.kind === 'video')?.pid ?? -1;

    // Where this piece lands on the output timeline.
    const v = scan.video;
    const anchor = v?.minPts ?? Math.min(...scan.audio.map((a) => a.minPts!));
    if (!Number.isFinite(anchor)) throw new TsFormatError(`${what}: no timestamps found`);
    const frame = this.frameTicks ?? v?.minStep ?? 3000;
    // A piece without any DTS (re-encoded, no B-frames) gets DTS = PTS − reorder delay (see above).
    const dtsDelay = this.forceVideoDts && v && v.dtsFields === 0 ? this.reorderTicks : 0;
    const minDts = v && v.minDts !== null ? v.minDts - dtsDelay : null;
    let offset = this.position - anchor;
    if (minDts !== null && this.lastVideoDts !== null && minDts + offset <= this.lastVideoDts) {
      offset = this.lastVideoDts + frame - minDts;
    }
    const length = v
      ? v.maxPts! + frame - v.minPts!
      : Math.max(...scan.audio.map((a) => a.maxPts! + this.audioFrameTicks)) - anchor;
    const pieceStart = anchor + offset;
    this.position = pieceStart + length;

    for (const a of scan.audio) {
      const out = pidMap[a.pid]!;
      if (out < 0) continue;
      const isAdts = scan.program.streams.find((x) => x.pid === a.pid)?.streamType === 0x0f;
      const st = this.audio[out] ?? {
        lastPts: null, end: null, adts: null, seenInPiece: false, dropping: false,
      };
      st.adts = isAdts ? new AdtsCounter() : null;
      st.seenInPiece = false;
      st.dropping = false;
      this.audio[out] = st;
    }

    const ctx: PieceContext = { scan, pidMap, offset, pieceStart, outVideoPid, dtsDelay, started: new Uint8Array(8192) };
    const chunks: Buffer[] = [];
    let chunkStart = 0;
    let w = 0;
    for (let o = 0; o + TS_PACKET_SIZE <= piece.length; o += TS_PACKET_SIZE) {
      const split = this.forceVideoDts ? this.needsDts(piece, o, ctx) : null;
      if (split) {
        // Two packets instead of one: flush what was compacted so far, then the pair.
        const two = splitAddingDts(piece, o, split.pes, split.ptsAt, ctx.dtsDelay);
        let k = 0;
        for (const q of [0, TS_PACKET_SIZE]) {
          if (!this.rewritePacket(two, q, ctx)) continue;
          if (k !== q) two.copyWithin(k, q, q + TS_PACKET_SIZE);
          k += TS_PACKET_SIZE;
        }
        chunks.push(piece.subarray(chunkStart, w), two.subarray(0, k));
        chunkStart = w = o + TS_PACKET_SIZE;
        continue;
      }
      if (!this.rewritePacket(piece, o, ctx)) continue;
      if (w !== o) piece.copyWithin(w, o, o + TS_PACKET_SIZE);
      w += TS_PACKET_SIZE;
    }
    chunks.push(piece.subarray(chunkStart, w));
    const out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.pieces++;
    this.bytesOut += out.length;
    return out;
  }

  /** For a video PUSI packet with PTS and no DTS: where its PES header and PTS are. */
  private needsDts(b: Buffer, o: number, ctx: PieceContext): { pes: number; ptsAt: number } | null {
    if (!hasPusi(b, o) || ctx.pidMap[pidOf(b, o)] !== ctx.outVideoPid) return null;
    const p = payloadOffset(b, o);
    if (p < 0 || p + 19 > o + TS_PACKET_SIZE) return null;
    const h = parsePesHeader(b, p, o + TS_PACKET_SIZE);
    return h && h.ptsAt >= 0 && h.dtsAt < 0 ? { pes: p, ptsAt: h.ptsAt } : null;
  }

  /** Rewrite the packet at `o` in place; false = drop it. */
  private rewritePacket(b: Buffer, o: number, ctx: PieceContext): boolean {
    const pid = pidOf(b, o);
    if (pid === PAT_PID || pid === ctx.scan.program.pmtPid) {
      const table = pid === PAT_PID ? this.patPacket! : this.pmtPacket!;
      table.copy(b, o);
      this.setCc(b, o, pidOf(table, 0));
      return true;
    }
    const outPid = ctx.pidMap[pid]!;
    if (outPid < 0) return false; // includes NULL_PID: never mapped

    const { offset, scan } = ctx;
    const audio = this.audio[outPid];
    const pusi = hasPusi(b, o);
    // A segment may begin with the tail of a PES started in the previous segment; after a splice that
    // tail would be glued onto an unrelated PES, so it is dropped.
    if (pusi) ctx.started[outPid] = 1;
    else if (!ctx.started[outPid] && (afcOf(b, o) & 1)) return false;
    if (pusi) {
      let p = payloadOffset(b, o);
      let h = p >= 0 ? parsePesHeader(b, p, o + TS_PACKET_SIZE) : null;
      if (h && h.ptsAt >= 0) {
        let pts = unwrap(readPesTs(b, h.ptsAt), scan.ref) + offset;
        if (audio && !audio.seenInPiece) {
          // Leading audio of a piece must not start before the previous audio ends (first piece:
          // before its first video frame). Trim whole AAC frames off this PES, or drop it entirely.
          const floor = (audio.end ?? ctx.pieceStart) - this.audioFrameTicks / 2;
          if (pts < floor) {
            const frames = Math.ceil((floor - pts) / this.audioFrameTicks);
            if (!audio.adts || !trimAdtsPes(b, o, frames)) {
              audio.dropping = true;
              return false;
            }
            p = payloadOffset(b, o);
            h = parsePesHeader(b, p, o + TS_PACKET_SIZE)!;
            pts = unwrap(readPesTs(b, h.ptsAt), scan.ref) + offset;
          }
          audio.seenInPiece = true;
        }
        const dts = h.dtsAt >= 0 ? unwrap(readPesTs(b, h.dtsAt), pts - offset) + offset : pts;
        if (audio) {
          // Out of order inside a piece (broken source): unplayable anyway, and it would break DTS order.
          audio.dropping = audio.lastPts !== null && pts <= audio.lastPts;
          if (audio.dropping) return false;
          audio.lastPts = pts;
          audio.adts?.startPes(9 + b[p + 8]!);
        } else if (outPid === ctx.outVideoPid) {
          this.lastVideoDts = this.lastVideoDts === null ? dts : Math.max(this.lastVideoDts, dts);
        }
        writePesTs(b, h.ptsAt, pts);
        if (h.dtsAt >= 0) writePesTs(b, h.dtsAt, dts);
      }
    }
    if (audio?.dropping) return false;
    if (audio) {
      if (audio.adts) {
        const p = payloadOffset(b, o);
        if (p >= 0) audio.adts.feed(b, p, o + TS_PACKET_SIZE);
      }
      if (audio.lastPts !== null) audio.end = audio.lastPts + Math.max(1, audio.adts?.frames ?? 1) * this.audioFrameTicks;
    }

    const pcrAt = pcrOffset(b, o);
    if (pcrAt >= 0) {
      // PCR keeps its lead over DTS as the piece had it, but never goes backwards across a join.
      let pcr = unwrap(readPcrBase(b, pcrAt), scan.ref) + offset;
      if (this.lastPcr !== null && pcr < this.lastPcr) pcr = this.lastPcr;
      if (pcr < 0) pcr = 0;
      this.lastPcr = pcr;
      writePcrBase(b, pcrAt, pcr);
    }

    // Retarget the PID and renumber the continuity counter.
    b[o + 1] = (b[o + 1]! & 0xe0) | ((outPid >> 8) & 0x1f);
    b[o + 2] = outPid & 0xff;
    this.setCc(b, o, outPid);
    return true;
  }

  private adoptLayout(piece: Buffer, program: ProgramInfo): void {
    this.program = program;
    for (let o = 0; o + TS_PACKET_SIZE <= piece.length && !(this.patPacket && this.pmtPacket); o += TS_PACKET_SIZE) {
      const pid = pidOf(piece, o);
      if (pid === PAT_PID && !this.patPacket) this.patPacket = Buffer.from(piece.subarray(o, o + TS_PACKET_SIZE));
      if (pid === program.pmtPid && !this.pmtPacket) this.pmtPacket = Buffer.from(piece.subarray(o, o + TS_PACKET_SIZE));
    }
    if (!this.patPacket || !this.pmtPacket) throw new TsFormatError('first piece has no PAT/PMT');
  }

  private setCc(b: Buffer, o: number, pid: number): void {
    if ((afcOf(b, o) & 1) === 0) return; // adaptation-only packets repeat the counter
    const next = (this.cc[pid]! + 1) & 0x0f;
    this.cc[pid] = next;
    b[o + 3] = (b[o + 3]! & 0xf0) | next;
  }
}
