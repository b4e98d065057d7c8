/** Small async helpers shared by the recorder's loops. */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  settled: boolean;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    resolve: (v) => {
      if (d.settled) return;
      d.settled = true;
      resolve(v);
    },
    settled: false,
  };
  return d;
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    // (setTimeout treats anything over 2^31-1 ms as 1 ms)
    const t = setTimeout(done, Math.min(2_147_483_647, Math.max(0, ms)));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A re-armable event: wait() resolves on the next set() (or at once if set and not yet cleared). */
export class Flag {
  private d = deferred<void>();
  get isSet(): boolean {
    return this.d.settled;
  }
  set(): void {
    this.d.resolve();
  }
  clear(): void {
    if (this.d.settled) this.d = deferred<void>();
  }
  wait(): Promise<void> {
    return this.d.promise;
  }
}

/** Counting semaphore. */
export class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiters.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
