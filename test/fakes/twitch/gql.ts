/**
 * POST /gql — the PlaybackAccessToken operation (protocols.md A1).
 *
 * Accepts the persisted-query form (operationName + sha256Hash + variables), the plain-text `query`
 * form (yt-dlp style, or the old web-player template with $login), and batches (a JSON array in, an
 * array out in the same order). Header and hash checks come before any operation runs, with the error
 * bodies Twitch uses: `{"errors":[{"message":...}]}` for GraphQL-level failures, and
 * `{"error","status","message"}` for gateway-level ones (bad OAuth token, bad Client-ID).
 */
import { randomBytes } from 'node:crypto';
import type { Channel } from './channel.ts';
import type { Ctx, OriginCore } from './origin.ts';
import type { TokenAuthority } from './tokens.ts';

export const PLAYBACK_ACCESS_TOKEN_HASH = 'ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9';
/** The web player's Client-ID (streamlink, TwitchAdSolutions, wubloader). */
export const TWITCH_WEB_CLIENT_ID = 'kimne78kx3ncx6brgo4mv6wki5h1ko';
/** yt-dlp's default Client-ID. */
export const YTDLP_CLIENT_ID = 'ue6666qo983tsx6so1t0vnawi233wa';

export interface OAuthUser {
  userId?: number;
  login?: string;
  /** Turbo users get hide_ads=true, and the fake then leaves ads out of their playlists. Default true. */
  turbo?: boolean;
}

export interface GqlOptions {
  /** Accepted Client-ID header values. Default: the web player's and yt-dlp's. */
  clientIds: string[];
  /** Accepted PlaybackAccessToken hashes. Default: [PLAYBACK_ACCESS_TOKEN_HASH]. */
  persistedQueryHashes: string[];
  /** HTTP status for an unknown hash ([UNSURE] on Twitch; standard APQ answers 200). */
  persistedQueryNotFoundStatus: number;
  /** Valid `Authorization: OAuth <token>` values. Anything else sent in that header gets 401. */
  oauthTokens: Map<string, OAuthUser>;
  /** Access token lifetime (fake ms). */
  tokenTtlMs: number;
  /** Reject missing/mistyped variables of the persisted query like a GraphQL server would. */
  strictVariables: boolean;
  /** Answer a null token for an existing but offline channel ([UNSURE]; default false, usher 404 instead). */
  nullTokenWhenOffline: boolean;
}

export interface GqlDeps {
  core: OriginCore;
  tokens: TokenAuthority;
  opts: GqlOptions;
}

type Json = Record<string, unknown>;

function gatewayError(status: number, error: string, message: string): Json {
  return { error, status, message };
}

function gqlErrors(message: string): Json {
  return { errors: [{ message }] };
}

// name -> GraphQL type, as the persisted PlaybackAccessToken query declares them.
const VARIABLE_TYPES: Record<string, ['boolean' | 'string', string]> = {
  isLive: ['boolean', 'Boolean!'],
  login: ['string', 'String!'],
  isVod: ['boolean', 'Boolean!'],
  vodID: ['string', 'ID!'],
  playerType: ['string', 'String!'],
  platform: ['string', 'String!'],
};

export async function handleGql(ctx: Ctx, deps: GqlDeps): Promise<void> {
  const { core, opts } = deps;
  const { req, entry } = ctx;
  entry.kind = 'gql';
  if (req.method !== 'POST') {
    core.sendJson(ctx, 405, gatewayError(405, 'Method Not Allowed', 'only POST is supported'));
    return;
  }
  let parsed: unknown;
  let parseError: string | null = null;
  try {
    const raw = await core.readBody(ctx);
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    parseError = (err as Error).message;
  }
  const ops = Array.isArray(parsed) ? parsed : [parsed];
  entry.operations = ops.map((o) => (o && typeof o === 'object' && typeof (o as Json).operationName === 'string' ? ((o as Json).operationName as string) : typeof (o as Json | null)?.query === 'string' ? '(query)' : '?'));
  for (const op of ops) {
    const login = (op as { variables?: { login?: unknown } } | null)?.variables?.login;
    if (typeof login === 'string') entry.channel = login.toLowerCase();
  }
  if (core.applyFailure(ctx, (r) => ({ body: gatewayError(r.status ?? 503, 'Service Unavailable', 'injected failure') }))) return;

  const clientId = req.headers['client-id'];
  if (typeof clientId !== 'string' || !clientId) {
    // [UNSURE] exact text; same gateway error shape as the bad-OAuth answer.
    core.sendJson(ctx, 400, gatewayError(400, 'Bad Request', 'The "Client-ID" header is missing from the request.'));
    return;
  }
  if (!opts.clientIds.includes(clientId)) {
    core.sendJson(ctx, 400, gatewayError(400, 'Bad Request', 'The "Client-ID" header is invalid.'));
    return;
  }
  let user: OAuthUser | null = null;
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^OAuth (\S+)$/.exec(auth);
    user = m ? (opts.oauthTokens.get(m[1]) ?? null) : null;
    if (!user) {
      core.sendJson(ctx, 401, gatewayError(401, 'Unauthorized', 'The "Authorization" token is invalid.'));
      return;
    }
  }
  if (core.faults.gqlMode === 'integrity' && !req.headers['client-integrity']) {
    // streamlink retries once with Device-Id + Client-Integrity; a present token satisfies the fake.
    core.sendJson(ctx, 401, gqlErrors('failed integrity check'));
    return;
  }
  if (parseError !== null || parsed === null || typeof parsed !== 'object') {
    core.sendJson(ctx, 400, gqlErrors(`failed to parse request body: ${parseError ?? 'not an object'}`));
    return;
  }

  const results = ops.map((op) => execute(op, deps, user, req.headers['device-id']));
  const body = Array.isArray(parsed) ? results.map((r) => r.body) : results[0].body;
  const status = Array.isArray(parsed) ? 200 : results[0].status;
  core.sendJson(ctx, status, body);
}

function extensions(operationName: string, started: number): Json {
  return {
    durationMilliseconds: Math.max(1, Math.round(performance.now() - started)),
    operationName,
    requestID: `01J${randomBytes(12).toString('hex').toUpperCase()}`,
  };
}

function execute(op: unknown, deps: GqlDeps, user: OAuthUser | null, deviceId: string | string[] | undefined): { status: number; body: Json } {
  const started = performance.now();
  const { opts, core } = deps;
  if (!op || typeof op !== 'object' || Array.isArray(op)) {
    return { status: 400, body: gqlErrors('operation must be an object') };
  }
  const o = op as Json;
  const variables = (o.variables && typeof o.variables === 'object' ? o.variables : {}) as Json;

  let login: string | null = null;
  let vod = false;
  let typename = true;
  const opName = typeof o.operationName === 'string' ? o.operationName : 'PlaybackAccessToken';

  if (typeof o.query === 'string') {
    // Plain-text form. channelName is a literal ("name") or a variable ($login).
    const q = o.query;
    typename = q.includes('__typename');
    const live = /streamPlaybackAccessToken\s*\(\s*channelName\s*:\s*(?:"([^"]*)"|\$(\w+))/.exec(q);
    // The web-player template holds both fields behind @include(if: $isLive / $isVod).
    const wantsLive = live !== null && !(live[2] !== undefined && variables.isLive === false);
    if (wantsLive) {
      const v = live[1] ?? variables[live[2]];
      if (typeof v !== 'string') {
        return { status: 200, body: gqlErrors(`Variable "$${live[2]}" of required type "String!" was not provided.`) };
      }
      login = v;
    } else if (/videoPlaybackAccessToken/.test(q)) {
      vod = true;
    } else {
      return { status: 200, body: gqlErrors('Cannot query field on type "Query" (the fake only knows PlaybackAccessToken).') };
    }
  } else {
    const hash = (o.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
    if (
      core.faults.gqlMode === 'persisted-query-not-found' ||
      typeof hash !== 'string' ||
      !opts.persistedQueryHashes.includes(hash) ||
      opName !== 'PlaybackAccessToken'
    ) {
      return { status: opts.persistedQueryNotFoundStatus, body: gqlErrors('PersistedQueryNotFound') };
    }
    if (opts.strictVariables) {
      for (const [name, [jsType, gqlType]] of Object.entries(VARIABLE_TYPES)) {
        if (!(name in variables)) {
          return { status: 200, body: gqlErrors(`Variable "$${name}" of required type "${gqlType}" was not provided.`) };
        }
        if (typeof variables[name] !== jsType) {
          return { status: 200, body: gqlErrors(`Variable "$${name}" got invalid value ${JSON.stringify(variables[name])}; Expected type ${gqlType.replace('!', '')}.`) };
        }
      }
    }
    vod = variables.isVod === true && variables.isLive !== true;
    login = typeof variables.login === 'string' ? variables.login : '';
  }

  if (vod) {
    // The fake has no VODs: Twitch answers null for an unknown video.
    return { status: 200, body: { data: { videoPlaybackAccessToken: null }, extensions: extensions(opName, started) } };
  }
  const ch: Channel | undefined = core.channels.get((login ?? '').toLowerCase());
  const now = core.clock.now();
  const nullToken =
    !ch || !ch.exists || core.faults.gqlMode === 'null-token' || (opts.nullTokenWhenOffline && !ch.isLive(now));
  let token: Json | null = null;
  if (!nullToken && ch) {
    const minted = deps.tokens.mint(ch.login, ch.channelId, {
      nowMs: now,
      ttlMs: opts.tokenTtlMs,
      userId: user ? (user.userId ?? 4242) : null,
      turbo: user ? (user.turbo ?? true) : false,
      platform: typeof variables.platform === 'string' ? variables.platform : 'web',
      playerType: typeof variables.playerType === 'string' ? variables.playerType : 'site',
      deviceId: typeof deviceId === 'string' ? deviceId : null,
    });
    token = { value: minted.value, signature: minted.signature };
    if (typename) token.__typename = 'PlaybackAccessToken';
  }
  return { status: 200, body: { data: { streamPlaybackAccessToken: token }, extensions: extensions(opName, started) } };
}
