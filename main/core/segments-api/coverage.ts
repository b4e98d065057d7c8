/**
 * Recording coverage for the streams screen: the requested window split into N buckets, each with the
 * fraction covered by full segments and by partial/suspect ones (the rest is a hole). One request per
 * visible window, answered from the store's per-hour cache, so 72 hours x 5 channels stays cheap.
 */
import { formatHour, truncateHour, US_PER_HOUR } from '../../media/segments/names.ts';
import type { SegmentStore } from '../../media/segments/store.ts';

export interface Coverage {
  start: number;
  end: number;
  buckets: { full: number; partial: number }[];
  latest: number | null;
}

export async function coverage(store: SegmentStore, channel: string, quality: string, start: number, end: number, n: number): Promise<Coverage> {
  const width = (end - start) / n;
  // Integer bucket edges (µs): with a fractional width a float edge could equal `t` and stall the walk.
  const edge = (i: number) => (i >= n ? end : start + Math.floor((i * (end - start)) / n));
  const full = new Float64Array(n);
  const partial = new Float64Array(n);
  let latest: number | null = null;
  for (let h = truncateHour(start) - US_PER_HOUR; h < end; h += US_PER_HOUR) {
    for (const s of await store.bestInHour(channel, quality, formatHour(h))) {
      const sEnd = s.start + s.duration;
      if (latest === null || sEnd > latest) latest = sEnd;
      if (sEnd <= start || s.start >= end) continue;
      const target = s.type === 'full' ? full : partial;
      // Spread the segment's time over the buckets it overlaps.
      let t = Math.max(s.start, start);
      const stop = Math.min(sEnd, end);
      while (t < stop) {
        let b = Math.min(n - 1, Math.floor((t - start) / width));
        while (b < n - 1 && edge(b + 1) <= t) b++;
        while (b > 0 && edge(b) > t) b--;
        const until = Math.max(t + 1, Math.min(stop, edge(b + 1)));
        target[b]! += until - t;
        t = until;
      }
    }
  }
  const buckets = Array.from({ length: n }, (_, i) => ({
    full: Math.min(1, full[i]! / width), partial: Math.min(1, partial[i]! / width),
  }));
  return { start, end, buckets, latest };
}
