/**
 * Where a channel's media playlist URLs come from.
 *
 * - Twitch (protocols.md A1/A2, wubloader providers.py): POST the PlaybackAccessToken persisted query
 *   to GQL (Client-ID, optional `Authorization: OAuth`), then GET usher's master playlist with the
 *   token; usher 404 (`transcode_does_not_exist`) means offline. Every endpoint, id and hash comes from
 *   TwitchConfig. A fresh token is fetched before every usher call.
 * - Generic: any HLS URL. A multivariant playlist is resolved to its best variant (highest bandwidth,
 *   recorded as quality `source`, as wubloader's `url` provider forces); a media playlist URL is used
 *   as is. 404/410 means offline.
 */
import type { ChannelConfig, TwitchConfig } from '../core/config.ts';
import { HttpStatusError, openRequest, readBody, requestText, type HttpPool } from './http.ts';
import { isMasterPlaylist, parseMasterPlaylist, selectVariant, type Variant } from './hls.ts';

export type MasterResult =
  | { offline: true; reason: string }
  | { offline: false; urls: Map<string, string>; missing: string[] };

export interface Provider {
  readonly kind: 'twitch' | 'generic';
  /** qualities this provider can record for the channel */
  readonly qualities: string[];
  /** newest worker older than this → fetch a new URL and start a new worker */
  readonly maxWorkerAgeMs: number;
  /** PROGRAM-DATE-TIME skew marks segments suspect (Twitch only, like wubloader's SUS_SKEW_DETECTION) */
  readonly skewDetection: boolean;
  getMediaUrls(pool: HttpPool, signal: AbortSignal): Promise<MasterResult>;
}

/** usher parameters (wubloader's, "taken from streamlink"). h264 only: the store must play in a browser. */
const USHER_PARAMS: Record<string, string> = {
  player: 'twitchweb',
  type: 'any',
  allow_source: 'true',
  allow_audio_only: 'true',
  allow_spectre: 'false',
  playlist_include_framerate: 'true',
  fast_bread: 'true',
  supported_codecs: 'h264',
};

export class TwitchProvider implements Provider {
  readonly kind = 'twitch' as const;
  readonly skewDetection = true;

  constructor(
    private readonly login: string,
    private readonly twitch: TwitchConfig,
    readonly qualities: string[],
    readonly maxWorkerAgeMs: number,
  ) {}

  /** The playback access token, or null when GQL says there is none (no such channel). */
  async accessToken(pool: HttpPool, signal: AbortSignal): Promise<{ value: string; signature: string } | null> {
    const headers: Record<string, string> = {
      'client-id': this.twitch.clientId,
      'content-type': 'application/json',
      referer: 'https://player.twitch.tv',
      origin: 'https://player.twitch.tv',
    };
    if (this.twitch.oauthToken) headers.authorization = `OAuth ${this.twitch.oauthToken}`;
    const body = JSON.stringify({
      operationName: 'PlaybackAccessToken',
      extensions: { persistedQuery: { version: 1, sha256Hash: this.twitch.persistedQueryHash } },
      variables: { isLive: true, login: this.login.toLowerCase(), isVod: false, vodID: '', playerType: 'embed', platform: 'site' },
    });
    const res = await openRequest(this.twitch.gqlUrl, { pool, method: 'POST', headers, body, signal });
    const text = (await readBody(res, 1 << 20)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpStatusError(res.statusCode ?? 0, this.twitch.gqlUrl, text);
    }
    const j = json as {
      data?: { streamPlaybackAccessToken?: { value?: unknown; signature?: unknown } | null };
      errors?: { message?: string }[];
      error?: string;
      message?: string;
    };
    const status = res.statusCode ?? 0;
    const gqlError = j.errors?.[0]?.message ?? (j.error ? `${j.error}: ${j.message ?? ''}` : null);
    if (status < 200 || status >= 300 || gqlError) {
      throw new Error(`GQL PlaybackAccessToken failed (HTTP ${status}): ${gqlError ?? text.slice(0, 200)}`);
    }
    const tok = j.data?.streamPlaybackAccessToken;
    if (tok === null || tok === undefined) return null;
    if (typeof tok.value !== 'string' || typeof tok.signature !== 'string') throw new Error('GQL answered a malformed access token');
    return { value: tok.value, signature: tok.signature };
  }

  async getMediaUrls(pool: HttpPool, signal: AbortSignal): Promise<MasterResult> {
    const token = await this.accessToken(pool, signal);
    if (!token) return { offline: true, reason: 'no playback access token (channel does not exist?)' };
    const q = new URLSearchParams({ ...USHER_PARAMS, p: String(Math.floor(Math.random() * 1_000_000)), sig: token.signature, token: token.value });
    const url = `${this.twitch.usherUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.login.toLowerCase())}.m3u8?${q}`;
    let text: string;
    let base = url;
    try {
      ({ text, url: base } = await requestText(url, { pool, signal, headers: { referer: 'https://player.twitch.tv', origin: 'https://player.twitch.tv' } }));
    } catch (e) {
      if (e instanceof HttpStatusError && e.status === 404) {
        let code = '';
        try {
          code = (JSON.parse(e.body) as { error_code?: string }[])[0]?.error_code ?? '';
        } catch {
          /* not the JSON error shape */
        }
        return { offline: true, reason: code || 'usher 404' };
      }
      throw e;
    }
    return resolveQualities(parseMasterPlaylist(text, base), this.qualities);
  }
}

function resolveQualities(variants: Variant[], qualities: string[]): MasterResult {
  const urls = new Map<string, string>();
  const missing: string[] = [];
  for (const q of qualities) {
    const v = selectVariant(variants, q);
    if (v) urls.set(q, v.uri);
    else missing.push(q);
  }
  return { offline: false, urls, missing };
}

export class GenericProvider implements Provider {
  readonly kind = 'generic' as const;
  readonly skewDetection = false;
  readonly qualities = ['source'];

  constructor(private readonly url: string, readonly maxWorkerAgeMs: number) {}

  async getMediaUrls(pool: HttpPool, signal: AbortSignal): Promise<MasterResult> {
    let text: string;
    let base = this.url;
    try {
      ({ text, url: base } = await requestText(this.url, { pool, signal }));
    } catch (e) {
      if (e instanceof HttpStatusError && (e.status === 404 || e.status === 410)) return { offline: true, reason: `HTTP ${e.status}` };
      throw e;
    }
    if (!isMasterPlaylist(text)) {
      if (!text.startsWith('#EXTM3U')) throw new Error('not an HLS playlist');
      // A media playlist URL that has ended stays "offline" until it goes live again (no thrashing).
      if (/^#EXT-X-ENDLIST/m.test(text)) return { offline: true, reason: 'playlist has ENDLIST' };
      return { offline: false, urls: new Map([['source', base]]), missing: [] };
    }
    const variants = parseMasterPlaylist(text, base).filter((v) => !v.audioOnly);
    if (variants.length === 0) throw new Error('multivariant playlist lists no video variant');
    const best = variants.reduce((a, b) => (b.bandwidth > a.bandwidth ? b : a));
    return { offline: false, urls: new Map([['source', best.uri]]), missing: [] };
  }
}

export function providerFor(
  channel: ChannelConfig, twitch: TwitchConfig, qualities: string[], maxAge: { twitch: number; generic: number },
): Provider {
  return channel.url
    ? new GenericProvider(channel.url, maxAge.generic)
    : new TwitchProvider(channel.name, twitch, qualities, maxAge.twitch);
}
