/**
 * Drawing a waveform picture from segment envelopes, the way ffmpeg's showwavespic draws wubloader's
 * (`colors=#000000:scale=sqrt`, default average filter, centred lines): each column is one slice of
 * the requested time range, its value is the mean |sample| of the audio in that slice, and it is drawn
 * as a vertical bar centred on the middle row, sqrt(value / 32767) of the height tall, black on
 * transparent. Unlike showwavespic, which squeezes whatever audio it is fed into the width, columns
 * are placed by time: a hole in the recording stays empty and the picture lines up with the timeline.
 * Bar ends are anti-aliased (fractional coverage becomes partial opacity).
 */
import type { Envelope } from './envelope.ts';

/** One segment's audio placed on the timeline (µs since epoch). */
export interface PlacedEnvelope {
  /** segment start */
  start: number;
  /** segment end by its name (start + duration): audio running past it is not drawn */
  end: number;
  envelope: Envelope;
}

const FULL_SCALE = 32767;

/** Mean |sample| per column over [start, end) (µs), NaN where no audio covers the column. */
export function columnLevels(pieces: PlacedEnvelope[], start: number, end: number, width: number): Float64Array {
  const span = end - start;
  const sums = new Float64Array(width);
  const cover = new Float64Array(width);
  const scale = width / span; // columns per µs
  for (const p of pieces) {
    const env = p.envelope;
    if (env.values.length === 0) continue;
    const bucketUs = 1_000_000 / env.bucketsPerSecond;
    const audioEnd = Math.min(p.start + (env.samples / env.sampleRate) * 1_000_000, p.end);
    const from = Math.max(p.start, start);
    const to = Math.min(audioEnd, end);
    if (to <= from) continue;
    const first = Math.max(0, Math.floor((from - p.start) / bucketUs));
    const last = Math.min(env.values.length, Math.ceil((to - p.start) / bucketUs));
    for (let i = first; i < last; i++) {
      const bs = Math.max(p.start + i * bucketUs, from);
      const be = Math.min(p.start + (i + 1) * bucketUs, to);
      if (be <= bs) continue;
      const v = env.values[i]!;
      const x0 = (bs - start) * scale;
      const x1 = Math.min((be - start) * scale, width);
      for (let c = Math.floor(x0); c < x1; c++) {
        const w = Math.min(x1, c + 1) - Math.max(x0, c);
        if (w <= 0) continue;
        sums[c] += v * w;
        cover[c] += w;
      }
    }
  }
  const out = new Float64Array(width);
  for (let c = 0; c < width; c++) out[c] = cover[c]! > 1e-9 ? sums[c]! / cover[c]! : Number.NaN;
  return out;
}

/** Opacity plane (width*height, row-major) of the waveform of [start, end). */
export function drawWaveform(pieces: PlacedEnvelope[], start: number, end: number, width: number, height: number): Uint8Array {
  const alpha = new Uint8Array(width * height);
  const levels = columnLevels(pieces, start, end, width);
  for (let c = 0; c < width; c++) {
    const level = levels[c]!;
    if (!(level > 0)) continue;
    const h = Math.min(1, Math.sqrt(level / FULL_SCALE)) * height;
    const top = (height - h) / 2;
    const bottom = top + h;
    for (let y = Math.floor(top); y < Math.ceil(bottom) && y < height; y++) {
      const cov = Math.min(bottom, y + 1) - Math.max(top, y);
      const a = Math.round(255 * cov);
      if (a > 0) alpha[y * width + c] = a;
    }
  }
  return alpha;
}
