/**
 * Runtime-switchable request faults. Timeline faults (ads, discontinuities, skew, restarts, stream end)
 * live on the channel (channel.ts) because they change playlist *content*; the faults here change how
 * a single HTTP exchange goes.
 */
import type { RequestKind, RequestLogEntry } from './request-log.ts';

export interface MatchOptions {
  channel?: string;
  quality?: string;
  /** Extra predicate over the (partly filled) log entry. */
  match?: (e: RequestLogEntry) => boolean;
}

export interface FailOptions extends MatchOptions {
  /** HTTP status. Default 503. */
  status?: number;
  /** How many matching requests fail. Default 1. */
  count?: number;
  /** Response body. Default: a short text (or the real JSON shape for gql/usher where one is known). */
  body?: string | object;
  headers?: Record<string, string>;
}

export interface FailRule extends FailOptions {
  kind: RequestKind | 'any';
  remaining: number;
}

export type StallMode =
  /** End the response cleanly after the cut-off with only part of the body: Twitch's behaviour for
   * requests stuck ~60 s ("terminated with incomplete but valid data"). No Content-Length is sent, so
   * the client cannot tell from framing alone. */
  | 'truncate'
  /** Stall, then deliver the rest: a slow but complete response. */
  | 'complete'
  /** Stall, then reset the connection. */
  | 'reset';

export interface StallOptions extends MatchOptions {
  /** Which requests: 'segment' (default), 'init' or 'playlist'. */
  kind?: 'segment' | 'init' | 'playlist';
  count?: number;
  /** Fraction of the body sent before stalling. Default 0.5 (rounded down to whole TS packets). */
  fraction?: number;
  /** Real ms the stall lasts before the cut-off action. Default: server's segmentCutoffMs (60 s like Twitch). */
  cutoffMs?: number;
  mode?: StallMode;
  /** Real ms before response headers are sent. Default 0. */
  headerDelayMs?: number;
}

export interface StallRule extends StallOptions {
  remaining: number;
}

/**
 * GQL-wide failure modes, on until cleared:
 * - 'integrity': 401 "failed integrity check" unless the request carries a Client-Integrity header
 * - 'null-token': data.streamPlaybackAccessToken = null (as for a non-existent channel)
 * - 'persisted-query-not-found': every persisted query is "unknown"
 */
export type GqlFaultMode = 'integrity' | 'null-token' | 'persisted-query-not-found';

export class Faults {
  private fails: FailRule[] = [];
  private stalls: StallRule[] = [];
  gqlMode: GqlFaultMode | null = null;

  failNext(kind: RequestKind | 'any', opts: FailOptions = {}): void {
    this.fails.push({ ...opts, kind, remaining: opts.count ?? 1 });
  }

  stallNext(opts: StallOptions = {}): void {
    this.stalls.push({ ...opts, remaining: opts.count ?? 1 });
  }

  /** Consume one failure matching this request, if any. */
  takeFailure(e: RequestLogEntry): FailRule | null {
    const rule = this.fails.find((r) => r.remaining > 0 && (r.kind === 'any' || r.kind === e.kind) && matches(r, e));
    if (!rule) return null;
    rule.remaining--;
    this.fails = this.fails.filter((r) => r.remaining > 0);
    return rule;
  }

  takeStall(e: RequestLogEntry): StallRule | null {
    const rule = this.stalls.find((r) => r.remaining > 0 && (r.kind ?? 'segment') === e.kind && matches(r, e));
    if (!rule) return null;
    rule.remaining--;
    this.stalls = this.stalls.filter((r) => r.remaining > 0);
    return rule;
  }

  pending(): { fails: number; stalls: number } {
    return {
      fails: this.fails.reduce((a, r) => a + r.remaining, 0),
      stalls: this.stalls.reduce((a, r) => a + r.remaining, 0),
    };
  }

  clear(): void {
    this.fails = [];
    this.stalls = [];
    this.gqlMode = null;
  }
}

function matches(r: MatchOptions, e: RequestLogEntry): boolean {
  if (r.channel && r.channel.toLowerCase() !== e.channel) return false;
  if (r.quality && r.quality !== e.quality) return false;
  if (r.match && !r.match(e)) return false;
  return true;
}
