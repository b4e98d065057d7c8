/**
 * Usher: the multivariant ("master") playlist (protocols.md A2).
 *
 *   GET /api/channel/hls/{login}.m3u8?sig=&token=&allow_source=true&allow_audio_only=true&...   (v1 path)
 *   GET /api/v2/channel/hls/{login}.m3u8?...                                                     (v2 path)
 *
 * Both paths serve the channel's configured `masterFormat`; the path only changes the `url` echoed in
 * error bodies. Every request mints fresh media-playlist URLs (/v1/playlist/<token>.m3u8), which is how
 * a client recovers from an expired (403) playlist URL: new GQL token, new usher request.
 *
 * Query handling mirrors what matters for clients: `sig`+`token` must verify; the source rendition is
 * listed only with `allow_source=true`, audio_only only with `allow_audio_only=true`, FRAME-RATE only
 * with `playlist_include_framerate=true`. Offline (or unknown) channel: 404 with the JSON array body
 * `transcode_does_not_exist`.
 */
import { randomBytes } from 'node:crypto';
import type { Channel, MasterFormat, Quality } from './channel.ts';
import { PLAYLIST_CONTENT_TYPE, relativePath, type Ctx, type OriginCore } from './origin.ts';
import type { PlaylistToken, PlaylistTokens, TokenAuthority } from './tokens.ts';

export interface UsherDeps {
  core: OriginCore;
  tokens: TokenAuthority;
  playlists: PlaylistTokens;
}

export function usherError(url: string, error: string, errorCode: string): object[] {
  return [{ url, error, error_code: errorCode, type: 'error' }];
}

export function handleUsher(ctx: Ctx, deps: UsherDeps, rawLogin: string): void {
  const { core, tokens, playlists } = deps;
  const { url, entry } = ctx;
  const login = decodeURIComponent(rawLogin).toLowerCase();
  entry.kind = 'usher';
  entry.channel = login;
  const fullUrl = `${core.baseUrl}${ctx.req.url ?? ''}`;
  if (core.applyFailure(ctx, () => ({ body: usherError(fullUrl, 'service unavailable', 'service_unavailable') }))) return;

  const sig = url.searchParams.get('sig');
  const token = url.searchParams.get('token');
  const now = core.clock.now();
  if (!sig || !token) {
    // [UNSURE] real text; the JSON-array error shape is what usher uses for its 4xx answers.
    core.sendJson(ctx, 403, usherError(fullUrl, 'Unauthorized: missing sig or token', 'unauthorized'));
    return;
  }
  const verdict = tokens.verify(token, sig, login, now);
  if (!verdict.ok) {
    core.sendJson(ctx, 403, usherError(fullUrl, `Unauthorized: ${verdict.reason}`, 'unauthorized'));
    return;
  }
  const ch = core.channels.get(login);
  const session = ch?.current();
  if (!ch || !ch.exists || !session || !ch.isLive(now)) {
    core.sendJson(ctx, 404, usherError(fullUrl, 'twirp error not_found: transcode does not exist', 'transcode_does_not_exist'));
    return;
  }

  const hideAds = verdict.claims.hide_ads;
  const preroll = ch.preroll && !hideAds ? ch.makeAd(ch.liveCount(session, now), { rollType: 'PREROLL', ...ch.preroll }, now) : null;
  const viewerSessionId = String(BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 19n);
  const flag = (name: string) => url.searchParams.get(name) === 'true';
  const variants: { q: Quality; uri: string }[] = [];
  for (const q of ch.qualities) {
    if (q.source && !flag('allow_source')) continue;
    if (q.audioOnly && !flag('allow_audio_only')) continue;
    const pt = playlists.issue({
      channel: ch.login,
      quality: q.name,
      sessionIndex: session.index,
      issuedAtMs: now,
      expiresAtMs: now + ch.playlistUrlTtlMs,
      hideAds,
      preroll,
      viewerSessionId,
    });
    variants.push({ q, uri: playlistUri(core, ch, pt, url.pathname) });
  }
  const body = renderMaster(ch, variants, {
    format: ch.masterFormat,
    includeFramerate: flag('playlist_include_framerate'),
    nowMs: now,
    broadcastId: session.broadcastId,
    streamTimeSec: (now - session.startMs) / 1000,
  });
  core.send(ctx, 200, body, PLAYLIST_CONTENT_TYPE);
}

function playlistUri(core: OriginCore, ch: Channel, pt: PlaylistToken, masterPath: string): string {
  const p = `/v1/playlist/${pt.token}.m3u8`;
  return ch.relativeUris ? relativePath(masterPath, p) : `${core.baseUrl}${p}`;
}

export interface MasterRenderOptions {
  format: MasterFormat;
  includeFramerate: boolean;
  nowMs: number;
  broadcastId: string;
  streamTimeSec: number;
}

function streamInf(q: Quality, includeFramerate: boolean, extra: string[]): string {
  const a = [`BANDWIDTH=${q.bandwidth}`];
  if (!q.audioOnly && q.width && q.height) a.push(`RESOLUTION=${q.width}x${q.height}`);
  a.push(`CODECS="${q.codecs}"`);
  if (includeFramerate && !q.audioOnly) a.push(`FRAME-RATE=${q.fps.toFixed(3)}`);
  a.push(...extra);
  return `#EXT-X-STREAM-INF:${a.join(',')}`;
}

/**
 * - v1: EXT-X-TWITCH-INFO, then per variant an EXT-X-MEDIA (GROUP-ID "chunked" + NAME "... (source)"
 *   for the source) and an EXT-X-STREAM-INF with VIDEO=<group>. Source first.
 * - v2: no EXT-X-MEDIA; STREAM-INF carries STABLE-VARIANT-ID, IVS-NAME, IVS-VARIANT-SOURCE. Source
 *   last, as in streamlink's usher-v2 fixture (clients must not rely on order).
 * - v2-session-data: EXT-X-SESSION-DATA instead of TWITCH-INFO, EXT-X-MEDIA kept, and no "(source)"
 *   marker at all (as in the 2026-10 capture), so the source must be found by resolution/fps.
 */
export function renderMaster(ch: Channel, variants: { q: Quality; uri: string }[], o: MasterRenderOptions): string {
  const out = ['#EXTM3U'];
  const fr = o.includeFramerate;
  if (o.format === 'v1') {
    const info = [
      'NODE="video-edge-fake.loopback"',
      'MANIFEST-NODE-TYPE="weaver_cluster"',
      'MANIFEST-NODE="video-weaver.fake"',
      'SUPPRESS="false"',
      `SERVER-TIME="${(o.nowMs / 1000).toFixed(2)}"`,
      'TRANSCODESTACK="2023-09-24-1"',
      'TRANSCODEMODE="cbr_v1"',
      'USER-IP="127.0.0.1"',
      `SERVING-ID="${randomBytes(16).toString('hex')}"`,
      'CLUSTER="fake"',
      'ABS="false"',
      `BROADCAST-ID="${o.broadcastId}"`,
      `STREAM-TIME="${o.streamTimeSec.toFixed(2)}"`,
      'USER-COUNTRY="GB"',
    ];
    out.push(`#EXT-X-TWITCH-INFO:${info.join(',')}`);
    const ordered = [...variants.filter((v) => v.q.source), ...variants.filter((v) => !v.q.source)];
    for (const { q, uri } of ordered) {
      const group = q.source ? 'chunked' : q.stableId;
      const name = q.source ? `${q.name} (source)` : q.name;
      const auto = q.audioOnly ? 'NO' : 'YES';
      out.push(`#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="${group}",NAME="${name}",AUTOSELECT=${auto},DEFAULT=${auto}`);
      out.push(streamInf(q, fr, [`VIDEO="${group}"`]), uri);
    }
  } else if (o.format === 'v2') {
    const ordered = [...variants.filter((v) => !v.q.source), ...variants.filter((v) => v.q.source)];
    for (const { q, uri } of ordered) {
      out.push(
        streamInf(q, fr, [
          `STABLE-VARIANT-ID="${q.stableId}"`,
          `IVS-NAME="${q.name}"`,
          `IVS-VARIANT-SOURCE="${q.source ? 'source' : 'transcode'}"`,
        ]),
        uri,
      );
    }
  } else {
    out.push('#EXT-X-SESSION-DATA:DATA-ID="NODE",VALUE="fake.playlist.loopback"');
    out.push(`#EXT-X-SESSION-DATA:DATA-ID="SERVER-TIME",VALUE="${(o.nowMs / 1000).toFixed(2)}"`);
    out.push('#EXT-X-SESSION-DATA:DATA-ID="USER-COUNTRY",VALUE="GB"');
    const ordered = [...variants.filter((v) => v.q.source), ...variants.filter((v) => !v.q.source)];
    for (const { q, uri } of ordered) {
      const auto = q.audioOnly ? 'NO' : 'YES';
      out.push(`#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="${q.stableId}",NAME="${q.name}",AUTOSELECT=${auto},DEFAULT=${auto}`);
      out.push(streamInf(q, fr, [`VIDEO="${q.stableId}"`]), uri);
    }
  }
  return out.join('\n') + '\n';
}
