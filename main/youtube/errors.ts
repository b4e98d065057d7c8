/**
 * Typed YouTube failures. The cutter decides what to do with a job from the error alone, following
 * wubloader's UploadError semantics (reference §5.4):
 *   retryable=false  → the job goes back to the operator with the message (bad metadata, 4xx...);
 *   retryable=true   → another attempt may succeed (5xx, network), resuming from the journal;
 *   parked           → retryable, but not before `parked.until` (quota) or until the operator
 *                      reconnects `parked.accountId` (invalid_grant). Re-trying earlier only burns
 *                      quota or CPU, so the cutter should leave the job alone until then.
 *
 * Messages are redacted and never carry the underlying library error (gaxios errors hold the request
 * config, which contains tokens), so printing any of these is safe.
 */
import { redact } from '../secrets/redact.ts';
import { formatPacific } from './pacific.ts';
import type { QuotaBucket } from './quota-costs.ts';

export interface ParkInfo {
  /** epoch ms before which retrying is pointless (quota) */
  until?: number;
  /** account that needs the operator to reconnect it */
  accountId?: string;
  /** Google project whose quota is exhausted */
  project?: string;
}

export class YouTubeError extends Error {
  override name = 'YouTubeError';
  readonly retryable: boolean;
  /** HTTP status of the response that caused it, if any */
  readonly status?: number;
  /** Google's `error.errors[0].reason` (or the OAuth `error`), if any */
  readonly reason?: string;
  readonly parked?: ParkInfo;

  constructor(message: string, opts: { retryable: boolean; status?: number; reason?: string; parked?: ParkInfo }) {
    super(redact(message));
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.reason !== undefined) this.reason = opts.reason;
    if (opts.parked) this.parked = opts.parked;
  }
}

/** An upload failed. The message reads like wubloader's: "Retryable error while uploading: …". */
export class UploadError extends YouTubeError {
  override name = 'UploadError';
  /** the detail without the "Retryable error while uploading:" prefix */
  readonly detail: string;
  /**
   * The video may already exist on YouTube (the final bytes were sent but the answer was lost and the
   * session is gone). Never retried automatically: an operator must look at the channel first, or a
   * second copy could be uploaded.
   */
  readonly mayHaveUploaded: boolean;

  constructor(detail: string, opts: { retryable: boolean; status?: number; reason?: string; mayHaveUploaded?: boolean }) {
    super(`${opts.retryable ? 'Retryable' : 'Non-retryable'} error while uploading: ${detail}`, opts);
    this.detail = redact(detail);
    this.mayHaveUploaded = opts.mayHaveUploaded ?? false;
  }
}

/** A JSON API call (videos.list/update, thumbnails, playlists) failed. */
export class YouTubeApiError extends YouTubeError {
  override name = 'YouTubeApiError';
}

/**
 * Refused because the project's daily quota is used up — either locally (the ledger says the call
 * would not fit) or because YouTube answered quotaExceeded/dailyLimitExceeded. No request is made
 * until `until` (the next midnight Pacific).
 */
export class QuotaParkedError extends YouTubeError {
  override name = 'QuotaParkedError';
  constructor(
    readonly project: string,
    readonly bucket: QuotaBucket,
    readonly until: number,
    why: string,
  ) {
    super(
      `YouTube ${bucket === 'uploads' ? 'upload' : 'API'} quota of project "${project}" is used up (${why}); parked until ${formatPacific(until)}`,
      { retryable: true, status: 403, reason: 'quotaExceeded', parked: { until, project } },
    );
  }
}

/**
 * Google rejected the account's refresh token (invalid_grant: revoked, expired after 7 days in
 * "Testing", unused for 6 months...). The account is marked needs_reconnect; its jobs should wait
 * until the operator reconnects it.
 */
export class AccountNeedsReconnectError extends YouTubeError {
  override name = 'AccountNeedsReconnectError';
  constructor(readonly accountId: string, detail: string) {
    super(`YouTube account "${accountId}" needs to be reconnected: ${detail}`, {
      retryable: true, status: 400, reason: 'invalid_grant', parked: { accountId },
    });
  }
}

/** Anything about the OAuth connect flow itself (user declined, state mismatch, timeout...). */
export class OAuthFlowError extends YouTubeError {
  override name = 'OAuthFlowError';
  constructor(message: string, reason?: string) {
    super(message, { retryable: false, reason });
  }
}

/** The pieces of a Google JSON error body we act on. */
export interface GoogleErrorInfo {
  status: number;
  reason?: string;
  domain?: string;
  message: string;
}

/**
 * Parse `{"error":{"code","message","errors":[{"reason","domain"}]}}` or the OAuth shape
 * `{"error":"invalid_grant","error_description":"…"}`; tolerate anything else.
 */
export function parseGoogleError(status: number, body: unknown): GoogleErrorInfo {
  let data = body;
  if (typeof body === 'string') {
    try {
      data = JSON.parse(body);
    } catch {
      return { status, message: body.trim().slice(0, 300) || `HTTP ${status}` };
    }
  }
  const err = (data as { error?: unknown } | null)?.error;
  if (typeof err === 'string') {
    const desc = (data as { error_description?: unknown }).error_description;
    return { status, reason: err, message: typeof desc === 'string' ? `${err}: ${desc}` : err };
  }
  if (err && typeof err === 'object') {
    const e = err as { message?: unknown; errors?: Array<{ reason?: unknown; domain?: unknown; message?: unknown }>; status?: unknown };
    const first = Array.isArray(e.errors) ? e.errors[0] : undefined;
    const reason = typeof first?.reason === 'string' ? first.reason : typeof e.status === 'string' ? e.status : undefined;
    const message = stripHtml(typeof e.message === 'string' ? e.message : typeof first?.message === 'string' ? first.message : `HTTP ${status}`);
    return { status, reason, domain: typeof first?.domain === 'string' ? first.domain : undefined, message };
  }
  return { status, message: `HTTP ${status}` };
}

/** Google puts links in quota messages ("exceeded your <a href=…>quota</a>"). */
function stripHtml(s: string): string {
  return s.replace(/<[^>]*>/g, '');
}

/** Daily quota exhausted: park, never retry today. */
export function isQuotaReason(reason: string | undefined): boolean {
  return reason === 'quotaExceeded' || reason === 'dailyLimitExceeded';
}

/** Short-term rate limits: back off and retry. */
export function isRateLimitReason(reason: string | undefined): boolean {
  return reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded' || reason === 'RESOURCE_EXHAUSTED';
}
