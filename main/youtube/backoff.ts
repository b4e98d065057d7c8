/**
 * Exponential backoff with jitter (protocols.md B6.1/B8: 1 s, 2 s, 4 s … capped, randomised so many
 * uploaders that failed together do not retry together). "Equal jitter": half the step is fixed, half
 * random, so a retry never comes back instantly.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? 1000;
  const max = opts.maxMs ?? 60_000;
  const step = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (opts.random ?? Math.random)() * (step / 2));
}

/** Retry-After in seconds or as an HTTP date, capped; undefined if absent or unparseable. */
export function retryAfterMs(value: string | string[] | undefined, now: number, capMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, capMs) : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
