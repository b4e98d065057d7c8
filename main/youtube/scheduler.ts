/**
 * Paced, fair scheduling of YouTube API calls (seed 003): calls made in quick bursts get throttled,
 * and one busy account (a playlist resync of 200 items) must not starve another (a finished upload
 * waiting for its thumbnail). Every call names the account it is made for; each account has a FIFO
 * queue, and the next call always comes from the waiting account that was served least recently, so
 * backlogged accounts alternate (A1 B1 A2 B2 …, never A1 A2 A3 B1) and a newcomer gets the next
 * turn. Calls start at least `minIntervalMs` apart and run one at a time per scheduler.
 */

export interface FairSchedulerOptions {
  /** minimum time between the starts of two calls (default 250 ms; 0 = no pacing) */
  minIntervalMs?: number;
  /** injectable clock and sleep (tests) */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Task {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
}

interface Lane {
  queue: Task[];
  /** sequence number of its last dispatched call; -1 = never served */
  lastServed: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FairScheduler {
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** one lane per account ever seen (a handful); kept when idle so its turn is remembered */
  private readonly lanes = new Map<string, Lane>();
  private served = 0;
  private running = false;
  private lastStart = -Infinity;

  constructor(opts: FairSchedulerOptions = {}) {
    this.minIntervalMs = opts.minIntervalMs ?? 250;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  /** Queue `fn` for `key` (an account id); resolves with its result when it has run. */
  run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) {
        lane = { queue: [], lastServed: -1 };
        this.lanes.set(key, lane);
      }
      lane.queue.push({ run: fn, resolve: resolve as (v: unknown) => void, reject, signal });
      if (!this.running) void this.drain();
    });
  }

  /** Number of calls waiting (not counting the one running). */
  get pending(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.queue.length;
    return n;
  }

  private next(): Task | undefined {
    let pick: Lane | undefined;
    // Map order is first-seen order, which breaks ties between never-served accounts.
    for (const lane of this.lanes.values()) {
      if (lane.queue.length && (!pick || lane.lastServed < pick.lastServed)) pick = lane;
    }
    if (!pick) return undefined;
    pick.lastServed = this.served++;
    return pick.queue.shift();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending > 0) {
        // Re-checked after sleeping: timers may fire a millisecond early by the wall clock.
        for (let wait = this.lastStart + this.minIntervalMs - this.now(); wait > 0; wait = this.lastStart + this.minIntervalMs - this.now()) {
          await this.sleep(wait);
        }
        // Chosen only after the pause, so calls queued meanwhile compete fairly for this slot.
        const task = this.next();
        if (!task) break;
        if (task.signal?.aborted) {
          task.reject(task.signal.reason);
          continue;
        }
        this.lastStart = this.now();
        try {
          task.resolve(await task.run());
        } catch (e) {
          task.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
