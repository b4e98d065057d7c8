/**
 * Just enough MPEG-TS (ISO 13818-1) to splice stored segments without re-muxing them through ffmpeg:
 * packet headers, PCR in the adaptation field, PTS/DTS in PES headers, and the PAT/PMT to learn which
 * PID carries which stream. Everything works on 188-byte packets in a Buffer, in place, because the
 * smart cut pushes hundreds of megabytes through here and must stay within a few percent of `cat`.
 *
 * Timestamps are 33-bit 90 kHz counters that wrap every ~26.5 hours — marathon recordings run for days,
 * so a segment can straddle a wrap. Callers unwrap against a reference (`unwrap`) and write modulo 2^33.
 */

export const TS_PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;
export const PAT_PID = 0;
export const NULL_PID = 0x1fff;
/** 90 kHz clock ticks per second, the unit of PTS/DTS and of the PCR base. */
export const TS_HZ = 90_000;
export const TS_WRAP = 2 ** 33;

export type StreamKind = 'video' | 'audio' | 'other';

/** PMT stream_type → kind, for the codecs that show up in live streams. */
export function streamKind(streamType: number): StreamKind {
  switch (streamType) {
    case 0x01: case 0x02: case 0x10: case 0x1b: case 0x24: case 0x42: case 0xea:
      return 'video';
    case 0x03: case 0x04: case 0x0f: case 0x11: case 0x81: case 0x87:
      return 'audio';
    default:
      return 'other';
  }
}

export const pidOf = (b: Uint8Array, o: number) => ((b[o + 1]! & 0x1f) << 8) | b[o + 2]!;
export const hasPusi = (b: Uint8Array, o: number) => (b[o + 1]! & 0x40) !== 0;
/** adaptation_field_control: bit 1 = adaptation field present, bit 0 = payload present. */
export const afcOf = (b: Uint8Array, o: number) => (b[o + 3]! >> 4) & 3;

/** Offset (within the buffer) of the payload of the packet at `o`, or -1 when it has none. */
export function payloadOffset(b: Uint8Array, o: number): number {
  const afc = afcOf(b, o);
  if ((afc & 1) === 0) return -1;
  const p = afc & 2 ? o + 5 + b[o + 4]! : o + 4;
  return p < o + TS_PACKET_SIZE ? p : -1;
}

/** Offset of the 6-byte PCR field of the packet at `o`, or -1 when it carries none. */
export function pcrOffset(b: Uint8Array, o: number): number {
  if ((afcOf(b, o) & 2) === 0 || b[o + 4]! < 7) return -1;
  return b[o + 5]! & 0x10 ? o + 6 : -1;
}

/** The PCR base (90 kHz part; the 27 MHz extension is kept untouched by rewrites). */
export function readPcrBase(b: Uint8Array, p: number): number {
  return b[p]! * 2 ** 25 + b[p + 1]! * 2 ** 17 + b[p + 2]! * 2 ** 9 + b[p + 3]! * 2 + (b[p + 4]! >> 7);
}

export function writePcrBase(b: Uint8Array, p: number, base: number): void {
  const v = mod33(base);
  b[p] = Math.floor(v / 2 ** 25) & 0xff;
  b[p + 1] = Math.floor(v / 2 ** 17) & 0xff;
  b[p + 2] = Math.floor(v / 2 ** 9) & 0xff;
  b[p + 3] = Math.floor(v / 2) & 0xff;
  b[p + 4] = ((v & 1) << 7) | (b[p + 4]! & 0x7f);
}

/** A 33-bit PES timestamp at `p` (5 bytes with marker bits). */
export function readPesTs(b: Uint8Array, p: number): number {
  return ((b[p]! >> 1) & 0x07) * 2 ** 30 + (b[p + 1]! << 22) + ((b[p + 2]! >> 1) << 15) + (b[p + 3]! << 7) + (b[p + 4]! >> 1);
}

/** Write a 33-bit PES timestamp, keeping the 4-bit prefix ('0010', '0011', '0001') already there. */
export function writePesTs(b: Uint8Array, p: number, ts: number): void {
  const v = mod33(ts);
  const hi = Math.floor(v / 2 ** 30);
  const lo = v % 2 ** 30;
  b[p] = (b[p]! & 0xf0) | (hi << 1) | 1;
  b[p + 1] = (lo >> 22) & 0xff;
  b[p + 2] = (((lo >> 15) & 0x7f) << 1) | 1;
  b[p + 3] = (lo >> 7) & 0xff;
  b[p + 4] = ((lo & 0x7f) << 1) | 1;
}

export function mod33(ts: number): number {
  const v = ts % TS_WRAP;
  return v < 0 ? v + TS_WRAP : v;
}

/** The value congruent to `ts` (mod 2^33) nearest to `ref`: undoes a wrap between two nearby timestamps. */
export function unwrap(ts: number, ref: number): number {
  return ts + Math.round((ref - ts) / TS_WRAP) * TS_WRAP;
}

/** Stream ids whose PES header has no optional fields (ISO 13818-1 table 2-21). */
function pesHasOptionalHeader(streamId: number): boolean {
  return ![0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xff, 0xf2, 0xf8].includes(streamId);
}

export interface PesHeader {
  /** offset of the PTS field, or -1 */
  ptsAt: number;
  /** offset of the DTS field, or -1 */
  dtsAt: number;
}

/** Locate PTS/DTS in a PES header starting at payload offset `p` (packet ends at `end`). */
export function parsePesHeader(b: Uint8Array, p: number, end: number): PesHeader | null {
  if (p + 9 > end || b[p] !== 0 || b[p + 1] !== 0 || b[p + 2] !== 1) return null;
  if (!pesHasOptionalHeader(b[p + 3]!)) return { ptsAt: -1, dtsAt: -1 };
  const flags = (b[p + 7]! >> 6) & 3;
  const ptsAt = flags & 2 && p + 14 <= end ? p + 9 : -1;
  const dtsAt = flags === 3 && p + 19 <= end ? p + 14 : -1;
  return { ptsAt, dtsAt };
}

export interface PmtStream {
  pid: number;
  streamType: number;
  kind: StreamKind;
}

export interface ProgramInfo {
  pmtPid: number;
  pcrPid: number;
  streams: PmtStream[];
}

/** The section bytes of a PSI table starting in the packet at `o` (single-packet sections only). */
function psiSection(b: Uint8Array, o: number): { start: number; end: number } | null {
  const p = payloadOffset(b, o);
  if (p < 0 || !hasPusi(b, o)) return null;
  const start = p + 1 + b[p]!; // skip pointer_field
  if (start + 3 > o + TS_PACKET_SIZE) return null;
  const len = ((b[start + 1]! & 0x0f) << 8) | b[start + 2]!;
  const end = start + 3 + len; // includes CRC32
  return end <= o + TS_PACKET_SIZE ? { start, end } : null;
}

/** PMT PID of the first program in a PAT packet. */
export function parsePat(b: Uint8Array, o: number): number | null {
  const s = psiSection(b, o);
  if (!s || b[s.start] !== 0x00) return null;
  for (let q = s.start + 8; q + 4 <= s.end - 4; q += 4) {
    const program = (b[q]! << 8) | b[q + 1]!;
    if (program !== 0) return ((b[q + 2]! & 0x1f) << 8) | b[q + 3]!;
  }
  return null;
}

export function parsePmt(b: Uint8Array, o: number): Omit<ProgramInfo, 'pmtPid'> | null {
  const s = psiSection(b, o);
  if (!s || b[s.start] !== 0x02) return null;
  const pcrPid = ((b[s.start + 8]! & 0x1f) << 8) | b[s.start + 9]!;
  const infoLen = ((b[s.start + 10]! & 0x0f) << 8) | b[s.start + 11]!;
  const streams: PmtStream[] = [];
  for (let q = s.start + 12 + infoLen; q + 5 <= s.end - 4;) {
    const streamType = b[q]!;
    const pid = ((b[q + 1]! & 0x1f) << 8) | b[q + 2]!;
    const esLen = ((b[q + 3]! & 0x0f) << 8) | b[q + 4]!;
    streams.push({ pid, streamType, kind: streamKind(streamType) });
    q += 5 + esLen;
  }
  return { pcrPid, streams };
}

export class TsFormatError extends Error {}

/** Throw unless `b` looks like whole MPEG-TS packets (sync byte every 188 bytes). */
export function assertPackets(b: Uint8Array, what: string): void {
  if (b.length % TS_PACKET_SIZE !== 0) {
    throw new TsFormatError(`${what}: ${b.length} bytes is not a whole number of 188-byte MPEG-TS packets`);
  }
  for (let o = 0; o < b.length; o += TS_PACKET_SIZE) {
    if (b[o] !== SYNC_BYTE) throw new TsFormatError(`${what}: lost MPEG-TS sync at byte ${o}`);
  }
}

/** Program layout (PAT → PMT) of a TS buffer, from its first PAT/PMT. */
export function findProgram(b: Uint8Array): ProgramInfo | null {
  let pmtPid = -1;
  for (let o = 0; o + TS_PACKET_SIZE <= b.length; o += TS_PACKET_SIZE) {
    const pid = pidOf(b, o);
    if (pid === PAT_PID && pmtPid < 0) {
      pmtPid = parsePat(b, o) ?? -1;
    } else if (pmtPid >= 0 && pid === pmtPid) {
      const pmt = parsePmt(b, o);
      if (pmt) return { pmtPid, ...pmt };
    }
  }
  return null;
}

export interface StreamTimes {
  pid: number;
  kind: StreamKind;
  /** unwrapped against the first timestamp of the buffer's first video (else first) stream */
  firstPts: number | null;
  minPts: number | null;
  maxPts: number | null;
  minDts: number | null;
  /** PES packets with a timestamp */
  count: number;
  /** PES packets carrying an explicit DTS field */
  dtsFields: number;

  /** smallest positive difference between consecutive PTS (frame duration estimate), or null */
  minStep: number | null;
}

export interface TsScan {
  program: ProgramInfo;
  /** reference every unwrapped timestamp of this scan is relative to */
  ref: number;
  streams: Map<number, StreamTimes>;
  video: StreamTimes | null;
  audio: StreamTimes[];
}

/**
 * One pass over a TS buffer: program layout plus per-stream PTS/DTS extremes. Used both to plan the
 * splice (where a piece starts and ends on the shared timeline) and to correct ffmpeg seeks for the
 * offset between the file's start_time and its first video frame.
 */
export function scanTs(b: Uint8Array): TsScan {
  const program = findProgram(b);
  if (!program) throw new TsFormatError('no PAT/PMT found in MPEG-TS data');
  const streams = new Map<number, StreamTimes>();
  for (const s of program.streams) {
    streams.set(s.pid, { pid: s.pid, kind: s.kind, firstPts: null, minPts: null, maxPts: null, minDts: null, count: 0, dtsFields: 0, minStep: null });
  }
  const videoPid = program.streams.find((s) => s.kind === 'video')?.pid ?? -1;
  let ref: number | null = null;
  const lastPts = new Map<number, number>();
  for (let o = 0; o + TS_PACKET_SIZE <= b.length; o += TS_PACKET_SIZE) {
    if (!hasPusi(b, o)) continue;
    const pid = pidOf(b, o);
    const st = streams.get(pid);
    if (!st) continue;
    const p = payloadOffset(b, o);
    if (p < 0) continue;
    const h = parsePesHeader(b, p, o + TS_PACKET_SIZE);
    if (!h || h.ptsAt < 0) continue;
    const raw = readPesTs(b, h.ptsAt);
    // The reference is the first video timestamp when video comes early enough, else the first at all;
    // either way everything in one buffer lies within minutes of it, so unwrapping is unambiguous.
    if (ref === null && (pid === videoPid || videoPid < 0)) ref = raw;
    const pts = unwrap(raw, ref ?? raw);
    const dts = h.dtsAt >= 0 ? unwrap(readPesTs(b, h.dtsAt), pts) : pts;
    if (st.firstPts === null) st.firstPts = pts;
    st.minPts = st.minPts === null ? pts : Math.min(st.minPts, pts);
    st.maxPts = st.maxPts === null ? pts : Math.max(st.maxPts, pts);
    st.minDts = st.minDts === null ? dts : Math.min(st.minDts, dts);
    st.count++;
    if (h.dtsAt >= 0) st.dtsFields++;
    const prev = lastPts.get(pid);
    if (prev !== undefined) {
      const d = Math.abs(pts - prev);
      if (d > 0 && (st.minStep === null || d < st.minStep)) st.minStep = d;
    }
    lastPts.set(pid, pts);
  }
  // Timestamps seen before the reference was fixed (audio ahead of the first video PES) were unwrapped
  // against themselves; that is only wrong across a wrap inside those first few packets — harmless.
  const all = [...streams.values()];
  return {
    program,
    ref: ref ?? 0,
    streams,
    video: all.find((s) => s.kind === 'video' && s.count > 0) ?? null,
    audio: all.filter((s) => s.kind === 'audio' && s.count > 0),
  };
}

/**
 * Seconds between ffmpeg's notion of "time 0" of this file (its start_time: the earliest first
 * timestamp of any audio/video stream) and its first video frame. ffmpeg's -ss and trim are relative
 * to start_time, but segment names give the time of the first video frame, so seeks add this.
 */
export function videoLeadSeconds(scan: TsScan): number {
  if (!scan.video || scan.video.minPts === null) return 0;
  let start = scan.video.minPts;
  for (const a of scan.audio) if (a.firstPts !== null && a.firstPts < start) start = a.firstPts;
  return (scan.video.minPts - start) / TS_HZ;
}
