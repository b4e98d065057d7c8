/**
 * Audio waveform pictures for the editor (wubloader's /waveform), fast enough for an hour-long window:
 * each segment's audio is decoded once into a small envelope (see envelope.ts, cached by content hash
 * under DATA/cache/peaks), and the PNG is drawn from the envelopes in JS. A one-hour window is 1,800
 * cache reads and a few milliseconds of drawing, instead of ffmpeg demuxing ~2.7 GB of video.
 *
 * `warmPeaks` lets the recorder compute a segment's envelope right after writing it, so the editor
 * never waits for decoding of what was recorded live.
 */
import { segmentEnd, tryParseSegmentPath, type SegmentInfo } from '../segments/names.ts';
import { assertSafeName } from '../segments/safe-path.ts';
import type { SegmentOrHole } from '../segments/select.ts';
import { peaksCacheFor, type PeaksCache } from './cache.ts';
import { encodeGreyAlphaPng } from './png.ts';
import { drawWaveform, type PlacedEnvelope } from './render.ts';

export { PeaksCache, peaksCacheFor, peaksDirFor, type PeaksCacheOptions, type PeaksItem, type PeaksStats } from './cache.ts';
export { decodeCounters } from './decode.ts';
export { BUCKETS_PER_SECOND, decodeEnvelope, encodeEnvelope, envelopeFromPcm, type Envelope } from './envelope.ts';
export { columnLevels, drawWaveform, type PlacedEnvelope } from './render.ts';
export { encodeGreyAlphaPng } from './png.ts';

/** What the waveform needs of a segment store (SegmentStore fits). */
export interface WaveformStore {
  root: string;
  abs(rel: string): string;
}

/**
 * PNG (width x height) of the audio of [start, end) (µs) over `segments` (getBestSegments output;
 * holes and segments without a hash are drawn empty). Missing envelopes are computed first.
 */
export async function renderWaveformPng(
  store: WaveformStore, segments: SegmentOrHole[], start: number, end: number, width: number, height: number,
  cache: PeaksCache = peaksCacheFor(store),
): Promise<Buffer> {
  const segs = segments.filter((s): s is SegmentInfo & { hash: string } => s !== null && s.hash !== null);
  const envelopes = await cache.getMany(segs.map((s) => ({ hash: s.hash, file: store.abs(s.path) })));
  const pieces: PlacedEnvelope[] = [];
  for (const s of segs) {
    const envelope = envelopes.get(s.hash);
    if (envelope) pieces.push({ start: s.start, end: segmentEnd(s), envelope });
  }
  return encodeGreyAlphaPng(drawWaveform(pieces, start, end, width, height), width, height);
}

/**
 * Precompute the envelope of a segment just written to the store (store-relative path, as
 * SegmentStore.writeSegment returns and the recorder publishes). Batched with other calls within a few
 * seconds, bounded like every other decode; never rejects, and ignores temp or unparseable names.
 */
export function warmPeaks(store: WaveformStore, relPath: string, cache: PeaksCache = peaksCacheFor(store)): Promise<void> {
  const info = tryParseSegmentPath(relPath);
  if (!info || info.hash === null || relPath.split('/').length !== 4) return Promise.resolve();
  try {
    relPath.split('/').forEach((p) => assertSafeName(p));
  } catch {
    return Promise.resolve();
  }
  return cache.warm({ hash: info.hash, file: store.abs(info.path) });
}
