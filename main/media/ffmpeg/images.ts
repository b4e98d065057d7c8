/** wubloader's ffmpeg waveform (the reference the /waveform route's own drawing is measured against). */
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
