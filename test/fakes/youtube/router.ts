/**
 * Request pipeline: route → log → injected fault → authentication/scope →
 * quota reservation → handler → error rendering → quota settlement.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx, OpName, Rc, RequestLogEntry } from './context.ts';
import { ApiError, OAuthError, errors } from './errors.ts';
import { applyFault } from './faults.ts';
import { drain, sendApiError, sendOAuthError } from './http.ts';
import { ACCEPTED_SCOPES, authenticate, handleAuthorize, handleRevoke, handleToken, handleTokenInfo, requireScopes } from './oauth.ts';
import type { BilledOp } from './quota.ts';
import { handleSessionRequest, handleVideosInsert } from './upload.ts';
import { handleThumbnailsSet } from './thumbnails.ts';
import { handleVideoCategoriesList, handleVideosDelete, handleVideosList, handleVideosUpdate } from './videos.ts';
import {
  handlePlaylistItemsDelete,
  handlePlaylistItemsInsert,
  handlePlaylistItemsList,
  handlePlaylistItemsUpdate,
  handlePlaylistsInsert,
  handlePlaylistsList,
} from './playlists.ts';
import { handleChannelsList } from './channels.ts';

type Handler = (ctx: Ctx, rc: Rc) => void | Promise<void>;

interface Route {
  op: OpName;
  handler: Handler;
  /** 'api': Bearer token required; 'none': no auth (OAuth endpoints, session URIs do their own). */
  auth: 'api' | 'none';
  scopes?: readonly string[];
  billed?: BilledOp;
  /** The handler looks up faults itself (the token endpoint must read the body first). */
  selfFaults?: boolean;
}

const api = (op: OpName & BilledOp, handler: Handler, scopes: readonly string[]): Route => ({
  op,
  handler,
  auth: 'api',
  scopes,
  billed: op,
});

const mediaRequired: Handler = (_ctx, rc) => {
  drain(rc.req);
  throw errors.mediaBodyRequired();
};

function resolve(ctx: Ctx, method: string, url: URL, req: IncomingMessage): Route | 'methodNotAllowed' | undefined {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const m = method.toUpperCase();
  const one = (routes: Partial<Record<string, Route>>) => routes[m] ?? 'methodNotAllowed';
  switch (path) {
    case '/o/oauth2/v2/auth':
    case '/o/oauth2/auth':
      return one({ GET: { op: 'oauth.authorize', handler: handleAuthorize, auth: 'none' } });
    case '/token':
    case '/oauth2/v4/token':
      return one({ POST: { op: 'oauth.token', handler: handleToken, auth: 'none', selfFaults: true } });
    case '/revoke':
    case '/o/oauth2/revoke': {
      const r: Route = { op: 'oauth.revoke', handler: handleRevoke, auth: 'none' };
      return one({ POST: r, GET: r });
    }
    case '/tokeninfo':
    case '/oauth2/v3/tokeninfo': {
      const r: Route = { op: 'oauth.tokeninfo', handler: handleTokenInfo, auth: 'none' };
      return one({ POST: r, GET: r });
    }
    case '/upload/youtube/v3/videos':
    case '/resumable/upload/youtube/v3/videos': {
      if (url.searchParams.has('upload_id')) {
        const cr = String(req.headers['content-range'] ?? '');
        const op: OpName = /^bytes\s+\*\//i.test(cr.trim()) ? 'upload.status' : 'upload.chunk';
        const r: Route = { op, handler: handleSessionRequest, auth: 'none' };
        // Google's Go client sends chunks with POST; documentation uses PUT. Accept both.
        return one({ PUT: r, POST: r });
      }
      return one({ POST: api('videos.insert', handleVideosInsert, ACCEPTED_SCOPES.upload) });
    }
    case '/upload/youtube/v3/thumbnails/set':
      return one({ POST: api('thumbnails.set', handleThumbnailsSet, ACCEPTED_SCOPES.upload) });
    case '/youtube/v3/thumbnails/set':
      return one({ POST: api('thumbnails.set', mediaRequired, ACCEPTED_SCOPES.upload) });
    case '/youtube/v3/videos':
      return one({
        GET: api('videos.list', handleVideosList, ACCEPTED_SCOPES.read),
        PUT: api('videos.update', handleVideosUpdate, ACCEPTED_SCOPES.write),
        DELETE: api('videos.delete', handleVideosDelete, ACCEPTED_SCOPES.write),
        // videos.insert on the non-upload path carries no media.
        POST: api('videos.insert', mediaRequired, ACCEPTED_SCOPES.upload),
      });
    case '/youtube/v3/playlistItems':
      return one({
        GET: api('playlistItems.list', handlePlaylistItemsList, ACCEPTED_SCOPES.read),
        POST: api('playlistItems.insert', handlePlaylistItemsInsert, ACCEPTED_SCOPES.write),
        PUT: api('playlistItems.update', handlePlaylistItemsUpdate, ACCEPTED_SCOPES.write),
        DELETE: api('playlistItems.delete', handlePlaylistItemsDelete, ACCEPTED_SCOPES.write),
      });
    case '/youtube/v3/playlists':
      return one({
        GET: api('playlists.list', handlePlaylistsList, ACCEPTED_SCOPES.read),
        POST: api('playlists.insert', handlePlaylistsInsert, ACCEPTED_SCOPES.write),
      });
    case '/youtube/v3/channels':
      return one({ GET: api('channels.list', handleChannelsList, ACCEPTED_SCOPES.read) });
    case '/youtube/v3/videoCategories':
      return one({ GET: api('videoCategories.list', handleVideoCategoriesList, ACCEPTED_SCOPES.read) });
    default:
      if (path.startsWith('/__admin/') && ctx.admin) {
        return { op: 'admin', handler: (c, rc) => c.admin!(rc), auth: 'none' };
      }
      return undefined;
  }
}

const UNBILLED_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded', 'rateLimitExceeded', 'userRateLimitExceeded']);

/** Billing rule for a request that ended in an error (see quota.ts). */
function billingFor(err: ApiError): 'invalid' | 'none' {
  if (err.opts.billable !== undefined) return err.opts.billable ? 'invalid' : 'none';
  if (err.code >= 500 || err.code === 401 || UNBILLED_REASONS.has(err.reason)) return 'none';
  return 'invalid';
}

export async function handleRequest(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const method = req.method ?? 'GET';
  const route = resolve(ctx, method, url, req);
  const op: OpName = typeof route === 'object' ? route.op : 'unknown';
  const log: RequestLogEntry = { at: ctx.clock(), method, path: url.pathname, query: url.search, op };
  if (op !== 'admin') ctx.log.push(log);
  const rc: Rc = {
    req,
    res,
    url,
    op,
    log,
    publicBase: req.headers.host ? `http://${req.headers.host}` : ctx.baseUrl,
  };
  res.on('finish', () => {
    log.status = res.statusCode;
  });
  res.on('close', () => {
    if (!rc.bill) return;
    let outcome = rc.billAs;
    if (!outcome) {
      if (!res.headersSent) outcome = 'none';
      else if (res.statusCode < 400) outcome = 'full';
      else outcome = res.statusCode >= 500 || res.statusCode === 401 ? 'none' : 'invalid';
    }
    rc.bill.settle(outcome, res.headersSent ? res.statusCode : undefined);
  });

  try {
    if (route === undefined) {
      drain(req);
      throw errors.notFound(`No route for ${method} ${url.pathname}`);
    }
    if (route === 'methodNotAllowed') {
      drain(req);
      throw errors.methodNotAllowed();
    }
    if (!route.selfFaults && route.op !== 'admin') {
      const fault = ctx.faults.take({ op: route.op, method, url, uploadId: url.searchParams.get('upload_id') ?? undefined });
      if (fault && (await applyFault(ctx, rc, fault))) return;
    }
    if (route.auth === 'api') {
      const token = authenticate(ctx, rc);
      rc.token = token;
      log.clientId = token.clientId;
      log.project = token.project;
      if (route.scopes) requireScopes(token, route.scopes);
      if (route.billed) rc.bill = ctx.quota.reserve(token.project, route.billed);
    }
    await route.handler(ctx, rc);
  } catch (e) {
    drain(req);
    if (e instanceof ApiError) {
      rc.billAs ??= billingFor(e);
      sendApiError(res, e);
    } else if (e instanceof OAuthError) {
      sendOAuthError(res, e);
    } else {
      console.error('[fake-youtube] handler crashed:', e);
      rc.billAs ??= 'none';
      sendApiError(res, errors.backendError(500));
    }
  }
}
