/**
 * The per-segment audio envelope: the mean absolute sample value of the (mono, 8 kHz) audio over
 * consecutive 20 ms buckets — what ffmpeg's showwavespic averages per picture column (its default
 * `filter=average`), so a waveform drawn from envelopes looks like wubloader's. 50 values per second is
 * ~100 bytes per second of recording: an hour is 360 KB, enough resolution to draw a 24-second window
 * 1200 px wide with one value per pixel, and cheap enough to read back for a 6-hour window.
 *
 * On disk (DATA/cache/peaks/<segment hash>.bin), little-endian:
 *   0  "TDPK"   4  u8 version (1)   5  u8 flags   6  u16 buckets per second
 *   8  u32 sample rate of the decoded audio          12 u32 decoded samples
 *   16 u16[ceil(samples / (rate / buckets per second))] mean |sample| per bucket (0..32768)
 */
export const ENVELOPE_MAGIC = 'TDPK';
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 16;
/** decoded audio: mono, this many samples per second (ffmpeg -ac 1 -ar 8000 -f s16le) */
export const DECODE_SAMPLE_RATE = 8000;
export const BUCKETS_PER_SECOND = 50;

/** flags bit: the segment has no decodable audio (stored so it is not retried on every request) */
export const FLAG_NO_AUDIO = 1;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface Envelope {
  bucketsPerSecond: number;
  sampleRate: number;
  /** decoded audio length in samples at `sampleRate` (the last bucket may be partial) */
  samples: number;
  flags: number;
  /** mean |sample| of each bucket, 0..32768 */
  values: Uint16Array;
}

/** Seconds of audio the envelope covers. */
export const envelopeSeconds = (e: Envelope) => e.samples / e.sampleRate;

export function emptyEnvelope(flags = FLAG_NO_AUDIO): Envelope {
  return { bucketsPerSecond: BUCKETS_PER_SECOND, sampleRate: DECODE_SAMPLE_RATE, samples: 0, flags, values: new Uint16Array(0) };
}

/** Envelope of mono signed 16-bit PCM at `sampleRate`. */
export function envelopeFromPcm(pcm: Int16Array, sampleRate = DECODE_SAMPLE_RATE, bucketsPerSecond = BUCKETS_PER_SECOND): Envelope {
  const per = sampleRate / bucketsPerSecond;
  if (!Number.isInteger(per) || per < 1) throw new Error(`sample rate ${sampleRate} is not a multiple of ${bucketsPerSecond}`);
  const count = Math.ceil(pcm.length / per);
  const values = new Uint16Array(count);
  for (let b = 0, i = 0; b < count; b++) {
    const stop = Math.min(i + per, pcm.length);
    const n = stop - i;
    let sum = 0;
    for (; i < stop; i++) {
      const s = pcm[i]!;
      sum += s < 0 ? -s : s;
    }
    values[b] = Math.round(sum / n);
  }
  // Segments are slices of one continuous stream, but each is decoded alone, and a fresh AAC decoder
  // fades in its first frame (~20 ms): left as is, every segment boundary would show a notch that the
  // recording does not have. The first bucket takes the larger of itself and the next one instead.
  if (count >= 2 && values[1]! > values[0]!) values[0] = values[1]!;
  return { bucketsPerSecond, sampleRate, samples: pcm.length, flags: 0, values };
}

/** Int16 samples of little-endian s16 bytes (copies only when the bytes are misaligned or the host is big-endian). */
export function pcmFromS16le(bytes: Buffer): Int16Array {
  const n = bytes.length >> 1;
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

export function encodeEnvelope(e: Envelope): Buffer {
  const buf = Buffer.alloc(ENVELOPE_HEADER_BYTES + e.values.length * 2);
  buf.write(ENVELOPE_MAGIC, 0, 'latin1');
  buf.writeUInt8(ENVELOPE_VERSION, 4);
  buf.writeUInt8(e.flags, 5);
  buf.writeUInt16LE(e.bucketsPerSecond, 6);
  buf.writeUInt32LE(e.sampleRate, 8);
  buf.writeUInt32LE(e.samples, 12);
  for (let i = 0; i < e.values.length; i++) buf.writeUInt16LE(e.values[i]!, ENVELOPE_HEADER_BYTES + i * 2);
  return buf;
}

/** Parse a cache file; null when it is not a complete envelope of this version (then it is recomputed). */
export function decodeEnvelope(buf: Buffer): Envelope | null {
  if (buf.length < ENVELOPE_HEADER_BYTES || buf.toString('latin1', 0, 4) !== ENVELOPE_MAGIC) return null;
  if (buf.readUInt8(4) !== ENVELOPE_VERSION) return null;
  const flags = buf.readUInt8(5);
  const bucketsPerSecond = buf.readUInt16LE(6);
  const sampleRate = buf.readUInt32LE(8);
  const samples = buf.readUInt32LE(12);
  if (bucketsPerSecond === 0 || sampleRate === 0 || sampleRate % bucketsPerSecond !== 0) return null;
  const count = Math.ceil(samples / (sampleRate / bucketsPerSecond));
  if (buf.length !== ENVELOPE_HEADER_BYTES + count * 2) return null;
  const values = new Uint16Array(count);
  if (LITTLE_ENDIAN) Buffer.from(values.buffer).set(buf.subarray(ENVELOPE_HEADER_BYTES));
  else for (let i = 0; i < count; i++) values[i] = buf.readUInt16LE(ENVELOPE_HEADER_BYTES + i * 2);
  return { bucketsPerSecond, sampleRate, samples, flags, values };
}
