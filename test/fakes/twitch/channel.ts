/**
 * Per-channel broadcast state, with no HTTP in it.
 *
 * A channel owns a list of *sessions* (broadcasts). A session is a timeline of fixed-length segments:
 *
 *   segment n covers fake time [startMs + n*segMs, startMs + (n+1)*segMs) and becomes available at the
 *   end of that span. Its media sequence number is mediaSequenceStart + n and its
 *   PROGRAM-DATE-TIME is startMs + n*segMs (+ any injected skew).
 *
 * Everything is derived from the clock on demand (see clock.ts), so the live window "slides" without
 * timers. Faults are recorded as data on the session in terms of segment indexes (an ad covers
 * [fromN, toN), a discontinuity sits before segment n, a skew shifts PDT for a range of n), which keeps
 * the playlist identical on every reload, exactly like a real packager's output.
 *
 * Stitched ads *replace* live segments rather than being inserted between them: with server-side ad
 * insertion the viewer never gets the live content that aired during the break, the media sequence
 * keeps counting, and PROGRAM-DATE-TIME keeps advancing. That is why a recorder must leave a gap.
 */
import { resolveSpec, type SegmentFormat, type SegmentSpec } from './segments-ffmpeg.ts';

export type MasterFormat = 'v1' | 'v2' | 'v2-session-data';

export interface QualityOptions {
  /** NAME / IVS-NAME, e.g. "1080p60", "720p60", "480p", "audio_only". */
  name: string;
  /** GROUP-ID / STABLE-VARIANT-ID. Default: name with fps kept ("480p30"), "chunked" is used for the v1 source. */
  stableId?: string;
  /** The source ("chunked") rendition. Exactly one quality should have this. */
  source?: boolean;
  audioOnly?: boolean;
  /** Advertised in the master playlist. */
  width?: number;
  height?: number;
  fps?: number;
  bandwidth?: number;
  codecs?: string;
  /** Overrides for the bytes served at this quality (by default every video quality serves the channel's spec). */
  segment?: Partial<SegmentSpec>;
}

export interface Quality {
  name: string;
  stableId: string;
  source: boolean;
  audioOnly: boolean;
  width: number;
  height: number;
  fps: number;
  bandwidth: number;
  codecs: string;
  segment: Partial<SegmentSpec>;
}

export const DEFAULT_QUALITIES: QualityOptions[] = [
  { name: '1080p60', source: true, width: 1920, height: 1080, fps: 60, bandwidth: 8128000, codecs: 'avc1.64002A,mp4a.40.2' },
  { name: '720p60', width: 1280, height: 720, fps: 60, bandwidth: 3422999, codecs: 'avc1.4D401F,mp4a.40.2' },
  { name: '480p', stableId: '480p30', width: 852, height: 480, fps: 30, bandwidth: 1427999, codecs: 'avc1.4D401F,mp4a.40.2' },
  { name: 'audio_only', audioOnly: true, bandwidth: 160000, codecs: 'mp4a.40.2' },
];

export interface AdOptions {
  /** Length of the break in segments. Default 4 (8 s with 2 s segments). */
  segments?: number;
  /** Start this many segments after the one currently being produced. Default 0. */
  inSegments?: number;
  rollType?: 'PREROLL' | 'MIDROLL';
  /** EXTINF title on ad segments. Default `Amazon|<creative id>`; use "live" to test daterange-only detection. */
  title?: string;
  /** Emit the `CLASS="twitch-stitched-ad"` DATERANGE. Default true. */
  daterange?: boolean;
  /** Emit legacy #EXT-X-SCTE35-OUT / -OUT-CONT / -IN around the ad. Default false. */
  scte35?: boolean;
  /** Emit EXT-X-DISCONTINUITY at both edges of the break. Default true. */
  discontinuity?: boolean;
}

export interface AdBreak {
  id: string;
  fromN: number;
  toN: number;
  rollType: 'PREROLL' | 'MIDROLL';
  title: string;
  daterange: boolean;
  scte35: boolean;
  discontinuity: boolean;
  creativeId: string;
  commercialId: string;
}

export interface Skew {
  fromN: number;
  toN: number; // exclusive
  offsetMs: number;
}

export interface Session {
  index: number;
  broadcastId: string;
  startMs: number;
  mediaSequenceStart: number;
  format: SegmentFormat;
  /** Number of segments ever produced, once the session has ended; null while live. */
  endN: number | null;
  endedAtMs: number | null;
  /** Whether the frozen playlist carries #EXT-X-ENDLIST after the end. */
  endlist: boolean;
  /** From this fake time on, the session's playlist URLs answer `goneStatus`. */
  goneAtMs: number | null;
  goneStatus: number;
  ads: AdBreak[];
  discontinuities: Set<number>;
  skews: Skew[];
}

export interface ChannelOptions {
  /** Live when the fake starts. Default true. */
  online?: boolean;
  /** Segment container: 'ts' (MPEG-TS era) or 'fmp4' (EXT-X-MAP + .mp4 fragments). Default 'ts'. */
  format?: SegmentFormat;
  /** Usher master playlist flavour. Default 'v1'. */
  masterFormat?: MasterFormat;
  qualities?: QualityOptions[];
  /** Base spec for the media bytes (resolution, bitrate, ...). `format` above wins over segment.format. */
  segment?: Partial<SegmentSpec>;
  /** Segments in the live window. Default 6. */
  windowSize?: number;
  /** EXT-X-TARGETDURATION. Default 2 for ts, 6 for fmp4 (as observed on Twitch). */
  targetDuration?: number;
  /** Emit #EXT-X-TWITCH-PREFETCH lines (low-latency stream). Default true. */
  lowLatency?: boolean;
  prefetchCount?: number;
  /** How long the initial broadcast has already been live when the fake starts. Default 60 s. */
  liveForMs?: number;
  /** Media sequence of segment 0 of the initial session. Default 0. */
  mediaSequenceStart?: number;
  /** Use relative URIs in master and media playlists (instead of absolute URLs). Default false. */
  relativeUris?: boolean;
  /** Give every newly issued playlist (each usher request) a preroll ad of this shape. Default none. */
  preroll?: AdOptions | null;
  /** Media playlist URLs answer 403 this long (fake time) after issue. Default 24 h. */
  playlistUrlTtlMs?: number;
  /** Segments stay fetchable this long after leaving the window. Default 30 s. */
  segmentGraceMs?: number;
  /** After the stream ends, its playlist keeps answering (with ENDLIST) this long, then 404. Default 60 s. */
  endedPlaylistTtlMs?: number;
  /** Numeric channel id in the token. Default derived from the login. */
  channelId?: number;
  /** Channel exists at all (GQL answers a null token otherwise). Default true. */
  exists?: boolean;
}

export interface EndOptions {
  /** Append #EXT-X-ENDLIST to the frozen playlist. Default true (false = reloads just stop changing). */
  endlist?: boolean;
  /** Playlist answers 404 after this long. Default: channel's endedPlaylistTtlMs. */
  playlistGoneAfterMs?: number;
}

export interface StartOptions {
  /** Fake ms before the first segment starts (usher 404s until the first segment exists). Default 0. */
  delayMs?: number;
  mediaSequenceStart?: number;
  format?: SegmentFormat;
}

export interface RestartOptions extends StartOptions {
  /** What the old session's playlist URLs do: 'endlist' (frozen + ENDLIST until TTL), 404 or 403. Default 404. */
  oldPlaylist?: 'endlist' | 404 | 403;
}

function deriveStableId(q: QualityOptions): string {
  if (q.stableId) return q.stableId;
  if (q.audioOnly || !q.height) return q.name;
  return `${q.height}p${Math.round(q.fps ?? 30)}`;
}

export class Channel {
  readonly login: string;
  readonly channelId: number;
  exists: boolean;
  format: SegmentFormat;
  masterFormat: MasterFormat;
  qualities: Quality[];
  baseSpec: SegmentSpec;
  segMs: number;
  windowSize: number;
  targetDurationOverride: number | undefined;
  lowLatency: boolean;
  prefetchCount: number;
  relativeUris: boolean;
  preroll: AdOptions | null;
  playlistUrlTtlMs: number;
  segmentGraceMs: number;
  endedPlaylistTtlMs: number;
  sessions: Session[] = [];
  private adCounter = 0;

  constructor(login: string, opts: ChannelOptions, now: number) {
    this.login = login.toLowerCase();
    this.channelId = opts.channelId ?? (Array.from(this.login).reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 900_000_000, 7) + 100_000_000);
    this.exists = opts.exists ?? true;
    this.format = opts.format ?? opts.segment?.format ?? 'ts';
    this.masterFormat = opts.masterFormat ?? 'v1';
    this.baseSpec = resolveSpec({ ...opts.segment, format: this.format });
    this.segMs = Math.round(this.baseSpec.segmentSeconds * 1000);
    this.qualities = (opts.qualities ?? DEFAULT_QUALITIES).map((q) => this.makeQuality(q));
    if (this.qualities.filter((q) => q.source).length > 1) throw new Error(`channel ${login}: more than one source quality`);
    this.windowSize = opts.windowSize ?? 6;
    if (!(this.windowSize >= 1)) throw new Error('windowSize must be >= 1');
    this.targetDurationOverride = opts.targetDuration;
    this.lowLatency = opts.lowLatency ?? true;
    this.prefetchCount = opts.prefetchCount ?? 2;
    this.relativeUris = opts.relativeUris ?? false;
    this.preroll = opts.preroll ?? null;
    this.playlistUrlTtlMs = opts.playlistUrlTtlMs ?? 24 * 3600_000;
    this.segmentGraceMs = opts.segmentGraceMs ?? 30_000;
    this.endedPlaylistTtlMs = opts.endedPlaylistTtlMs ?? 60_000;
    if (opts.online ?? true) {
      this.newSession(now - (opts.liveForMs ?? 60_000), opts.mediaSequenceStart ?? 0, this.format);
    }
  }

  private makeQuality(q: QualityOptions): Quality {
    const segment = { ...q.segment };
    if (segment.segmentSeconds !== undefined && segment.segmentSeconds !== this.baseSpec.segmentSeconds) {
      throw new Error(`quality ${q.name}: all qualities share one segment duration`);
    }
    return {
      name: q.name,
      stableId: deriveStableId(q),
      source: q.source ?? false,
      audioOnly: q.audioOnly ?? false,
      width: q.width ?? 0,
      height: q.height ?? 0,
      fps: q.fps ?? 30,
      bandwidth: q.bandwidth ?? 1_000_000,
      codecs: q.codecs ?? (q.audioOnly ? 'mp4a.40.2' : 'avc1.4D401F,mp4a.40.2'),
      segment,
    };
  }

  quality(name: string): Quality | undefined {
    return this.qualities.find((q) => q.name === name || q.stableId === name);
  }

  /** The spec of the bytes served for (quality, live/ad) in a session of `format`. */
  specFor(q: Quality, ad: boolean, format: SegmentFormat): SegmentSpec {
    return resolveSpec({
      ...this.baseSpec,
      ...q.segment,
      format,
      ...(q.audioOnly ? { video: false } : {}),
      // Ads get a different picture and tone, so stored ad bytes are recognisable (and hash differently).
      ...(ad ? { pattern: 'smptebars', toneHz: 880 } : {}),
    });
  }

  targetDuration(format: SegmentFormat): number {
    return this.targetDurationOverride ?? (format === 'fmp4' ? 6 : Math.ceil(this.baseSpec.segmentSeconds));
  }

  current(): Session | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  /** Segments completed so far in `s` (the index of the segment currently being produced). */
  liveCount(s: Session, now: number): number {
    const produced = Math.max(0, Math.floor((now - s.startMs) / this.segMs));
    return s.endN === null ? produced : Math.min(produced, s.endN);
  }

  /** Live = a running session that has at least one complete segment (what usher needs to answer 200). */
  isLive(now: number): boolean {
    const s = this.current();
    return !!s && s.endN === null && this.liveCount(s, now) > 0;
  }

  segmentEndMs(s: Session, n: number): number {
    return s.startMs + (n + 1) * this.segMs;
  }

  pdtMs(s: Session, n: number): number {
    let t = s.startMs + n * this.segMs;
    for (const k of s.skews) if (n >= k.fromN && n < k.toN) t += k.offsetMs;
    return t;
  }

  /** Fake time after which segment n of `s` answers 404 (left the window, or the playlist is gone, + grace). */
  segmentExpiresAt(s: Session, n: number): number {
    const leftWindow = s.startMs + (n + this.windowSize + 1) * this.segMs;
    const left = s.goneAtMs === null ? leftWindow : Math.min(leftWindow, s.goneAtMs);
    return left + this.segmentGraceMs;
  }

  private newSession(startAt: number, mediaSequenceStart: number, format: SegmentFormat): Session {
    const index = this.sessions.length;
    const startMs = Math.round(startAt); // whole ms, so PROGRAM-DATE-TIME steps are exact
    const s: Session = {
      index,
      broadcastId: String(40_000_000_000 + Math.floor(startMs / 1000) * 10 + (index % 10)),
      startMs,
      mediaSequenceStart,
      format,
      endN: null,
      endedAtMs: null,
      endlist: true,
      goneAtMs: null,
      goneStatus: 404,
      ads: [],
      discontinuities: new Set(),
      skews: [],
    };
    this.sessions.push(s);
    return s;
  }

  private endSession(s: Session, now: number, endlist: boolean, goneAtMs: number, goneStatus: number): void {
    if (s.endN !== null) return;
    s.endN = this.liveCount(s, now);
    s.endedAtMs = now;
    s.endlist = endlist;
    s.goneAtMs = goneAtMs;
    s.goneStatus = goneStatus;
  }

  /** Stream ends: playlist freezes (+ENDLIST), usher answers 404 at once, playlist 404s after a TTL. */
  goOffline(now: number, opts: EndOptions = {}): void {
    const s = this.current();
    if (!s) return;
    this.endSession(s, now, opts.endlist ?? true, now + (opts.playlistGoneAfterMs ?? this.endedPlaylistTtlMs), 404);
  }

  /** A new broadcast (ends the current one first if it is still running). */
  goOnline(now: number, opts: StartOptions = {}): Session {
    const cur = this.current();
    if (cur && cur.endN === null) this.goOffline(now);
    if (opts.format) this.format = opts.format;
    return this.newSession(now + (opts.delayMs ?? 0), opts.mediaSequenceStart ?? 0, opts.format ?? this.format);
  }

  /**
   * Stream restart: new session (new playlist URLs, media sequence reset, PDT jumps to the new start),
   * and the old playlist URLs stop answering 200.
   */
  restart(now: number, opts: RestartOptions = {}): Session {
    const cur = this.current();
    if (cur && cur.endN === null) {
      const mode = opts.oldPlaylist ?? 404;
      if (mode === 'endlist') this.endSession(cur, now, true, now + this.endedPlaylistTtlMs, 404);
      else this.endSession(cur, now, false, now, mode);
    }
    if (opts.format) this.format = opts.format;
    return this.newSession(now + (opts.delayMs ?? 0), opts.mediaSequenceStart ?? 0, opts.format ?? this.format);
  }

  makeAd(fromN: number, opts: AdOptions, nowMs: number): AdBreak {
    const segments = opts.segments ?? 4;
    if (!(segments >= 1)) throw new Error('ad needs at least one segment');
    const n = this.adCounter++;
    const creativeId = String(2_474_283_100_000 + n);
    return {
      // Twitch ids look like stitched-ad-<unix seconds>-<n>.
      id: `stitched-ad-${Math.floor(nowMs / 1000)}-${n}`,
      fromN,
      toN: fromN + segments,
      rollType: opts.rollType ?? 'MIDROLL',
      title: opts.title ?? `Amazon|${creativeId}`,
      daterange: opts.daterange ?? true,
      scte35: opts.scte35 ?? false,
      discontinuity: opts.discontinuity ?? true,
      creativeId,
      commercialId: String(9_000_000 + n),
    };
  }

  /** A midroll seen by every viewer (except ad-free tokens), starting at the segment now being produced. */
  startAd(now: number, opts: AdOptions = {}): AdBreak {
    const s = this.requireRunning();
    const ad = this.makeAd(this.liveCount(s, now) + (opts.inSegments ?? 0), opts, now);
    s.ads.push(ad);
    return ad;
  }

  /** A spurious EXT-X-DISCONTINUITY between two live segments (before the segment now being produced). */
  injectDiscontinuity(now: number, inSegments = 0): number {
    const s = this.requireRunning();
    const n = this.liveCount(s, now) + inSegments;
    s.discontinuities.add(n);
    return n;
  }

  /** Shift PROGRAM-DATE-TIME by offsetMs for `segments` segments (default: from now on). */
  skewProgramDateTime(now: number, offsetMs: number, segments = Infinity, inSegments = 0): Skew {
    const s = this.requireRunning();
    const fromN = this.liveCount(s, now) + inSegments;
    const skew = { fromN, toN: fromN + segments, offsetMs };
    s.skews.push(skew);
    return skew;
  }

  private requireRunning(): Session {
    const s = this.current();
    if (!s || s.endN !== null) throw new Error(`channel ${this.login} is not live`);
    return s;
  }
}

// ----- timeline view shared by the playlist renderers -----

export interface TimelineEntry {
  n: number;
  seq: number;
  pdtMs: number;
  durationSec: number;
  ad: AdBreak | null;
  discontinuity: boolean;
  scte35: 'out' | 'cont' | 'in' | null;
}

export interface TimelineView {
  session: Session;
  entries: TimelineEntry[];
  /** Future segments announced with EXT-X-TWITCH-PREFETCH (none while an ad is at the live edge, or after the end). */
  prefetch: TimelineEntry[];
  ended: boolean;
  /** Ads overlapping the listed segments. */
  ads: AdBreak[];
  liveCount: number;
}

export function adAt(ads: AdBreak[], n: number): AdBreak | null {
  for (const a of ads) if (n >= a.fromN && n < a.toN) return a;
  return null;
}

export function buildView(ch: Channel, s: Session, ads: AdBreak[], now: number): TimelineView {
  const live = ch.liveCount(s, now);
  const first = Math.max(0, live - ch.windowSize);
  const entry = (n: number): TimelineEntry => {
    const ad = adAt(ads, n);
    const prevAd = n > 0 ? adAt(ads, n - 1) : null;
    const adEdge = ad !== prevAd && n > 0 && ((ad?.discontinuity ?? false) || (prevAd?.discontinuity ?? false));
    let scte35: TimelineEntry['scte35'] = null;
    if (ad?.scte35) scte35 = n === ad.fromN ? 'out' : 'cont';
    else if (prevAd?.scte35) scte35 = 'in';
    return {
      n,
      seq: s.mediaSequenceStart + n,
      pdtMs: ch.pdtMs(s, n),
      durationSec: ch.baseSpec.segmentSeconds,
      ad,
      discontinuity: (n > 0 && s.discontinuities.has(n)) || adEdge,
      scte35,
    };
  };
  const entries: TimelineEntry[] = [];
  for (let n = first; n < live; n++) entries.push(entry(n));
  const ended = s.endN !== null;
  const prefetch: TimelineEntry[] = [];
  // Prefetch lines vanish while an ad plays at the live edge and come back with live content.
  const adAtEdge = entries.length > 0 && entries[entries.length - 1].ad !== null;
  if (ch.lowLatency && !ended && !adAtEdge) {
    for (let n = live; n < live + ch.prefetchCount; n++) {
      const e = entry(n);
      if (e.ad) break; // Twitch stops announcing prefetch segments when a break is coming
      prefetch.push(e);
    }
  }
  const seen = new Set<AdBreak>();
  for (const e of entries) if (e.ad) seen.add(e.ad);
  return { session: s, entries, prefetch, ended, ads: [...seen], liveCount: live };
}
