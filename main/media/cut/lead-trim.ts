/**
 * Streaming fix-up for MPEG-TS written by ffmpeg (full cuts): remove the AAC encoder's priming frame.
 *
 * ffmpeg's AAC encoder starts with a 1024-sample "priming" frame timestamped before the first picture;
 * MPEG-TS has no edit list to hide it, so the file would start ~21 ms of silence early and report a
 * duration ~21 ms too long (a full cut must land within one frame of the requested length). Audio
 * frames that start before the first video frame are dropped here — whole PES packets, or the leading
 * frames of a PES that also carries real sound (splicer.ts's trimAdtsPes). Each audio stream's first
 * PES is held back until it is complete and the first video PTS is known; everything else, and
 * everything after, passes through untouched.
 */
import { frameTicksOf, trimAdtsPes } from './splicer.ts';
import {
  hasPusi, NULL_PID, parsePat, parsePesHeader, parsePmt, payloadOffset, pidOf, readPesTs, TS_PACKET_SIZE, unwrap,
} from './ts-packets.ts';

function pesPts(b: Buffer, o: number): number | null {
  const p = payloadOffset(b, o);
  const h = p >= 0 ? parsePesHeader(b, p, o + TS_PACKET_SIZE) : null;
  return h && h.ptsAt >= 0 ? readPesTs(b, h.ptsAt) : null;
}

export async function* dropAudioBeforeVideo(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry: Buffer = Buffer.alloc(0);
  let pmtPid = -1;
  let videoPid = -1;
  let videoPts: number | null = null;
  /** audio PID → packets of its first PES(es) not yet decided on; absent once decided */
  const held = new Map<number, Buffer[]>();
  let layoutKnown = false;

  /**
   * Decide on held audio (complete PES packets of one PID, in order): PES wholly before the first
   * video frame are dropped, the first one reaching it is trimmed to it; `done` once one is kept.
   */
  const decide = (pkts: Buffer[]): { emit: Buffer[]; done: boolean } => {
    const buf = Buffer.concat(pkts);
    let done = false;
    for (let o = 0; o < buf.length && !done; o += TS_PACKET_SIZE) {
      if (!hasPusi(buf, o)) continue;
      const pts = pesPts(buf, o);
      if (pts === null || videoPts === null) {
        done = true;
        break;
      }
      const p = payloadOffset(buf, o);
      const ft = frameTicksOf(buf, p + 9 + buf[p + 8]!);
      const floor = videoPts - ft / 2;
      const start = unwrap(pts, videoPts);
      if (start >= floor || trimAdtsPes(buf, o, Math.ceil((floor - start) / ft))) done = true;
      else nullOut(buf, o);
    }
    const emit: Buffer[] = [];
    for (let o = 0; o < buf.length; o += TS_PACKET_SIZE) if (pidOf(buf, o) !== NULL_PID) emit.push(buf.subarray(o, o + TS_PACKET_SIZE));
    return { emit, done };
  };

  for await (const chunk of chunks) {
    const data: Buffer = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
    const whole = data.length - (data.length % TS_PACKET_SIZE);
    carry = Buffer.from(data.subarray(whole));
    const out: Buffer[] = [];
    for (let o = 0; o < whole; o += TS_PACKET_SIZE) {
      const pkt = data.subarray(o, o + TS_PACKET_SIZE);
      const pid = pidOf(pkt, 0);
      if (!layoutKnown) {
        if (pid === 0 && pmtPid < 0) pmtPid = parsePat(pkt, 0) ?? -1;
        if (pid === pmtPid) {
          const pmt = parsePmt(pkt, 0);
          if (pmt) {
            layoutKnown = true;
            videoPid = pmt.streams.find((s) => s.kind === 'video')?.pid ?? -1;
            if (videoPid >= 0) for (const s of pmt.streams) if (s.kind === 'audio') held.set(s.pid, []);
          }
        }
      }
      if (pid === videoPid && videoPts === null && hasPusi(pkt, 0)) videoPts = pesPts(pkt, 0);
      const pending = held.get(pid);
      if (!pending) {
        out.push(pkt);
        continue;
      }
      if (hasPusi(pkt, 0) && pending.length > 0 && videoPts !== null) {
        // The held PES is complete: keep (maybe trimmed) and stop holding, or drop it and hold this one.
        const { emit, done } = decide(pending);
        out.push(...emit);
        if (done) {
          held.delete(pid);
          out.push(pkt);
          continue;
        }
        pending.length = 0;
      }
      if (pending.length > 0 || hasPusi(pkt, 0)) pending.push(Buffer.from(pkt));
    }
    if (out.length) yield Buffer.concat(out);
  }
  for (const pkts of held.values()) if (pkts.length) yield Buffer.concat(pkts);
  if (carry.length) yield carry;
}

/** Turn the PES starting at `o` (its packets up to the next PUSI of the same PID) into null packets. */
function nullOut(buf: Buffer, o: number): void {
  const pid = pidOf(buf, o);
  for (let q = o; q < buf.length; q += TS_PACKET_SIZE) {
    if (pidOf(buf, q) !== pid) continue;
    if (q !== o && hasPusi(buf, q)) break;
    buf[q + 1] = (buf[q + 1]! & 0xe0) | 0x1f;
    buf[q + 2] = 0xff;
  }
}
