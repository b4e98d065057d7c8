/**
 * The timeouts of one operation on a single timer, armed for the earliest one still due and re-armed
 * when it fires.
 *
 * Why: a segment download attempt has four timeouts (response head soft/hard, whole download soft/hard)
 * and a playlist poll two, and nearly every one finishes long before the first of them. A timer each
 * meant four setTimeout/clearTimeout pairs per segment, a visible share of the recorder's JavaScript at
 * 20 channels; here it is one pair. Cancelling a group (e.g. the head timeouts once the head arrived)
 * does not touch the timer: when it fires, cancelled deadlines are skipped and the next one is armed.
 */
export interface Deadline {
  /** ms after the Deadlines were created */
  afterMs: number;
  fire: () => void;
  /** cancel() takes a group name */
  group?: string;
}

export class Deadlines {
  private readonly t0 = performance.now();
  private pending: Deadline[];
  private readonly cancelled = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(deadlines: Deadline[]) {
    this.pending = [...deadlines].sort((a, b) => a.afterMs - b.afterMs);
    this.arm();
  }

  /** The deadlines of `group` no longer apply. */
  cancel(group: string): void {
    this.cancelled.add(group);
  }

  /** No deadline applies any more. */
  clear(): void {
    this.pending = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private live(d: Deadline): boolean {
    return d.group === undefined || !this.cancelled.has(d.group);
  }

  private arm(): void {
    while (this.pending.length && !this.live(this.pending[0]!)) this.pending.shift();
    const next = this.pending[0];
    this.timer = next ? setTimeout(this.tick, Math.max(0, next.afterMs - (performance.now() - this.t0))) : null;
  }

  private readonly tick = (): void => {
    this.timer = null;
    const now = performance.now() - this.t0;
    // Timers may fire a little early or late: everything due by now fires, in order.
    while (this.pending.length && this.pending[0]!.afterMs <= now + 1) {
      const d = this.pending.shift()!;
      if (this.live(d)) d.fire();
    }
    if (this.pending.length) this.arm();
  };
}
