/**
 * When a StreamWorker polls its media playlist next.
 *
 * wubloader polls every ~2 s (RFC 8216 §6.3.4: TARGETDURATION after a reload that brought something new,
 * half of it after one that did not), so a new segment sits in the playlist for a second on average
 * before the recorder sees it. But the playlist says when the next segment will appear: an origin lists
 * a segment once it is complete, so about one segment duration after the newest one, at a fairly
 * constant *lag* after the end of the segment's media (by PROGRAM-DATE-TIME, or the times the worker
 * gave segments of a playlist without it). The lag is learnt from the polls themselves:
 *
 * - A poll started at `s` that does not list segment k, and one answered at `a` that does, bound its
 *   lag to (s - end_k, a - end_k]. The recent segments' bounds are intersected (each widened by
 *   `driftFraction` of TARGETDURATION per segment of age, so the lag may drift); if they contradict
 *   each other (the lag jumped), only the newest counts.
 * - The next segment is expected at end_next + lag. While the bounds are wider than `precisionFraction`
 *   of TARGETDURATION, the first poll for it probes their middle (a binary search: each segment halves
 *   the uncertainty); then one at the upper bound, where it should be listed. Once they are narrow, one
 *   poll at the upper bound per segment, which finds it at most `precision` after it appeared.
 * - Not listed when expected: polled again after `precision`, then at doubling intervals up to
 *   `retryFraction` of TARGETDURATION. Still not there a whole TARGETDURATION after it was due (a
 *   stall, an ended stream, a clock jump): the plain cadence above, with jitter, until segments flow.
 * - Never slower than the plain cadence, never faster than playlistPollMinMs.
 *
 * All times are milliseconds: wall time is performance.now(); stream time (µs) is scaled by
 * TARGETDURATION-scale / 1 s, so a test running the origin's clock faster scales both alike.
 */
import { jitter } from './timings.ts';

export interface PollOptions {
  /** ms per second of TARGETDURATION (timings.targetDurationScaleMs) */
  scaleMs: number;
  minMs: number;
  maxMs: number;
  jitter: number;
  /** fractions of TARGETDURATION */
  precisionFraction?: number;
  retryFraction?: number;
  driftFraction?: number;
}

export interface PollResult {
  /** performance.now() when the request was sent */
  startedAt: number;
  /** performance.now() when the playlist had arrived */
  at: number;
  /** the playlist listed a segment not seen before */
  changed: boolean;
  /** end (epoch µs) and EXTINF (s) of the playlist's last segment; null for an empty playlist */
  edge: { endUs: number; duration: number } | null;
  /** EXT-X-TARGETDURATION, seconds */
  targetDuration: number;
}

interface Bound {
  lo: number;
  hi: number;
}

const KEEP = 32;

export class PollSchedule {
  private bounds: Bound[] = [];
  private prevStartedAt: number | null = null;
  /** stream time (scaled ms) at which the next segment's media ends */
  private nextEnd: number | null = null;
  /** next retry interval while the next segment is due but not listed */
  private retryMs = 0;
  /** TARGETDURATION, ms */
  private target = 2000;

  constructor(private readonly o: PollOptions) {}

  private scaled(us: number): number {
    return (us * this.o.scaleMs) / 1e6;
  }

  /** The current lag bounds (for tests and logs), or null before the first change. */
  lag(): Bound | null {
    return this.bounds.length ? this.combined() : null;
  }

  private combined(): Bound {
    const n = this.bounds.length - 1;
    let lo = -Infinity;
    let hi = Infinity;
    const drift = this.target * (this.o.driftFraction ?? 0.0025);
    for (let i = 0; i <= n; i++) {
      const b = this.bounds[i]!;
      lo = Math.max(lo, b.lo - (n - i) * drift);
      hi = Math.min(hi, b.hi + (n - i) * drift);
    }
    return { lo, hi };
  }

  /** Delay (ms from now) until the next poll, given what the poll just made found. */
  next(r: PollResult, now = performance.now()): number {
    const target = (r.targetDuration || 2) * this.o.scaleMs;
    this.target = target;
    const plain = Math.min(this.o.maxMs, Math.max(this.o.minMs, r.changed ? target : target / 2));
    const clamp = (ms: number) => Math.min(plain, Math.max(this.o.minMs, ms));
    const prevStartedAt = this.prevStartedAt;
    this.prevStartedAt = r.startedAt;
    if (!r.edge) {
      this.nextEnd = null;
      return jitter(plain, this.o.jitter);
    }
    const edgeEnd = this.scaled(r.edge.endUs);
    if (r.changed) {
      const bound = { lo: prevStartedAt === null ? -Infinity : prevStartedAt - edgeEnd, hi: r.at - edgeEnd };
      this.bounds.push(bound);
      if (this.bounds.length > KEEP) this.bounds.shift();
      const c = this.combined();
      if (c.lo > c.hi) this.bounds = [bound];
      this.nextEnd = edgeEnd + this.scaled(Math.round((r.edge.duration || r.targetDuration || 2) * 1e6));
    }
    if (this.nextEnd === null || !this.bounds.length) return jitter(plain, this.o.jitter);
    const precision = target * (this.o.precisionFraction ?? 0.05);
    const { lo, hi } = this.combined();
    const sure = this.nextEnd + hi;
    if (now - sure > target) return jitter(plain, this.o.jitter); // overdue: stalled, ended, or the clock jumped
    if (r.changed) {
      this.retryMs = precision;
      const lower = Number.isFinite(lo) ? lo : hi - target;
      const probe = hi - lower > precision ? this.nextEnd + (lower + hi) / 2 : sure;
      return clamp(probe - now);
    }
    if (now < sure - this.o.minMs / 2) return clamp(sure - now); // the probe missed: now where it should be
    // Due and not listed yet: short retries, growing.
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, target * (this.o.retryFraction ?? 0.25));
    return clamp(wait);
  }
}
