/**
 * Fault injection.
 *
 * Tests queue rules; each rule targets one or more operations, counts the
 * matching requests it sees from the moment it was added, fires on the `nth`
 * of them (default: the next one) and keeps firing for `times` requests
 * (default once; use Infinity for "always").
 *
 * Examples:
 *   fake.injectFault({ op: 'upload.chunk', nth: 3, action: { type: 'error', status: 503 } })
 *   fake.injectFault({ op: 'upload.chunk', action: { type: 'reset', afterBytes: 100_000 } })
 *   fake.injectFault({ op: 'oauth.refresh', action: { type: 'invalidGrant' } })
 *   fake.injectFault({ op: 'videos.insert', action: { type: 'quotaExceeded' } })
 *   fake.injectFault({ op: '*', times: Infinity, action: { type: 'delay', ms: 200 } })
 *
 * Byte-level actions (`afterBytes`, 'shortPersist') on body-carrying upload
 * operations are applied by the upload handler while it streams the body, so
 * they can persist part of a chunk before failing, exactly like a real upload
 * front end that dies half-way through.
 */
import type { Ctx, OpName, Rc } from './context.ts';
import { ApiError, OAuthError, errors } from './errors.ts';
import { discardBytes, drain, sendApiError, sendOAuthError, sleep } from './http.ts';

/**
 * What happens to bytes received before a mid-chunk failure:
 * - 'none': nothing from this chunk is persisted;
 * - 'received': every byte that arrived before the failure is persisted;
 * - 'aligned' (default): persisted up to the last 256 KiB boundary, which is what
 *   chunked upload servers typically commit.
 */
export type PersistMode = 'none' | 'received' | 'aligned';

export type FaultAction =
  /** Respond with this HTTP status (Google error body); optionally only after reading `afterBytes` of the body. */
  | {
      type: 'error';
      status: number;
      reason?: string;
      domain?: string;
      message?: string;
      afterBytes?: number;
      persist?: PersistMode;
      retryAfterSec?: number;
    }
  /** Destroy the TCP connection (client sees ECONNRESET/EPIPE/"socket hang up"), optionally mid-body. */
  | { type: 'reset'; afterBytes?: number; persist?: PersistMode }
  /** Wait, then handle the request normally (slow responses). */
  | { type: 'delay'; ms: number }
  /** Never answer (until close()). */
  | { type: 'hang' }
  /** 401 authError, as for an expired access token. */
  | { type: 'unauthorized' }
  /** 404; on a session URI this means "session expired/unknown, start over". */
  | { type: 'notFound' }
  /** 403 quotaExceeded. */
  | { type: 'quotaExceeded' }
  /** 403 (default) or 429 rateLimitExceeded. */
  | { type: 'rateLimit'; status?: 403 | 429 }
  /** OAuth token endpoint: 400 invalid_grant. */
  | { type: 'invalidGrant'; description?: string }
  /** Resumable chunk: read the whole chunk but persist only its first `keepBytes` bytes, then answer normally (308). */
  | { type: 'shortPersist'; keepBytes: number };

export interface FaultRequestInfo {
  op: OpName;
  method: string;
  url: URL;
  /** Resumable session id for upload.chunk / upload.status. */
  uploadId?: string;
}

export interface FaultRule {
  op: OpName | OpName[] | '*';
  /** Fire on the nth matching request counted from when the rule was added (1-based, default 1). */
  nth?: number;
  /** Number of consecutive matching requests to fire on (default 1; Infinity = forever). */
  times?: number;
  /** Extra filter. */
  when?: (info: FaultRequestInfo) => boolean;
  action: FaultAction;
}

export interface FaultHandle {
  readonly id: number;
  /** How many times the rule has fired so far. */
  readonly fired: number;
  /** Remove the rule. */
  cancel(): void;
}

interface ActiveRule {
  id: number;
  rule: FaultRule;
  seen: number;
  fired: number;
}

export interface FiredFault {
  at: number;
  op: OpName;
  ruleId: number;
  action: FaultAction;
}

export class FaultQueue {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  readonly history: FiredFault[] = [];

  constructor(private readonly clock: () => number) {}

  add(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { id: this.nextId++, rule, seen: 0, fired: 0 };
    this.rules.push(active);
    return {
      id: active.id,
      get fired() {
        return active.fired;
      },
      cancel: () => {
        this.rules = this.rules.filter((r) => r !== active);
      },
    };
  }

  clear(): void {
    this.rules = [];
  }

  pending(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Count this request against every matching rule and return the action that fires, if any. */
  take(info: FaultRequestInfo): FaultAction | undefined {
    let chosen: ActiveRule | undefined;
    for (const r of this.rules) {
      const ops = r.rule.op;
      const opMatch = ops === '*' ? info.op !== 'admin' : Array.isArray(ops) ? ops.includes(info.op) : ops === info.op;
      if (!opMatch) continue;
      if (r.rule.when && !r.rule.when(info)) continue;
      r.seen++;
      const nth = r.rule.nth ?? 1;
      const times = r.rule.times ?? 1;
      if (!chosen && r.seen >= nth && r.fired < times) chosen = r;
    }
    if (!chosen) return undefined;
    chosen.fired++;
    if (chosen.fired >= (chosen.rule.times ?? 1)) this.rules = this.rules.filter((r) => r !== chosen);
    this.history.push({ at: this.clock(), op: info.op, ruleId: chosen.id, action: chosen.rule.action });
    return chosen.rule.action;
  }
}

const OAUTH_OPS: OpName[] = ['oauth.authorize', 'oauth.token', 'oauth.refresh', 'oauth.revoke', 'oauth.tokeninfo'];
/** Operations whose body is streamed by the handler; byte-level faults are delegated to it. */
const STREAMING_OPS: OpName[] = ['upload.chunk', 'videos.insert'];

/** Build the error an 'error'/'unauthorized'/... action answers with on a Data API route. */
export function faultApiError(action: FaultAction): ApiError {
  switch (action.type) {
    case 'unauthorized':
      return errors.invalidCredentials();
    case 'notFound':
      return errors.notFound();
    case 'quotaExceeded':
      return errors.quotaExceeded();
    case 'rateLimit':
      return errors.rateLimitExceeded(action.status ?? 403);
    case 'invalidGrant':
      return errors.invalidCredentials();
    case 'error': {
      const dflt =
        action.status >= 500
          ? errors.backendError(action.status)
          : new ApiError(action.status, 'badRequest', 'Bad Request');
      const headers: Record<string, string> = {};
      if (action.retryAfterSec !== undefined) headers['Retry-After'] = String(action.retryAfterSec);
      return new ApiError(action.status, action.reason ?? dflt.reason, action.message ?? dflt.message, {
        domain: action.domain ?? 'global',
        headers,
      });
    }
    default:
      return errors.backendError(500);
  }
}

function faultOAuthError(action: FaultAction): OAuthError {
  switch (action.type) {
    case 'invalidGrant':
      return new OAuthError(400, 'invalid_grant', action.description ?? 'Token has been expired or revoked.');
    case 'error':
      return new OAuthError(
        action.status,
        action.reason ?? (action.status >= 500 ? 'internal_failure' : 'invalid_request'),
        action.message ?? (action.status >= 500 ? 'Backend Error' : 'Bad Request'),
      );
    case 'unauthorized':
      return new OAuthError(401, 'invalid_client', 'Unauthorized');
    default:
      return new OAuthError(400, 'invalid_request', 'Bad Request');
  }
}

/** Respond with a fault's error in the shape appropriate for the operation. */
export function respondWithFault(rc: Rc, action: FaultAction): void {
  if (OAUTH_OPS.includes(rc.op)) sendOAuthError(rc.res, faultOAuthError(action));
  else sendApiError(rc.res, faultApiError(action));
  drain(rc.req);
}

/**
 * Apply a fault before the handler runs. Returns true if the request has been
 * dealt with (answered, reset or parked), false if the handler should proceed
 * (after a delay, or with `rc.fault` set for byte-level handling).
 */
export async function applyFault(ctx: Ctx, rc: Rc, action: FaultAction): Promise<boolean> {
  rc.log.fault = action.type;
  switch (action.type) {
    case 'delay':
      await sleep(action.ms);
      return false;
    case 'hang':
      ctx.hanging.add(rc.res);
      rc.res.on('close', () => ctx.hanging.delete(rc.res));
      return true;
    case 'shortPersist':
      rc.fault = action;
      return false;
    case 'reset':
    case 'error': {
      if (action.afterBytes !== undefined && STREAMING_OPS.includes(rc.op)) {
        rc.fault = action;
        return false;
      }
      if (action.afterBytes !== undefined) await discardBytes(rc.req, action.afterBytes);
      if (action.type === 'reset') {
        rc.req.socket.destroy();
        return true;
      }
      respondWithFault(rc, action);
      return true;
    }
    default:
      respondWithFault(rc, action);
      return true;
  }
}

