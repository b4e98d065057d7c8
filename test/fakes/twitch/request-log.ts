/**
 * Every request the fake saw, with what it meant (channel, quality, segment) and how it ended, so tests
 * can assert on client behaviour: "fetched the init segment once", "never fetched an ad segment",
 * "re-requested a token after the 403", ...
 */

export type RequestKind = 'gql' | 'usher' | 'master' | 'playlist' | 'segment' | 'init' | 'other';

export interface RequestLogEntry {
  id: number;
  /** Real wall-clock time the request arrived (Date.now()). */
  at: number;
  /** Fake clock time the request arrived. */
  clockMs: number;
  method: string;
  /** Path and query as requested. */
  url: string;
  path: string;
  kind: RequestKind;
  channel?: string;
  quality?: string;
  /** Session (broadcast) index within the channel. */
  session?: number;
  /** Segment index within the session, and its media sequence number. */
  n?: number;
  sequence?: number;
  ad?: boolean;
  /** GQL: operation names in the body (one per batch element). */
  operations?: string[];
  headers: Record<string, string | undefined>;
  status?: number;
  bytes: number;
  /** Real ms from arrival to the end of the response. */
  durationMs?: number;
  /** Which injected fault shaped this response, if any. */
  fault?: string;
  /** Response body was cut short (stall fault). */
  truncated?: boolean;
  done: boolean;
}

type Waiter = { pred: (e: RequestLogEntry) => boolean; resolve: (e: RequestLogEntry) => void };

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  private nextId = 1;
  private waiters = new Set<Waiter>();

  start(e: Omit<RequestLogEntry, 'id' | 'bytes' | 'done'>): RequestLogEntry {
    const entry: RequestLogEntry = { ...e, id: this.nextId++, bytes: 0, done: false };
    this.entries.push(entry);
    return entry;
  }

  finish(e: RequestLogEntry): void {
    e.done = true;
    e.durationMs = Date.now() - e.at;
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.delete(w);
        w.resolve(e);
      }
    }
  }

  /** Entries matching a filter: a kind, or a predicate. */
  filter(f?: RequestKind | ((e: RequestLogEntry) => boolean)): RequestLogEntry[] {
    if (!f) return [...this.entries];
    const pred = typeof f === 'string' ? (e: RequestLogEntry) => e.kind === f : f;
    return this.entries.filter(pred);
  }

  /** Request counts per kind, plus `total` and `bytes` served. */
  counts(): Record<RequestKind | 'total' | 'bytes', number> {
    const c = { gql: 0, usher: 0, master: 0, playlist: 0, segment: 0, init: 0, other: 0, total: 0, bytes: 0 };
    for (const e of this.entries) {
      c[e.kind]++;
      c.total++;
      c.bytes += e.bytes;
    }
    return c;
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Resolve with the first *finished* request (already logged or future) matching `pred`. */
  waitFor(pred: (e: RequestLogEntry) => boolean, timeoutMs = 10_000): Promise<RequestLogEntry> {
    const hit = this.entries.find((e) => e.done && pred(e));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }
}
