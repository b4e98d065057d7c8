/** Audio waveform and single-frame PNGs from stored segments (wubloader's /waveform and /frame). */
import type { SegmentInfo } from '../segments/names.ts';
import { runFfmpeg } from './run.ts';

/**
 * wubloader's waveform: showwavespic over the whole range fed through stdin. Demuxes every byte of
 * video, so an hour takes many seconds; the /waveform route draws from cached per-segment envelopes
 * instead (media/waveform). Kept as the visual reference and the benchmark's baseline.
 */
export async function waveformPng(files: string[], width: number, height: number): Promise<Buffer> {
  return runFfmpeg([
    '-i', '-',
    '-filter_complex', `[0:a]showwavespic=size=${width}x${height}:colors=#000000:scale=sqrt[out]`,
    '-map', '[out]', '-f', 'image2', '-c', 'png', '-',
  ], files);
}

/** The frame at `timestamp` (µs): seek relative to the first segment fed in. */
export async function framePng(segments: SegmentInfo[], files: string[], timestamp: number): Promise<Buffer> {
  const offset = Math.max(0, (timestamp - segments[0]!.start) / 1_000_000);
  return runFfmpeg(['-ss', offset.toFixed(6), '-i', '-', '-vframes', '1', '-f', 'image2', '-c', 'png', '-'], files);
}
