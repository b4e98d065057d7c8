/**
 * Pure planning of a cut: which stored segments are copied whole, which stretches are re-encoded, and
 * where transitions go. Kept free of I/O so every edge case (cut points on and off segment boundaries,
 * holes, transitions eating into short ranges) is unit-tested without ffmpeg.
 *
 * Times are integer microseconds (like SegmentInfo); transition durations are seconds (as in the API).
 */
import { segmentEnd, type SegmentInfo } from '../segments/names.ts';
import type { SegmentOrHole } from '../segments/select.ts';
import { assertKnownTransition } from './transitions.ts';

export interface CutRange {
  start: number;
  end: number;
}

export interface CutTransition {
  type: string;
  /** seconds */
  duration: number;
}

export interface CutRequest {
  /** best segments per range (null = hole), as store.getBestSegments returns them */
  segments: SegmentOrHole[][];
  ranges: CutRange[];
  /** between range i and i+1; null = hard cut; may be shorter than ranges.length - 1 */
  transitions: (CutTransition | null)[];
}

/** A stretch [from, to) of one contiguous run of segments (no hole inside). */
export interface Window {
  segments: SegmentInfo[];
  from: number;
  to: number;
}

export type Piece =
  | { kind: 'copy'; segment: SegmentInfo }
  | { kind: 'trim'; window: Window }
  | { kind: 'xfade'; a: Window; b: Window; transition: CutTransition };

/** Errors in what was asked for (as opposed to ffmpeg failing): the route answers them with 4xx. */
export class CutRequestError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

export const US = 1_000_000;
/** Cut points within 1 ms of a segment boundary count as on it (names carry µs; frames are ≥ 8 ms). */
export const BOUNDARY_TOLERANCE = 1_000;

const durUs = (t: CutTransition) => Math.round(t.duration * US);

/** Requested output length in µs: sum of ranges minus sum of transition durations. */
export function expectedDuration(ranges: CutRange[], transitions: (CutTransition | null)[]): number {
  let total = 0;
  for (const r of ranges) total += r.end - r.start;
  for (const t of transitions.slice(0, Math.max(0, ranges.length - 1))) if (t) total -= durUs(t);
  return total;
}

/** Split a segment list at holes into contiguous runs. */
export function runsOf(segments: SegmentOrHole[]): SegmentInfo[][] {
  const runs: SegmentInfo[][] = [];
  let cur: SegmentInfo[] = [];
  for (const s of segments) {
    if (s) cur.push(s);
    else if (cur.length) {
      runs.push(cur);
      cur = [];
    }
  }
  if (cur.length) runs.push(cur);
  return runs;
}

const runEnd = (run: SegmentInfo[]) => segmentEnd(run[run.length - 1]!);

/** Segments of `run` needed for [from, to). */
function windowIn(run: SegmentInfo[], from: number, to: number): Window {
  const segments = run.filter((s) => segmentEnd(s) > from + BOUNDARY_TOLERANCE && s.start < to - BOUNDARY_TOLERANCE);
  return { segments, from, to };
}

function checkShape(req: CutRequest): (CutTransition | null)[] {
  const { ranges, segments, transitions } = req;
  if (ranges.length === 0) throw new CutRequestError('No ranges to cut');
  if (segments.length !== ranges.length) throw new CutRequestError('Need one segment list per range');
  if (transitions.length > ranges.length - 1) throw new CutRequestError('Too many transitions');
  for (const r of ranges) if (r.end <= r.start) throw new CutRequestError('Ends must be after starts');
  const ts = ranges.slice(1).map((_, i) => transitions[i] ?? null);
  for (const t of ts) {
    if (!t) continue;
    assertKnownTransition(t.type);
    if (!(t.duration > 0)) throw new CutRequestError(`Transition duration must be positive, not ${t.duration}`);
  }
  ranges.forEach((r, i) => {
    const eaten = (i > 0 && ts[i - 1] ? durUs(ts[i - 1]!) : 0) + (ts[i] ? durUs(ts[i]!) : 0);
    if (eaten > r.end - r.start + BOUNDARY_TOLERANCE) {
      throw new CutRequestError(`Range ${i + 1} is shorter than the transitions into and out of it`);
    }
  });
  if (segments.every((list) => list.every((s) => s === null))) {
    throw new CutRequestError('We have no content available within the requested time range.', 406);
  }
  return ts;
}

/** The window a transition needs from the end of range i (or start of range i+1), or a clear error. */
function transitionWindow(runs: SegmentInfo[][], from: number, to: number, where: string, seconds: number): Window {
  const run = runs.find((r) => r[0]!.start <= from + BOUNDARY_TOLERANCE && runEnd(r) >= to - BOUNDARY_TOLERANCE);
  if (!run) {
    throw new CutRequestError(
      `Video data not available at the ${where} of a ${seconds}s transition (there is a hole there). Try a full cut?`, 406,
    );
  }
  return windowIn(run, from, to);
}

/**
 * Plan a fast/smart cut: per range, segments entirely inside the (transition-trimmed) range are copied,
 * the partly covered ones at the ends become trims, and each transition is one xfade piece made of the
 * last `duration` seconds of the range before and the first of the range after. Holes split ranges
 * (the hole is skipped: with allow_holes the output is simply shorter).
 * `minPiece` (µs, default half a 30 fps frame) drops slivers that would contain no frame at all.
 */
export function planSplice(req: CutRequest, minPiece = 16_666): Piece[] {
  const ts = checkShape(req);
  const pieces: Piece[] = [];
  req.ranges.forEach((range, i) => {
    const runs = runsOf(req.segments[i]!);
    const before = i > 0 ? ts[i - 1] : null;
    const after = ts[i] ?? null;
    if (before) {
      const prev = req.ranges[i - 1]!;
      const prevRuns = runsOf(req.segments[i - 1]!);
      const d = durUs(before);
      pieces.push({
        kind: 'xfade',
        a: transitionWindow(prevRuns, prev.end - d, prev.end, 'start', before.duration),
        b: transitionWindow(runs, range.start, range.start + d, 'end', before.duration),
        transition: before,
      });
    }
    const s = range.start + (before ? durUs(before) : 0);
    const e = range.end - (after ? durUs(after) : 0);
    for (const run of runs) {
      const lo = Math.max(s, run[0]!.start);
      const hi = Math.min(e, runEnd(run));
      if (hi - lo < minPiece) continue;
      for (const seg of windowIn(run, lo, hi).segments) {
        const from = Math.max(lo, seg.start);
        const to = Math.min(hi, segmentEnd(seg));
        if (to - from < minPiece) continue;
        const whole = from <= seg.start + BOUNDARY_TOLERANCE && to >= segmentEnd(seg) - BOUNDARY_TOLERANCE;
        pieces.push(whole ? { kind: 'copy', segment: seg } : { kind: 'trim', window: { segments: [seg], from, to } });
      }
    }
  });
  return pieces;
}

export interface FullPlan {
  /** one ffmpeg input per contiguous stretch of content, in output order */
  inputs: Window[];
  /** joins[i] sits between inputs[i] and inputs[i+1]: a transition, or null for a hard cut */
  joins: (CutTransition | null)[];
}

/**
 * Plan a full (re-encode everything) cut: each contiguous stretch of each range is one input; holes
 * inside a range are hard cuts, and range joins carry the requested transition.
 */
export function planFull(req: CutRequest, minPiece = 16_666): FullPlan {
  const ts = checkShape(req);
  const inputs: Window[] = [];
  const joins: (CutTransition | null)[] = [];
  req.ranges.forEach((range, i) => {
    const before = i > 0 ? ts[i - 1] ?? null : null;
    let first = true;
    for (const run of runsOf(req.segments[i]!)) {
      const lo = Math.max(range.start, run[0]!.start);
      const hi = Math.min(range.end, runEnd(run));
      if (hi - lo < minPiece) continue;
      const w = windowIn(run, lo, hi);
      if (first && before) {
        // The transition needs the whole window on both sides of the join.
        const prev = inputs[inputs.length - 1];
        const d = durUs(before);
        if (!prev || prev.to < req.ranges[i - 1]!.end - BOUNDARY_TOLERANCE || prev.to - prev.from < d - BOUNDARY_TOLERANCE) {
          throw new CutRequestError(`Video data not available at the start of a ${before.duration}s transition (there is a hole there).`, 406);
        }
        if (lo > range.start + BOUNDARY_TOLERANCE || hi - lo < d - BOUNDARY_TOLERANCE) {
          throw new CutRequestError(`Video data not available at the end of a ${before.duration}s transition (there is a hole there).`, 406);
        }
      }
      if (inputs.length) joins.push(first ? before : null);
      inputs.push(w);
      first = false;
    }
    if (first && before) {
      throw new CutRequestError(`Video data not available at the end of a ${before.duration}s transition (there is a hole there).`, 406);
    }
  });
  if (inputs.length === 0) throw new CutRequestError('We have no content available within the requested time range.', 406);
  return { inputs, joins };
}
