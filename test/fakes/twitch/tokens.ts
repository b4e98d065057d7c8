/**
 * Tokens and opaque URL identifiers.
 *
 * - Playback access token: `value` is a JSON document serialised into a string (exactly how GQL returns
 *   it; clients must pass it through untouched as usher's `token`), `signature` is 40 hex chars. Real
 *   Twitch's signing scheme is private; we use HMAC-SHA1(secret, value), which happens to have the same
 *   shape, so a client that re-encodes or edits `value` fails the usher check like it would for real.
 * - Media playlist tokens: random opaque strings mapped server-side to (channel, quality, session,
 *   issue time), like the `/v1/playlist/<token>.m3u8` weaver URLs. Each usher request mints new ones.
 * - Segment ids: base64url of a small JSON tuple. Real segment paths are signed blobs; clients must treat
 *   them as opaque, and the fake only needs to find (channel, quality, session, n, live/ad) again.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdBreak } from './channel.ts';

export interface AccessTokenClaims {
  adblock: boolean;
  authorization: { forbidden: boolean; reason: string };
  blackout_enabled: boolean;
  channel: string;
  channel_id: number;
  chansub: { restricted_bitrates: string[]; view_until: number };
  ci_gb: boolean;
  geoblock_reason: string;
  device_id: string | null;
  expires: number;
  extended_history_allowed: boolean;
  game: string;
  hide_ads: boolean;
  https_required: boolean;
  mature: boolean;
  partner: boolean;
  platform: string;
  player_type: string;
  private: { allowed_to_view: boolean };
  privileged: boolean;
  role: string;
  server_ads: boolean;
  show_ads: boolean;
  subscriber: boolean;
  turbo: boolean;
  user_id: number | null;
  user_ip: string;
  version: number;
}

export interface MintOptions {
  userId?: number | null;
  turbo?: boolean;
  platform?: string;
  playerType?: string;
  deviceId?: string | null;
  ttlMs: number;
  nowMs: number;
}

export class TokenAuthority {
  private readonly secret = randomBytes(20);

  mint(login: string, channelId: number, o: MintOptions): { value: string; signature: string } {
    const claims: AccessTokenClaims = {
      adblock: false,
      authorization: { forbidden: false, reason: '' },
      blackout_enabled: false,
      channel: login,
      channel_id: channelId,
      chansub: { restricted_bitrates: [], view_until: 1924905600 },
      ci_gb: false,
      geoblock_reason: '',
      device_id: o.deviceId ?? null,
      expires: Math.floor((o.nowMs + o.ttlMs) / 1000),
      extended_history_allowed: false,
      game: '',
      hide_ads: !!o.turbo,
      https_required: true,
      mature: false,
      partner: false,
      platform: o.platform ?? 'web',
      player_type: o.playerType ?? 'embed',
      private: { allowed_to_view: true },
      privileged: false,
      role: '',
      server_ads: !o.turbo,
      show_ads: !o.turbo,
      subscriber: false,
      turbo: !!o.turbo,
      user_id: o.userId ?? null,
      user_ip: '127.0.0.1',
      version: 2,
    };
    const value = JSON.stringify(claims);
    return { value, signature: this.sign(value) };
  }

  sign(value: string): string {
    return createHmac('sha1', this.secret).update(value).digest('hex');
  }

  /** Check sig, shape, channel and expiry. `reason` is for logs and error bodies. */
  verify(
    value: string,
    sig: string,
    login: string,
    nowMs: number,
  ): { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string } {
    const expected = Buffer.from(this.sign(value));
    const got = Buffer.from(sig);
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return { ok: false, reason: 'bad signature' };
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(value) as AccessTokenClaims;
    } catch {
      return { ok: false, reason: 'token is not JSON' };
    }
    if (claims.channel !== login) return { ok: false, reason: `token is for channel ${claims.channel}` };
    if (claims.expires * 1000 <= nowMs) return { ok: false, reason: 'token expired' };
    return { ok: true, claims };
  }
}

export interface PlaylistToken {
  token: string;
  channel: string;
  quality: string;
  sessionIndex: number;
  issuedAtMs: number;
  expiresAtMs: number;
  hideAds: boolean;
  /** Per-viewer preroll (shared by all the qualities of one usher response). */
  preroll: AdBreak | null;
  /** X-TV-TWITCH-SESSIONID in the twitch-session DATERANGE. */
  viewerSessionId: string;
}

export class PlaylistTokens {
  private readonly byToken = new Map<string, PlaylistToken>();

  issue(t: Omit<PlaylistToken, 'token'>): PlaylistToken {
    // Shaped like the weaver tokens ("CpEF..."): long, url-safe, meaningless to clients.
    const token = `Cp${randomBytes(48).toString('base64url')}`;
    const full = { ...t, token };
    this.byToken.set(token, full);
    return full;
  }

  get(token: string): PlaylistToken | undefined {
    return this.byToken.get(token);
  }

  all(): PlaylistToken[] {
    return [...this.byToken.values()];
  }
}

export interface MediaRef {
  channel: string;
  quality: string;
  session: number;
  /** Segment index within the session; -1 for an init segment. */
  n: number;
  ad: boolean;
}

export function encodeRef(r: MediaRef): string {
  return Buffer.from(JSON.stringify([r.channel, r.quality, r.session, r.n, r.ad ? 1 : 0])).toString('base64url');
}

export function decodeRef(s: string): MediaRef | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 5) return null;
    const [channel, quality, session, n, ad] = v as unknown[];
    if (typeof channel !== 'string' || typeof quality !== 'string') return null;
    if (!Number.isInteger(session) || !Number.isInteger(n)) return null;
    return { channel, quality, session: session as number, n: n as number, ad: ad === 1 };
  } catch {
    return null;
  }
}
