/**
 * startFakeHlsOrigin(): a plain live HLS origin with no Twitch specifics, for the recorder's "generic
 * HLS URL" provider. Same timeline engine, clock, faults and ffmpeg segments as the fake Twitch, but
 * standard tags only and stable URLs (no tokens, no expiry):
 *
 *   GET /hls/{channel}/master.m3u8                   multivariant playlist (relative variant URIs)
 *   GET /hls/{channel}/{quality}/index.m3u8          live media playlist of the current session
 *   GET /hls/{channel}/{quality}/{id}.ts|.mp4        segments / fMP4 init (relative URIs)
 *
 * Offline channel: master and media playlists answer 404. A restart (new session) makes the stable media
 * URL start over at the new session's sequence numbers, as a restarted encoder/packager would.
 */
import { buildView, Channel, type ChannelOptions, type QualityOptions } from './channel.ts';
import { baseHandle, ChannelControl, type FakeOriginBase } from './controls.ts';
import { renderGenericMedia, type UriBuilder } from './media-playlist.ts';
import { OriginCore, PLAYLIST_CONTENT_TYPE, type Ctx, type OriginOptions } from './origin.ts';
import { decodeRef, encodeRef } from './tokens.ts';

export const GENERIC_DEFAULT_QUALITIES: QualityOptions[] = [
  { name: 'source', source: true, width: 1280, height: 720, fps: 30, bandwidth: 3_000_000, codecs: 'avc1.64001F,mp4a.40.2' },
  { name: 'low', width: 640, height: 360, fps: 30, bandwidth: 900_000, codecs: 'avc1.4D401E,mp4a.40.2' },
];

export interface FakeHlsOriginOptions extends OriginOptions {
  /** Channels by name. Default `{ stream: {} }`. Qualities default to GENERIC_DEFAULT_QUALITIES. */
  channels?: Record<string, ChannelOptions>;
  /** Emit EXT-X-PROGRAM-DATE-TIME on each segment. Default true. */
  programDateTime?: boolean;
}

export interface FakeHlsOrigin extends FakeOriginBase {
  /** Master playlist URL of the first channel. */
  masterUrl: string;
  masterUrlOf(channel: string): string;
  mediaUrl(channel: string, quality: string): string;
  setProgramDateTime(on: boolean): void;
}

export async function startFakeHlsOrigin(opts: FakeHlsOriginOptions = {}): Promise<FakeHlsOrigin> {
  const core = new OriginCore(opts);
  const controls = new Map<string, ChannelControl>();
  let pdt = opts.programDateTime ?? true;

  const addChannel = async (name: string, chOpts: ChannelOptions = {}): Promise<ChannelControl> => {
    const ch = new Channel(name, { qualities: GENERIC_DEFAULT_QUALITIES, lowLatency: false, ...chOpts }, core.clock.now());
    if (core.channels.has(ch.login)) throw new Error(`channel ${ch.login} already exists`);
    core.channels.set(ch.login, ch);
    const control = new ChannelControl(core, ch);
    controls.set(ch.login, control);
    if (opts.prewarm ?? true) await core.prewarm(ch, { live: true, ads: false });
    return control;
  };

  core.setRouter((ctx) => route(ctx));

  async function route(ctx: Ctx): Promise<void> {
    const m = /^\/hls\/([^/]+)\/(?:master\.m3u8|([^/]+)\/(index\.m3u8|[^/]+\.(?:ts|mp4)))$/.exec(ctx.url.pathname);
    if (!m) return;
    const [, name, quality, file] = m;
    const ch = core.channels.get(name.toLowerCase());
    if (!quality) return master(ctx, ch);
    if (file === 'index.m3u8') return media(ctx, ch, quality);
    const ref = decodeRef(file.replace(/\.(ts|mp4)$/, ''));
    // The URL path names the channel/quality too; a ref that disagrees is not ours.
    const ok = ref && ref.channel === ch?.login && ref.quality === quality;
    return core.serveMedia(ctx, ok ? ref : null, ref && ref.n < 0 ? 'init' : 'segment');
  }

  function master(ctx: Ctx, ch: Channel | undefined): void {
    ctx.entry.kind = 'master';
    ctx.entry.channel = ch?.login;
    if (core.applyFailure(ctx)) return;
    if (!ch || !ch.isLive(core.clock.now())) return core.notFound(ctx);
    const out = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
    const ordered = [...ch.qualities.filter((q) => q.source), ...ch.qualities.filter((q) => !q.source)];
    for (const q of ordered) {
      const a = [`BANDWIDTH=${q.bandwidth}`];
      if (!q.audioOnly && q.width) a.push(`RESOLUTION=${q.width}x${q.height}`, `FRAME-RATE=${q.fps.toFixed(3)}`);
      a.push(`CODECS="${q.codecs}"`);
      out.push(`#EXT-X-STREAM-INF:${a.join(',')}`, `${encodeURIComponent(q.name)}/index.m3u8`);
    }
    core.send(ctx, 200, out.join('\n') + '\n', PLAYLIST_CONTENT_TYPE);
  }

  function media(ctx: Ctx, ch: Channel | undefined, quality: string): void {
    const e = ctx.entry;
    e.kind = 'playlist';
    e.channel = ch?.login;
    e.quality = quality;
    const s = ch?.current();
    const q = ch?.quality(quality);
    if (s) e.session = s.index;
    if (core.applyFailure(ctx)) return;
    const now = core.clock.now();
    if (!ch || !s || !q || (s.goneAtMs !== null && now >= s.goneAtMs)) return core.notFound(ctx);
    const view = buildView(ch, s, [], now);
    const ext = s.format === 'ts' ? 'ts' : 'mp4';
    const base = { channel: ch.login, quality: q.name, session: s.index, ad: false };
    const uris: UriBuilder = {
      segment: (en) => `${encodeRef({ ...base, n: en.n })}.${ext}`,
      init: () => `${encodeRef({ ...base, n: -1 })}.mp4`,
    };
    core.send(ctx, 200, renderGenericMedia(ch, view, uris, { pdt }), PLAYLIST_CONTENT_TYPE);
  }

  await core.listen();
  try {
    for (const [name, chOpts] of Object.entries(opts.channels ?? { stream: {} })) await addChannel(name, chOpts);
  } catch (err) {
    await core.close();
    throw err;
  }
  const first = [...core.channels.keys()][0];
  const masterUrlOf = (name: string) => `${core.baseUrl}/hls/${encodeURIComponent(name.toLowerCase())}/master.m3u8`;
  return {
    ...baseHandle(core, controls, addChannel),
    masterUrl: masterUrlOf(first),
    masterUrlOf,
    mediaUrl: (name, quality) => `${core.baseUrl}/hls/${encodeURIComponent(name.toLowerCase())}/${encodeURIComponent(quality)}/index.m3u8`,
    setProgramDateTime: (on) => {
      pdt = on;
    },
  };
}
