/**
 * Player time <-> wall-clock time through the fragments' PROGRAM-DATE-TIME (hls.js fragment fields:
 * start in media seconds, duration in seconds, programDateTime in epoch ms). Wall-clock values are µs.
 * Pure; unit-tested.
 */
export interface Frag {
  start: number;
  duration: number;
  programDateTime: number | null;
}

export function mediaToWall(frags: Frag[], t: number): number | null {
  let best: Frag | null = null;
  for (const f of frags) {
    if (f.programDateTime === null) continue;
    if (f.start <= t + 1e-6) best = f;
    else break;
  }
  if (!best) best = frags.find((f) => f.programDateTime !== null) ?? null;
  return best ? Math.round((best.programDateTime! + (t - best.start) * 1000) * 1000) : null;
}

export function wallToMedia(frags: Frag[], us: number): number | null {
  const ms = us / 1000;
  let best: Frag | null = null;
  let next: Frag | null = null;
  for (const f of frags) {
    if (f.programDateTime === null) continue;
    if (f.programDateTime <= ms) best = f;
    else {
      next = f;
      break;
    }
  }
  if (!best) return next ? next.start : null;
  const offset = (ms - best.programDateTime!) / 1000;
  // Inside a hole (past the end of the fragment before it): land on the start of the next one.
  if (offset >= best.duration && next) return next.start;
  return best.start + offset;
}
