/**
 * The fake's notion of "Twitch time".
 *
 * Everything time-dependent in the fake (which segments exist, PROGRAM-DATE-TIME values, token and
 * playlist-URL expiry, ended-playlist lifetimes, segment aging) is computed *lazily* from `now()` on each
 * request. Nothing ticks in the background, so a paused or manual clock costs nothing and a test can
 * jump hours ahead with one `advance()` call.
 *
 *   now() = epoch + (elapsed real ms since creation) * speed + manualOffset     (mode "real")
 *   now() = epoch + manualOffset                                                (mode "manual")
 *
 * - `epoch` defaults to Date.now() at creation, so PROGRAM-DATE-TIME looks like real wall-clock time.
 * - `speed` > 1 makes the stream run faster than real time (speed 10: a 2 s segment every 200 ms).
 *   Note that PROGRAM-DATE-TIME then runs ahead of the client's wall clock; that is intended.
 * - `advance(ms)` works in both modes and wakes anything waiting on the clock.
 *
 * Real network timings (stall cut-offs, header delays) deliberately do NOT use this clock: they model
 * what a client experiences on the wire, so they are plain setTimeout in real milliseconds.
 */

export type ClockMode = 'real' | 'manual';

export interface ClockOptions {
  /** 'real' (default) follows the machine's clock times `speed`; 'manual' only moves on advance(). */
  mode?: ClockMode;
  /** Multiplier for real mode. Default 1. */
  speed?: number;
  /** Fake time at creation (epoch ms or Date). Default: Date.now(). */
  startAt?: number | Date;
}

interface Waiter {
  at: number;
  resolve: () => void;
  timer: NodeJS.Timeout | null;
}

export class FakeClock {
  readonly mode: ClockMode;
  private speed: number;
  private base: number; // fake ms at the moment `realBase` was taken
  private realBase: number; // performance.now() at that moment
  private waiters = new Set<Waiter>();

  constructor(opts: ClockOptions = {}) {
    this.mode = opts.mode ?? 'real';
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0)) throw new Error('clock speed must be > 0');
    const start = opts.startAt instanceof Date ? opts.startAt.getTime() : opts.startAt;
    this.base = start ?? Date.now();
    this.realBase = performance.now();
  }

  /** Current fake time, epoch milliseconds (may be fractional in real mode). */
  now(): number {
    if (this.mode === 'manual') return this.base;
    return this.base + (performance.now() - this.realBase) * this.speed;
  }

  getSpeed(): number {
    return this.speed;
  }

  /** Change speed from now on (real mode); time so far is kept. */
  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new Error('clock speed must be > 0');
    this.rebase();
    this.speed = speed;
    this.rescheduleAll();
  }

  /** Jump forward by `ms` fake milliseconds. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('advance() takes a non-negative number of ms');
    this.base += ms;
    this.rescheduleAll();
  }

  /** Resolve once now() >= at (or immediately if already past). Rejects if the signal aborts. */
  waitUntil(at: number, signal?: AbortSignal): Promise<void> {
    if (this.now() >= at) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        at,
        timer: null,
        resolve: () => {
          cleanup();
          resolve();
        },
      };
      const onAbort = () => {
        cleanup();
        reject(new Error('aborted'));
      };
      const cleanup = () => {
        if (waiter.timer) clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.schedule(waiter);
    });
  }

  /** Drop every pending waiter's timer (server shutdown). Waiters stay pending until their signal aborts. */
  dispose(): void {
    for (const w of this.waiters) if (w.timer) clearTimeout(w.timer);
    this.waiters.clear();
  }

  private rebase(): void {
    const now = this.now();
    this.realBase = performance.now();
    this.base = now;
  }

  private schedule(w: Waiter): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    const remaining = w.at - this.now();
    if (remaining <= 0) {
      w.resolve();
      return;
    }
    if (this.mode === 'manual') return; // only advance() can get us there
    // +1 ms: timers may fire a hair early relative to performance.now().
    w.timer = setTimeout(() => this.schedule(w), Math.ceil(remaining / this.speed) + 1);
  }

  private rescheduleAll(): void {
    for (const w of [...this.waiters]) this.schedule(w);
  }
}
