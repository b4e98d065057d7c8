/**
 * Best-segment selection and hole detection (wubloader's best_segments_by_start / get_best_segments),
 * as pure functions over parsed names so they can be tested without a filesystem.
 */
import { isPartial, segmentEnd, type SegmentInfo } from './names.ts';

/** Overlaps and gaps smaller than this (10 ms, in µs) are treated as contiguous. */
export const ALLOWABLE_OVERLAP = 10_000;
export const ALLOWABLE_GAP = 10_000;

/** `null` in a segment list marks a discontinuity (hole). */
export type SegmentOrHole = SegmentInfo | null;

export class ContainsHoles extends Error {
  constructor() {
    super('Requested time range contains holes or is incomplete.');
  }
}

/**
 * Pick the best version among segments sharing one start time. `sizeOf` is only consulted when a
 * tie-break needs it, so the common case (one file per start) costs no stat().
 * Rules: temp never; any full beats suspect beats partial. Among fulls: longest duration, then largest
 * file, then highest-sorting hash (deterministic across nodes). Among non-fulls: suspect, then largest.
 */
export function pickBest(group: SegmentInfo[], sizeOf: (s: SegmentInfo) => number): SegmentInfo | null {
  const candidates = group.filter((s) => s.type !== 'temp');
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0]!;
  const fulls = candidates.filter((s) => s.type === 'full');
  if (fulls.length === 1) return fulls[0]!;
  if (fulls.length > 1) {
    return fulls.reduce((best, s) => {
      if (s.duration !== best.duration) return s.duration > best.duration ? s : best;
      const ds = sizeOf(s) - sizeOf(best);
      if (ds !== 0) return ds > 0 ? s : best;
      return (s.hash ?? '') > (best.hash ?? '') ? s : best;
    });
  }
  return candidates.reduce((best, s) => {
    const rank = (x: SegmentInfo) => (x.type === 'suspect' ? 1 : 0);
    if (rank(s) !== rank(best)) return rank(s) > rank(best) ? s : best;
    return sizeOf(s) > sizeOf(best) ? s : best;
  });
}

/** Group parsed segments (any order) by start time and pick the best of each, sorted by start. */
export function bestByStart(segments: SegmentInfo[], sizeOf: (s: SegmentInfo) => number): SegmentInfo[] {
  const groups = new Map<number, SegmentInfo[]>();
  for (const s of segments) {
    const g = groups.get(s.start);
    if (g) g.push(s);
    else groups.set(s.start, [s]);
  }
  const out: SegmentInfo[] = [];
  for (const g of groups.values()) {
    const best = pickBest(g, sizeOf);
    if (best) out.push(best);
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Walk best-per-start segments (sorted by start, possibly spanning several hours) and return the best
 * contiguous sequence covering [start, end), with null at every hole:
 *  - the first segment must contain `start`, else a leading null;
 *  - a segment overlapping the previous one by more than 10 ms is ignored;
 *  - a gap of more than 10 ms, or a partial/suspect previous segment, inserts null;
 *  - a trailing null when nothing was found, the last segment is partial, or it ends before `end`.
 * With allowHoles=false the first null throws ContainsHoles instead.
 */
export function selectBestSegments(
  sortedBest: Iterable<SegmentInfo>, start: number, end: number, allowHoles = true,
): SegmentOrHole[] {
  const result: SegmentInfo[] = [];
  const out: SegmentOrHole[] = [];
  const hole = () => {
    if (!allowHoles) throw new ContainsHoles();
    out.push(null);
  };
  for (const seg of sortedBest) {
    const prev = result[result.length - 1];
    if (!prev) {
      if (seg.start <= start && start < segmentEnd(seg)) {
        // covers start
      } else if (start < seg.start && seg.start < end) {
        hole();
      } else {
        continue;
      }
    } else {
      const prevEnd = segmentEnd(prev);
      if (seg.start < prevEnd - ALLOWABLE_OVERLAP) continue;
      if (isPartial(prev) || seg.start > prevEnd + ALLOWABLE_GAP) hole();
    }
    result.push(seg);
    out.push(seg);
    if (end <= segmentEnd(seg)) break;
  }
  const last = result[result.length - 1];
  if (!last || isPartial(last) || segmentEnd(last) < end) hole();
  return out;
}
