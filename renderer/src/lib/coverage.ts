/** How the coverage bars ask the server (pure; unit-tested). */
export const MAX_BUCKETS = 2000;

/**
 * Buckets for a bar `width` CSS pixels wide over `spanUs`: at most one per pixel and MAX_BUCKETS, 0 until
 * laid out. The count divides the span exactly, so every bucket is a whole number of microseconds (the
 * server's bucketing loops forever on fractional bucket widths; see the UI report, issue 6).
 */
export function bucketsFor(width: number, spanUs: number): number {
  let n = Math.max(0, Math.min(MAX_BUCKETS, Math.floor(width)));
  if (!Number.isSafeInteger(spanUs) || spanUs <= 0) return n;
  while (n > 1 && spanUs % n !== 0) n--;
  return n;
}
