/**
 * OAuth 2.0 for an installed (desktop) app, loopback redirect + PKCE
 * (protocols.md B5, B9). Endpoints, at the fake's root:
 *
 *   GET  /o/oauth2/v2/auth   consent is simulated: 302 straight back to the loopback
 *                            redirect_uri with ?state&code&scope (or ?error=access_denied)
 *   POST /token              grant_type=authorization_code (PKCE-checked) | refresh_token
 *   POST /revoke?token=…     revokes the whole grant (access + refresh tokens)
 *   GET|POST /tokeninfo      introspection used by OAuth2Client.getTokenInfo
 *
 * Point google-auth-library at it with
 *   new OAuth2Client({ clientId, clientSecret, redirectUri,
 *     endpoints: { oauth2AuthBaseUrl: url + '/o/oauth2/v2/auth', oauth2TokenUrl: url + '/token',
 *                  oauth2RevokeUrl: url + '/revoke', tokenInfoUrl: url + '/tokeninfo' } })
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Ctx, OAuthClientConfig, Rc } from './context.ts';
import { ApiError, OAuthError, errors, oauthErrors } from './errors.ts';
import { applyFault } from './faults.ts';
import { readSmallBody, sendJson, sendOAuthError } from './http.ts';
import { newAccessToken, newAuthCode, newRefreshToken, randomUrlSafe } from './ids.ts';

export const SCOPE_PREFIX = 'https://www.googleapis.com/auth/';
export const SCOPES = {
  upload: SCOPE_PREFIX + 'youtube.upload',
  youtube: SCOPE_PREFIX + 'youtube',
  forceSsl: SCOPE_PREFIX + 'youtube.force-ssl',
  readonly: SCOPE_PREFIX + 'youtube.readonly',
  partner: SCOPE_PREFIX + 'youtubepartner',
} as const;

/** Scopes accepted per method family (from each method's `scopes` list in the discovery doc). */
export const ACCEPTED_SCOPES = {
  upload: [SCOPES.upload, SCOPES.youtube, SCOPES.forceSsl, SCOPES.partner],
  read: [SCOPES.youtube, SCOPES.forceSsl, SCOPES.readonly, SCOPES.partner],
  write: [SCOPES.youtube, SCOPES.forceSsl, SCOPES.partner],
} as const;

const DEFAULT_SCOPES = [SCOPES.upload, SCOPES.youtube];

export interface AccessTokenRecord {
  token: string;
  grantId: string;
  clientId: string;
  project: string;
  channelId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface GrantRecord {
  id: string;
  refreshToken: string;
  clientId: string;
  channelId: string;
  scopes: string[];
  issuedAt: number;
  lastUsedAt: number;
  revoked: boolean;
  revokedReason?: 'revoked' | 'admin' | 'limit';
  refreshCount: number;
}

export interface AuthCodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  scopes: string[];
  channelId: string;
  issuedAt: number;
  used: boolean;
}

/** How the simulated user answers the consent screen. */
export interface ConsentBehaviour {
  /** false = the user clicks "Cancel": redirect with error=access_denied. */
  grant: boolean;
  /** Granular consent: grant only these of the requested scopes (default: all requested). */
  scopes?: string[];
  /** Which channel the user signs in as (default: the default channel). */
  channelId?: string;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  scope: string;
  token_type: 'Bearer';
}

export class OAuthState {
  readonly clients = new Map<string, Required<OAuthClientConfig>>();
  readonly codes = new Map<string, AuthCodeRecord>();
  /** Grants by refresh token. */
  readonly grants = new Map<string, GrantRecord>();
  /** Access tokens by token string. */
  readonly tokens = new Map<string, AccessTokenRecord>();
  consent: ConsentBehaviour = { grant: true };
  private grantSeq = 0;

  constructor(private readonly ctx: () => Ctx) {}

  addClient(c: OAuthClientConfig): void {
    this.clients.set(c.clientId, { ...c, project: c.project ?? c.clientId });
  }

  projectOf(clientId: string): string {
    return this.clients.get(clientId)?.project ?? clientId;
  }

  /** Create a grant (refresh token) plus a first access token. */
  issueGrant(clientId: string, channelId: string, scopes: string[], accessTtlSec?: number): TokenResponse {
    const ctx = this.ctx();
    const now = ctx.clock();
    const grant: GrantRecord = {
      id: `g${++this.grantSeq}`,
      refreshToken: newRefreshToken(),
      clientId,
      channelId,
      scopes,
      issuedAt: now,
      lastUsedAt: now,
      revoked: false,
      refreshCount: 0,
    };
    this.grants.set(grant.refreshToken, grant);
    // Google caps live refresh tokens per client+account; the oldest silently dies.
    const live = [...this.grants.values()].filter(
      (g) => !g.revoked && g.clientId === clientId && g.channelId === channelId,
    );
    const excess = live.length - ctx.opts.maxRefreshTokensPerClient;
    for (let i = 0; i < excess; i++) this.revokeGrant(live[i]!, 'limit');
    const access = this.issueAccess(grant, accessTtlSec);
    return { ...access, refresh_token: grant.refreshToken };
  }

  /** Mint a new access token for an existing grant. */
  issueAccess(grant: GrantRecord, accessTtlSec?: number): TokenResponse {
    const ctx = this.ctx();
    const now = ctx.clock();
    const ttl = accessTtlSec ?? ctx.opts.accessTokenTtlSec;
    const rec: AccessTokenRecord = {
      token: newAccessToken(),
      grantId: grant.id,
      clientId: grant.clientId,
      project: this.projectOf(grant.clientId),
      channelId: grant.channelId,
      scopes: grant.scopes,
      issuedAt: now,
      expiresAt: now + ttl * 1000,
      revoked: false,
    };
    this.tokens.set(rec.token, rec);
    return { access_token: rec.token, expires_in: ttl, scope: grant.scopes.join(' '), token_type: 'Bearer' };
  }

  grantById(id: string): GrantRecord | undefined {
    for (const g of this.grants.values()) if (g.id === id) return g;
    return undefined;
  }

  /** Revoke a grant: its refresh token and every access token minted from it. */
  revokeGrant(grant: GrantRecord, reason: GrantRecord['revokedReason'] = 'revoked'): void {
    grant.revoked = true;
    grant.revokedReason = reason;
    for (const t of this.tokens.values()) if (t.grantId === grant.id) t.revoked = true;
  }

  /** Revoke by access or refresh token. Returns false if the token is unknown or already dead. */
  revokeToken(token: string): boolean {
    const g = this.grants.get(token);
    if (g) {
      if (g.revoked) return false;
      this.revokeGrant(g);
      return true;
    }
    const a = this.tokens.get(token);
    if (a && !a.revoked) {
      const grant = this.grantById(a.grantId);
      if (grant) this.revokeGrant(grant);
      else a.revoked = true;
      return true;
    }
    return false;
  }

  /** Make every current access token expired (as if an hour had passed). */
  expireAccessTokens(): void {
    const now = this.ctx().clock();
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
  }

  /** Look up a live access token, or explain why it is not usable. */
  check(token: string): AccessTokenRecord | 'unknown' | 'expired' | 'revoked' {
    const rec = this.tokens.get(token);
    if (!rec) return 'unknown';
    if (rec.revoked) return 'revoked';
    if (this.ctx().clock() >= rec.expiresAt) return 'expired';
    return rec;
  }
}

// ---------------------------------------------------------------------------
// Data API authentication

/**
 * Authenticate a Data API request from its `Authorization: Bearer` header.
 * Unknown, expired and revoked tokens all give the same 401 authError, like Google.
 */
export function authenticate(ctx: Ctx, rc: Rc): AccessTokenRecord {
  const header = rc.req.headers.authorization;
  if (!header) throw errors.loginRequired();
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw errors.invalidCredentials();
  const rec = ctx.oauth.check(m[1]!);
  if (typeof rec === 'string') throw errors.invalidCredentials();
  return rec;
}

export function requireScopes(token: AccessTokenRecord, accepted: readonly string[]): void {
  if (!token.scopes.some((s) => accepted.includes(s))) throw errors.insufficientPermissions();
}

// ---------------------------------------------------------------------------
// GET /o/oauth2/v2/auth

function isLoopbackRedirect(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  // Desktop clients may use any port on 127.0.0.1, [::1] or localhost, over plain http.
  return u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
}

const VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;

/** Google shows an HTML error page (no redirect) when the request itself is broken. */
function errorPage(res: ServerResponse, status: number, error: string, detail: string): void {
  const html = `<!doctype html><title>Error ${status}: ${error}</title><h1>Access blocked: authorization error</h1><p>Error ${status}: ${error}</p><p>${detail}</p>`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)) });
  res.end(html);
}

function redirectTo(res: ServerResponse, base: string, params: Record<string, string>): void {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  res.writeHead(302, { Location: u.toString(), 'Content-Length': '0' });
  res.end();
}

export function handleAuthorize(ctx: Ctx, rc: Rc): void {
  const q = rc.url.searchParams;
  const clientId = q.get('client_id') ?? '';
  const redirectUri = q.get('redirect_uri') ?? '';
  const state = q.get('state');
  if (!ctx.oauth.clients.has(clientId)) return errorPage(rc.res, 401, 'invalid_client', 'The OAuth client was not found.');
  if (!redirectUri) return errorPage(rc.res, 400, 'invalid_request', 'Missing required parameter: redirect_uri');
  if (redirectUri.startsWith('urn:ietf:wg:oauth:2.0:oob')) {
    return errorPage(rc.res, 400, 'invalid_request', 'The out-of-band (OOB) flow has been blocked.');
  }
  if (!isLoopbackRedirect(redirectUri)) return errorPage(rc.res, 400, 'redirect_uri_mismatch', `redirect_uri=${redirectUri}`);

  const withState = (p: Record<string, string>) => (state !== null ? { ...p, state } : p);
  if (q.get('response_type') !== 'code') {
    return redirectTo(rc.res, redirectUri, withState({ error: 'unsupported_response_type' }));
  }
  const requested = (q.get('scope') ?? '').split(/[\s]+/).filter(Boolean);
  if (requested.length === 0) return errorPage(rc.res, 400, 'invalid_request', 'Missing required parameter: scope');
  const bad = requested.find((s) => !s.startsWith(SCOPE_PREFIX) && !['openid', 'email', 'profile'].includes(s));
  if (bad) return errorPage(rc.res, 400, 'invalid_scope', `Some requested scopes were invalid: ${bad}`);

  const challenge = q.get('code_challenge') ?? undefined;
  const methodRaw = q.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
  if (ctx.opts.requirePkce && !challenge) {
    return errorPage(rc.res, 400, 'invalid_request', 'Missing required parameter: code_challenge');
  }
  if (methodRaw !== undefined && methodRaw !== 'S256' && methodRaw !== 'plain') {
    return errorPage(rc.res, 400, 'invalid_request', 'Invalid code_challenge_method');
  }
  if (challenge && !(methodRaw === 'S256' ? /^[A-Za-z0-9_-]{43}$/.test(challenge) : VERIFIER_RE.test(challenge))) {
    return errorPage(rc.res, 400, 'invalid_request', 'Invalid code_challenge');
  }

  const consent = ctx.oauth.consent;
  if (!consent.grant) return redirectTo(rc.res, redirectUri, withState({ error: 'access_denied' }));
  const granted = consent.scopes ? requested.filter((s) => consent.scopes!.includes(s)) : requested;
  const code = newAuthCode();
  ctx.oauth.codes.set(code, {
    code,
    clientId,
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: methodRaw as 'S256' | 'plain' | undefined,
    scopes: granted,
    channelId: consent.channelId ?? ctx.channels.defaultChannelId,
    issuedAt: ctx.clock(),
    used: false,
  });
  redirectTo(rc.res, redirectUri, withState({ code, scope: granted.join(' ') }));
}

// ---------------------------------------------------------------------------
// POST /token

async function readParams(rc: Rc): Promise<URLSearchParams> {
  const body = (await readSmallBody(rc.req, 64 * 1024)).toString('utf8');
  const type = rc.req.headers['content-type'] ?? '';
  // Google's token endpoint also takes JSON; google-auth-library sends a form.
  if (type.includes('application/json') && body.trim()) {
    let obj: unknown;
    try {
      obj = JSON.parse(body);
    } catch {
      throw oauthErrors.invalidRequest('Invalid JSON payload received.');
    }
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries((obj ?? {}) as Record<string, unknown>)) p.set(k, String(v));
    return p;
  }
  return new URLSearchParams(body);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authenticateClient(ctx: Ctx, rc: Rc, p: URLSearchParams): Required<OAuthClientConfig> {
  let id = p.get('client_id') ?? undefined;
  let secret = p.get('client_secret') ?? undefined;
  const basic = /^Basic\s+(\S+)/i.exec(rc.req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) {
      id = decodeURIComponent(decoded.slice(0, i));
      secret = decodeURIComponent(decoded.slice(i + 1));
    }
  }
  if (!id) throw oauthErrors.invalidRequest('Could not determine client ID from request.');
  const client = ctx.oauth.clients.get(id);
  if (!client) throw oauthErrors.clientNotFound();
  // Desktop clients have a (non-secret) secret and must still send it.
  if (secret === undefined) throw oauthErrors.invalidRequest('client_secret is missing.');
  if (!safeEqual(secret, client.clientSecret)) throw oauthErrors.badSecret();
  return client;
}

function pkceChallengeOf(verifier: string, method: 'S256' | 'plain'): string {
  return method === 'plain' ? verifier : createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sendTokens(res: ServerResponse, body: TokenResponse): void {
  sendJson(res, 200, body, {
    'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate',
    Pragma: 'no-cache',
  });
}

export async function handleToken(ctx: Ctx, rc: Rc): Promise<void> {
  let p: URLSearchParams;
  try {
    p = await readParams(rc);
  } catch (e) {
    if (e instanceof OAuthError) return sendOAuthError(rc.res, e);
    if (e instanceof ApiError) return sendOAuthError(rc.res, oauthErrors.invalidRequest(e.message));
    throw e;
  }
  const grantType = p.get('grant_type') ?? '';
  // The route is known only now that the body is read, so faults for the token
  // endpoint are looked up here rather than in the router.
  rc.op = grantType === 'refresh_token' ? 'oauth.refresh' : 'oauth.token';
  rc.log.op = rc.op;
  const fault = ctx.faults.take({ op: rc.op, method: rc.req.method ?? 'POST', url: rc.url });
  if (fault && (await applyFault(ctx, rc, fault))) return;

  try {
    const client = authenticateClient(ctx, rc, p);
    rc.log.clientId = client.clientId;
    rc.log.project = client.project;
    if (grantType === 'authorization_code') return sendTokens(rc.res, exchangeCode(ctx, client, p));
    if (grantType === 'refresh_token') return sendTokens(rc.res, refresh(ctx, client, p));
    if (!grantType) throw oauthErrors.invalidRequest('Missing required parameter: grant_type');
    throw oauthErrors.unsupportedGrant(grantType);
  } catch (e) {
    if (e instanceof OAuthError) return sendOAuthError(rc.res, e);
    throw e;
  }
}

function exchangeCode(ctx: Ctx, client: Required<OAuthClientConfig>, p: URLSearchParams): TokenResponse {
  const code = p.get('code');
  if (!code) throw oauthErrors.invalidRequest('Missing required parameter: code');
  const rec = ctx.oauth.codes.get(code);
  if (!rec) throw oauthErrors.malformedCode();
  if (rec.used || ctx.clock() - rec.issuedAt > ctx.opts.authCodeTtlMs) throw oauthErrors.badCode();
  if (rec.clientId !== client.clientId) throw oauthErrors.unauthorizedClient();
  if ((p.get('redirect_uri') ?? '') !== rec.redirectUri) throw oauthErrors.redirectMismatch();
  if (rec.codeChallenge) {
    const verifier = p.get('code_verifier');
    if (!verifier) throw oauthErrors.missingVerifier();
    if (!VERIFIER_RE.test(verifier)) throw oauthErrors.invalidVerifier();
    if (!safeEqual(pkceChallengeOf(verifier, rec.codeChallengeMethod ?? 'plain'), rec.codeChallenge)) {
      throw oauthErrors.invalidVerifier();
    }
  }
  // Codes are single use; a second exchange fails with invalid_grant.
  rec.used = true;
  const tokens = ctx.oauth.issueGrant(client.clientId, rec.channelId, rec.scopes.length ? rec.scopes : DEFAULT_SCOPES);
  // Apps whose consent screen is in "Testing" status get short-lived refresh tokens,
  // announced with refresh_token_expires_in ([UNSURE] whether always present).
  if (ctx.opts.refreshTokenTtlMs !== undefined) {
    tokens.refresh_token_expires_in = Math.floor(ctx.opts.refreshTokenTtlMs / 1000);
  }
  return tokens;
}

function refresh(ctx: Ctx, client: Required<OAuthClientConfig>, p: URLSearchParams): TokenResponse {
  const token = p.get('refresh_token');
  if (!token) throw oauthErrors.invalidRequest('Missing required parameter: refresh_token');
  const grant = ctx.oauth.grants.get(token);
  if (!grant || grant.revoked) throw oauthErrors.expiredOrRevoked();
  const ttl = ctx.opts.refreshTokenTtlMs;
  if (ttl !== undefined && ctx.clock() - grant.issuedAt >= ttl) throw oauthErrors.expiredOrRevoked();
  if (grant.clientId !== client.clientId) throw oauthErrors.unauthorizedClient();
  grant.lastUsedAt = ctx.clock();
  grant.refreshCount++;
  // A refresh normally returns no refresh_token: clients must keep the one they have.
  return ctx.oauth.issueAccess(grant);
}

// ---------------------------------------------------------------------------
// /revoke and /tokeninfo

export async function handleRevoke(ctx: Ctx, rc: Rc): Promise<void> {
  const body = await readParams(rc).catch(() => new URLSearchParams());
  const token = rc.url.searchParams.get('token') ?? body.get('token');
  if (!token) return sendOAuthError(rc.res, oauthErrors.invalidRequest('Missing required parameter: token'));
  if (!ctx.oauth.revokeToken(token)) {
    return sendOAuthError(rc.res, new OAuthError(400, 'invalid_token', 'Token expired or revoked'));
  }
  sendJson(rc.res, 200, {});
}

export async function handleTokenInfo(ctx: Ctx, rc: Rc): Promise<void> {
  const body = rc.req.method === 'POST' ? await readParams(rc).catch(() => new URLSearchParams()) : new URLSearchParams();
  const bearer = /^Bearer\s+(\S+)/i.exec(rc.req.headers.authorization ?? '')?.[1];
  const token = rc.url.searchParams.get('access_token') ?? body.get('access_token') ?? bearer;
  const rec = token ? ctx.oauth.check(token) : 'unknown';
  if (typeof rec === 'string') {
    return sendOAuthError(rc.res, new OAuthError(400, 'invalid_token', 'Invalid Value'));
  }
  const now = ctx.clock();
  sendJson(rc.res, 200, {
    azp: rec.clientId,
    aud: rec.clientId,
    sub: rec.channelId,
    scope: rec.scopes.join(' '),
    exp: String(Math.floor(rec.expiresAt / 1000)),
    expires_in: String(Math.max(0, Math.floor((rec.expiresAt - now) / 1000))),
    access_type: 'offline',
  });
}

/** A random PKCE pair, handy for tests that drive the flow by hand. */
export function makePkcePair(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = randomUrlSafe(64);
  return { codeVerifier, codeChallenge: pkceChallengeOf(codeVerifier, 'S256') };
}
