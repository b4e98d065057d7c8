/**
 * startFakeTwitch(): one loopback HTTP server standing in for gql.twitch.tv, usher.ttvnw.net and the
 * video-weaver / edge hosts. Routes:
 *
 *   POST /gql                                   PlaybackAccessToken (gql.ts)
 *   GET  /api/channel/hls/{login}.m3u8          usher master, v1 path (usher.ts)
 *   GET  /api/v2/channel/hls/{login}.m3u8       usher master, v2 path
 *   GET  /v1/playlist/{token}.m3u8              media playlist (media-playlist.ts)
 *   GET  /v1/segment/[stitched-ad-....]{id}.ts|.mp4   segments and fMP4 init segments (origin.ts)
 */
import { buildView, Channel, type ChannelOptions } from './channel.ts';
import { baseHandle, ChannelControl, type FakeOriginBase } from './controls.ts';
import type { GqlFaultMode } from './faults.ts';
import {
  handleGql,
  PLAYBACK_ACCESS_TOKEN_HASH,
  TWITCH_WEB_CLIENT_ID,
  YTDLP_CLIENT_ID,
  type GqlOptions,
  type OAuthUser,
} from './gql.ts';
import { renderTwitchMedia, type UriBuilder } from './media-playlist.ts';
import { OriginCore, PLAYLIST_CONTENT_TYPE, relativePath, type Ctx, type OriginOptions } from './origin.ts';
import { decodeRef, encodeRef, PlaylistTokens, TokenAuthority, type PlaylistToken } from './tokens.ts';
import { handleUsher } from './usher.ts';

export interface FakeTwitchOptions extends OriginOptions {
  /** Channels by login. Default: `{ fakechannel: {} }` (live, TS, v1 master, default qualities). */
  channels?: Record<string, ChannelOptions>;
  /** Accepted Client-ID values. Default: web player's and yt-dlp's ids. */
  clientIds?: string[];
  /** Accepted PlaybackAccessToken persisted-query hashes. Default: the current one (ed230aa1...). */
  persistedQueryHashes?: string[];
  /** HTTP status for PersistedQueryNotFound. Default 200. */
  persistedQueryNotFoundStatus?: number;
  /** Valid OAuth tokens (`Authorization: OAuth <t>`); a plain list means turbo users (ads hidden). */
  oauthTokens?: string[] | Record<string, OAuthUser>;
  /** Access token lifetime in fake ms (`expires` claim). Default 20 min. */
  tokenTtlMs?: number;
  /** Reject missing persisted-query variables. Default true. */
  strictVariables?: boolean;
  /** Null token (instead of usher 404) for an offline channel. Default false. */
  nullTokenWhenOffline?: boolean;
}

export interface MasterUrlOptions {
  /** 'v2' uses /api/v2/channel/hls/. Default 'v1'. */
  path?: 'v1' | 'v2';
  /** Turbo/ad-free token. Default false. */
  turbo?: boolean;
  /** Extra/overriding query parameters. Defaults: allow_source, allow_audio_only, playlist_include_framerate = true. */
  params?: Record<string, string>;
}

export interface FakeTwitch extends FakeOriginBase {
  /** POST endpoint, e.g. http://127.0.0.1:PORT/gql */
  gqlUrl: string;
  /** Usher base (like https://usher.ttvnw.net): append /api/channel/hls/{login}.m3u8 */
  usherUrl: string;
  clientId: string;
  persistedQueryHash: string;
  /** Switch a GQL-wide failure mode on (or off with null). */
  setGqlFault(mode: GqlFaultMode | null): void;
  /** Mint a valid playback access token without going through /gql. */
  mintAccessToken(login: string, opts?: { turbo?: boolean }): { value: string; signature: string };
  /** A ready-to-fetch usher URL with a freshly minted token. */
  masterUrl(login: string, opts?: MasterUrlOptions): string;
  /** Media playlist tokens issued so far (one per variant per usher request). */
  playlistTokens(): PlaylistToken[];
}

export async function startFakeTwitch(opts: FakeTwitchOptions = {}): Promise<FakeTwitch> {
  const core = new OriginCore(opts);
  const authority = new TokenAuthority();
  const playlists = new PlaylistTokens();
  const oauth = new Map<string, OAuthUser>(
    Array.isArray(opts.oauthTokens)
      ? opts.oauthTokens.map((t) => [t, { turbo: true }])
      : Object.entries(opts.oauthTokens ?? {}),
  );
  const gqlOpts: GqlOptions = {
    clientIds: opts.clientIds ?? [TWITCH_WEB_CLIENT_ID, YTDLP_CLIENT_ID],
    persistedQueryHashes: opts.persistedQueryHashes ?? [PLAYBACK_ACCESS_TOKEN_HASH],
    persistedQueryNotFoundStatus: opts.persistedQueryNotFoundStatus ?? 200,
    oauthTokens: oauth,
    tokenTtlMs: opts.tokenTtlMs ?? 20 * 60_000,
    strictVariables: opts.strictVariables ?? true,
    nullTokenWhenOffline: opts.nullTokenWhenOffline ?? false,
  };
  const controls = new Map<string, ChannelControl>();
  const prewarm = opts.prewarm ?? true;

  const addChannel = async (login: string, chOpts: ChannelOptions = {}): Promise<ChannelControl> => {
    const ch = new Channel(login, chOpts, core.clock.now());
    if (core.channels.has(ch.login)) throw new Error(`channel ${ch.login} already exists`);
    core.channels.set(ch.login, ch);
    const control = new ChannelControl(core, ch, () => {
      let n = 0;
      const now = core.clock.now();
      for (const pt of playlists.all()) {
        if (pt.channel === ch.login && pt.expiresAtMs > now) {
          pt.expiresAtMs = now;
          n++;
        }
      }
      return n;
    });
    controls.set(ch.login, control);
    // Ad media only up front when prerolls are certain; startAd() warms it otherwise.
    if (prewarm) await core.prewarm(ch, { live: true, ads: !!ch.preroll });
    return control;
  };

  core.setRouter((ctx) => route(ctx));

  async function route(ctx: Ctx): Promise<void> {
    const p = ctx.url.pathname;
    let m: RegExpExecArray | null;
    if (p === '/gql') return handleGql(ctx, { core, tokens: authority, opts: gqlOpts });
    if ((m = /^\/api\/(?:v2\/)?channel\/hls\/([^/]+)\.m3u8$/.exec(p))) {
      return handleUsher(ctx, { core, tokens: authority, playlists }, m[1]);
    }
    if ((m = /^\/v1\/playlist\/([^/]+)\.m3u8$/.exec(p))) return handlePlaylist(ctx, m[1]);
    if ((m = /^\/v1\/segment\/([^/]+)\.(ts|mp4)$/.exec(p))) {
      // [<ad id>.]<ref>: the ref is the part after the last dot (base64url has no dots).
      const ref = decodeRef(m[1].slice(m[1].lastIndexOf('.') + 1));
      return core.serveMedia(ctx, ref, ref && ref.n < 0 ? 'init' : 'segment');
    }
  }

  function handlePlaylist(ctx: Ctx, token: string): void {
    const e = ctx.entry;
    e.kind = 'playlist';
    const pt = playlists.get(token);
    if (!pt) return core.notFound(ctx);
    e.channel = pt.channel;
    e.quality = pt.quality;
    e.session = pt.sessionIndex;
    if (core.applyFailure(ctx)) return;
    const ch = core.channels.get(pt.channel)!;
    const s = ch.sessions[pt.sessionIndex];
    const now = core.clock.now();
    if (now >= pt.expiresAtMs) {
      e.fault = 'expired';
      return core.send(ctx, 403, 'Forbidden: playlist token expired');
    }
    if (s.goneAtMs !== null && now >= s.goneAtMs) return core.send(ctx, s.goneStatus, s.goneStatus === 403 ? 'Forbidden' : 'Not Found');
    const ads = pt.hideAds ? [] : pt.preroll ? [...s.ads, pt.preroll] : s.ads;
    const view = buildView(ch, s, ads, now);
    const ext = s.format === 'ts' ? 'ts' : 'mp4';
    const link = (path: string) => (ch.relativeUris ? relativePath(ctx.url.pathname, path) : `${core.baseUrl}${path}`);
    const base = { channel: ch.login, quality: pt.quality, session: s.index };
    const uris: UriBuilder = {
      segment: (en) => link(`/v1/segment/${en.ad ? `${en.ad.id}.` : ''}${encodeRef({ ...base, n: en.n, ad: !!en.ad })}.${ext}`),
      init: (ad) => link(`/v1/segment/${ad ? `${ad.id}.` : ''}${encodeRef({ ...base, n: -1, ad: !!ad })}.mp4`),
    };
    core.send(ctx, 200, renderTwitchMedia(ch, view, pt, uris), PLAYLIST_CONTENT_TYPE);
  }

  await core.listen();
  const channelDefs = opts.channels ?? { fakechannel: {} };
  try {
    for (const [login, chOpts] of Object.entries(channelDefs)) await addChannel(login, chOpts);
  } catch (err) {
    await core.close();
    throw err;
  }

  const handle: FakeTwitch = {
    ...baseHandle(core, controls, addChannel),
    gqlUrl: `${core.baseUrl}/gql`,
    usherUrl: core.baseUrl,
    clientId: gqlOpts.clientIds[0],
    persistedQueryHash: gqlOpts.persistedQueryHashes[0],
    setGqlFault: (mode) => {
      core.faults.gqlMode = mode;
    },
    mintAccessToken: (login, o = {}) => {
      const ch = core.channels.get(login.toLowerCase());
      return authority.mint(login.toLowerCase(), ch?.channelId ?? 0, {
        nowMs: core.clock.now(),
        ttlMs: gqlOpts.tokenTtlMs,
        turbo: o.turbo ?? false,
        userId: o.turbo ? 4242 : null,
      });
    },
    masterUrl: (login, o = {}) => {
      const t = handle.mintAccessToken(login, { turbo: o.turbo });
      const q = new URLSearchParams({
        allow_source: 'true',
        allow_audio_only: 'true',
        playlist_include_framerate: 'true',
        p: String(Math.floor(Math.random() * 1_000_000)),
        sig: t.signature,
        token: t.value,
        ...o.params,
      });
      const dir = o.path === 'v2' ? '/api/v2/channel/hls' : '/api/channel/hls';
      return `${core.baseUrl}${dir}/${login.toLowerCase()}.m3u8?${q}`;
    },
    playlistTokens: () => playlists.all(),
  };
  return handle;
}
