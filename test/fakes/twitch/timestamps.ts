/**
 * In-place timestamp shifting, so a small pool of pre-encoded segments can be replayed forever while
 * the decode timeline keeps moving forward like a real broadcast's does.
 *
 * Why patch bytes instead of re-running ffmpeg (`-output_ts_offset`) per request: a remux per segment
 * costs a process spawn (tens of ms, more for 6 Mbit/s segments) on the hot path of every fetch, and
 * for fMP4 ffmpeg cannot emit a lone fragment against an existing init segment. The fields that carry
 * time are few and fixed-size, so rewriting them is cheap and exact:
 *   MPEG-TS: PES PTS/DTS (33-bit, 90 kHz) and adaptation-field PCR base (33-bit, 90 kHz).
 *   fMP4:    tfdt.baseMediaDecodeTime per traf, sidx.earliest_presentation_time, mfhd.sequence_number.
 * Payload bytes are untouched, so frames stay bit-identical to what ffmpeg produced.
 */
import { children, findChild } from './segments-ffmpeg.ts';

const TS_PACKET = 188;
const MOD33 = 2 ** 33;

/** Return a copy of a TS segment with every PTS/DTS/PCR moved by `offset90k` ticks (mod 2^33). */
export function shiftTsTimestamps(src: Buffer, offset90k: number): Buffer {
  const buf = Buffer.from(src);
  if (offset90k === 0) return buf;
  for (let p = 0; p + TS_PACKET <= buf.length; p += TS_PACKET) {
    if (buf[p] !== 0x47) continue; // not aligned; leave it alone
    const pusi = (buf[p + 1] & 0x40) !== 0;
    const pid = ((buf[p + 1] & 0x1f) << 8) | buf[p + 2];
    const afc = (buf[p + 3] >> 4) & 0x3;
    let payload = p + 4;
    if (afc & 0x2) {
      const afLen = buf[p + 4];
      if (afLen > 0 && buf[p + 5] & 0x10) writePcrBase(buf, p + 6, offset90k);
      payload = p + 5 + afLen;
    }
    // PIDs below 0x20 are PSI/SI tables (PAT, SDT, ...), never PES.
    if (!(afc & 0x1) || !pusi || pid < 0x20 || payload + 14 > p + TS_PACKET) continue;
    if (buf[payload] !== 0 || buf[payload + 1] !== 0 || buf[payload + 2] !== 1) continue;
    const streamId = buf[payload + 3];
    const hasOptionalHeader = (streamId >= 0xc0 && streamId <= 0xef) || streamId === 0xbd;
    if (!hasOptionalHeader) continue;
    const flags = buf[payload + 7] >> 6; // PTS_DTS_flags: 2 = PTS, 3 = PTS+DTS
    if (flags & 0x2) shift33(buf, payload + 9, offset90k);
    if (flags === 0x3 && payload + 19 <= p + TS_PACKET) shift33(buf, payload + 14, offset90k);
  }
  return buf;
}

/** Read a 5-byte PES timestamp field. */
export function readPesTimestamp(buf: Buffer, at: number): number {
  return (
    ((buf[at] >> 1) & 0x07) * 2 ** 30 +
    ((buf[at + 1] << 7) | (buf[at + 2] >> 1)) * 2 ** 15 +
    ((buf[at + 3] << 7) | (buf[at + 4] >> 1))
  );
}

function shift33(buf: Buffer, at: number, offset: number): void {
  const v = (readPesTimestamp(buf, at) + offset) % MOD33;
  const hi = Math.floor(v / 2 ** 30) & 0x07;
  const mid = Math.floor(v / 2 ** 15) & 0x7fff;
  const lo = v & 0x7fff;
  // Keep the 4-bit prefix ('0010'/'0011'/'0001') and the marker bits.
  buf[at] = (buf[at] & 0xf0) | (hi << 1) | 1;
  buf[at + 1] = mid >> 7;
  buf[at + 2] = ((mid & 0x7f) << 1) | 1;
  buf[at + 3] = lo >> 7;
  buf[at + 4] = ((lo & 0x7f) << 1) | 1;
}

function writePcrBase(buf: Buffer, at: number, offset: number): void {
  // 33-bit base, 6 reserved bits, 9-bit extension; only the base is in 90 kHz units.
  const base = buf[at] * 2 ** 25 + buf[at + 1] * 2 ** 17 + buf[at + 2] * 2 ** 9 + buf[at + 3] * 2 + (buf[at + 4] >> 7);
  const v = (base + offset) % MOD33;
  buf[at] = Math.floor(v / 2 ** 25) & 0xff;
  buf[at + 1] = Math.floor(v / 2 ** 17) & 0xff;
  buf[at + 2] = Math.floor(v / 2 ** 9) & 0xff;
  buf[at + 3] = Math.floor(v / 2) & 0xff;
  buf[at + 4] = (buf[at + 4] & 0x7f) | ((v & 1) << 7);
}

/**
 * Return a copy of an fMP4 media segment with its decode times moved by `offsetSeconds` (converted per
 * track with the init segment's timescales) and its mfhd sequence number set to `sequenceNumber`.
 */
export function shiftFmp4Fragment(
  src: Buffer,
  offsetSeconds: number,
  timescales: Map<number, number>,
  sequenceNumber: number,
): Buffer {
  const buf = Buffer.from(src);
  for (const box of children(buf, 0, buf.length)) {
    if (box.type === 'sidx') {
      const version = buf[box.body];
      const timescale = buf.readUInt32BE(box.body + 8);
      const delta = BigInt(Math.round(offsetSeconds * timescale));
      const at = box.body + 12;
      if (version === 1) buf.writeBigUInt64BE(buf.readBigUInt64BE(at) + delta, at);
      else buf.writeUInt32BE(Number((BigInt(buf.readUInt32BE(at)) + delta) % 2n ** 32n), at);
    } else if (box.type === 'moof') {
      const mfhd = findChild(buf, box.body, box.end, 'mfhd');
      if (mfhd) buf.writeUInt32BE(sequenceNumber >>> 0, mfhd.body + 4);
      for (const traf of children(buf, box.body, box.end, 'traf')) {
        const tfhd = findChild(buf, traf.body, traf.end, 'tfhd');
        const tfdt = findChild(buf, traf.body, traf.end, 'tfdt');
        if (!tfhd || !tfdt) continue;
        const trackId = buf.readUInt32BE(tfhd.body + 4);
        const timescale = timescales.get(trackId);
        if (!timescale) continue;
        const delta = BigInt(Math.round(offsetSeconds * timescale));
        const at = tfdt.body + 4;
        if (buf[tfdt.body] === 1) buf.writeBigUInt64BE(buf.readBigUInt64BE(at) + delta, at);
        // version 0 is 32-bit; wraps after ~77 h at 15360 Hz (ffmpeg writes version 1 anyway)
        else buf.writeUInt32BE(Number((BigInt(buf.readUInt32BE(at)) + delta) % 2n ** 32n), at);
      }
    }
  }
  return buf;
}
