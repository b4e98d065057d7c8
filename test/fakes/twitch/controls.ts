/**
 * The control surface tests use, shared by the fake Twitch and the generic HLS origin: the clock, the
 * request log, request faults, and per-channel timeline faults.
 */
import {
  Channel,
  type AdBreak,
  type AdOptions,
  type ChannelOptions,
  type EndOptions,
  type RestartOptions,
  type Skew,
  type StartOptions,
} from './channel.ts';
import type { FakeClock } from './clock.ts';
import type { FailOptions, Faults, GqlFaultMode, StallOptions } from './faults.ts';
import type { OriginCore } from './origin.ts';
import type { RequestKind, RequestLog, RequestLogEntry } from './request-log.ts';

export interface ChannelStatus {
  login: string;
  live: boolean;
  /** Index of the current session (0 for the broadcast running at start; +1 per restart/goOnline). */
  session: number;
  broadcastId: string | null;
  format: string;
  /** Segments completed in the current session. */
  liveCount: number;
  /** Media sequence of the first and last segment in the live window (null if empty). */
  firstSequence: number | null;
  lastSequence: number | null;
  /** Fake time at which the next segment completes (null once ended). */
  nextSegmentAtMs: number | null;
}

/** Runtime-changeable channel settings. */
export type ChannelSettings = Pick<
  ChannelOptions,
  | 'masterFormat'
  | 'windowSize'
  | 'targetDuration'
  | 'lowLatency'
  | 'prefetchCount'
  | 'relativeUris'
  | 'preroll'
  | 'playlistUrlTtlMs'
  | 'segmentGraceMs'
  | 'endedPlaylistTtlMs'
  | 'exists'
>;

export class ChannelControl {
  constructor(
    private readonly core: OriginCore,
    /** The raw state object (read it; prefer the methods below for changes). */
    readonly state: Channel,
    private readonly expireUrls: () => number = () => 0,
  ) {}

  get login(): string {
    return this.state.login;
  }

  private now(): number {
    return this.core.clock.now();
  }

  /** Broadcast ends: ENDLIST (unless endlist:false), usher 404 at once, playlist 404 after a TTL. */
  goOffline(opts?: EndOptions): void {
    this.state.goOffline(this.now(), opts);
  }

  /** Alias of goOffline(). */
  endStream(opts?: EndOptions): void {
    this.goOffline(opts);
  }

  /** New broadcast: new session, media sequence from 0 (or given), PDT from now (+delayMs). */
  goOnline(opts?: StartOptions): void {
    this.state.goOnline(this.now(), opts);
  }

  /** Restart: new session and playlist URLs; old URLs answer 404 (or 403, or freeze with ENDLIST). */
  restart(opts?: RestartOptions): void {
    this.state.restart(this.now(), opts);
  }

  /** Midroll starting with the segment being produced now (or `inSegments` later). */
  startAd(opts?: AdOptions): AdBreak {
    // Ad media is made on demand; start now so the first ad segment request does not wait on ffmpeg.
    this.core.prewarm(this.state, { live: false, ads: true }).catch(() => undefined);
    return this.state.startAd(this.now(), opts);
  }

  /** Spurious EXT-X-DISCONTINUITY before the segment being produced now (or later). Returns its index n. */
  injectDiscontinuity(inSegments = 0): number {
    return this.state.injectDiscontinuity(this.now(), inSegments);
  }

  /** PROGRAM-DATE-TIME off by `offsetMs` for `segments` segments (default: for good). */
  skewProgramDateTime(offsetMs: number, opts: { segments?: number; inSegments?: number } = {}): Skew {
    return this.state.skewProgramDateTime(this.now(), offsetMs, opts.segments ?? Infinity, opts.inSegments ?? 0);
  }

  /** Make every media playlist URL issued so far answer 403 (the 24 h expiry, now). Returns how many. */
  expirePlaylistUrls(): number {
    return this.expireUrls();
  }

  set(settings: ChannelSettings): void {
    const s = this.state;
    if (settings.masterFormat !== undefined) s.masterFormat = settings.masterFormat;
    if (settings.windowSize !== undefined) s.windowSize = settings.windowSize;
    if ('targetDuration' in settings) s.targetDurationOverride = settings.targetDuration;
    if (settings.lowLatency !== undefined) s.lowLatency = settings.lowLatency;
    if (settings.prefetchCount !== undefined) s.prefetchCount = settings.prefetchCount;
    if (settings.relativeUris !== undefined) s.relativeUris = settings.relativeUris;
    if (settings.preroll !== undefined) s.preroll = settings.preroll;
    if (settings.playlistUrlTtlMs !== undefined) s.playlistUrlTtlMs = settings.playlistUrlTtlMs;
    if (settings.segmentGraceMs !== undefined) s.segmentGraceMs = settings.segmentGraceMs;
    if (settings.endedPlaylistTtlMs !== undefined) s.endedPlaylistTtlMs = settings.endedPlaylistTtlMs;
    if (settings.exists !== undefined) s.exists = settings.exists;
  }

  status(): ChannelStatus {
    const ch = this.state;
    const s = ch.current();
    const now = this.now();
    if (!s) {
      return { login: ch.login, live: false, session: -1, broadcastId: null, format: ch.format, liveCount: 0, firstSequence: null, lastSequence: null, nextSegmentAtMs: null };
    }
    const live = ch.liveCount(s, now);
    const first = Math.max(0, live - ch.windowSize);
    return {
      login: ch.login,
      live: ch.isLive(now),
      session: s.index,
      broadcastId: s.broadcastId,
      format: s.format,
      liveCount: live,
      firstSequence: live > 0 ? s.mediaSequenceStart + first : null,
      lastSequence: live > 0 ? s.mediaSequenceStart + live - 1 : null,
      nextSegmentAtMs: s.endN === null ? ch.segmentEndMs(s, live) : null,
    };
  }
}

/** Members common to both fakes' handles. */
export interface FakeOriginBase {
  /** http://127.0.0.1:PORT */
  url: string;
  clock: FakeClock;
  /** Fake time, epoch ms. */
  now(): number;
  /** Move the fake clock forward (any clock mode). */
  advance(ms: number): void;
  log: RequestLog;
  requests(filter?: RequestKind | ((e: RequestLogEntry) => boolean)): RequestLogEntry[];
  counts(): ReturnType<RequestLog['counts']>;
  clearLog(): void;
  waitForRequest(pred: (e: RequestLogEntry) => boolean, timeoutMs?: number): Promise<RequestLogEntry>;
  faults: Faults;
  /** Answer the next `count` matching requests with an error status (default 503). */
  failNext(kind: RequestKind | 'any', opts?: FailOptions): void;
  /** Stall the next matching segment responses, then truncate/complete/reset (see StallOptions). */
  stallNext(opts?: StallOptions): void;
  /** Change the stall cut-off used when a stall rule has no cutoffMs (Twitch: ~60 s). */
  setSegmentCutoffMs(ms: number): void;
  clearFaults(): void;
  channel(login: string): ChannelControl;
  addChannel(login: string, opts?: ChannelOptions): Promise<ChannelControl>;
  close(): Promise<void>;
}

export function baseHandle(
  core: OriginCore,
  controls: Map<string, ChannelControl>,
  addChannel: (login: string, opts?: ChannelOptions) => Promise<ChannelControl>,
): FakeOriginBase {
  return {
    url: core.baseUrl,
    clock: core.clock,
    now: () => core.clock.now(),
    advance: (ms) => core.clock.advance(ms),
    log: core.log,
    requests: (f) => core.log.filter(f),
    counts: () => core.log.counts(),
    clearLog: () => core.log.clear(),
    waitForRequest: (pred, timeoutMs) => core.log.waitFor(pred, timeoutMs),
    faults: core.faults,
    failNext: (kind, opts) => core.faults.failNext(kind, opts),
    stallNext: (opts) => core.faults.stallNext(opts),
    setSegmentCutoffMs: (ms) => {
      core.segmentCutoffMs = ms;
    },
    clearFaults: () => core.faults.clear(),
    channel: (login) => {
      const c = controls.get(login.toLowerCase());
      if (!c) throw new Error(`no such fake channel: ${login}`);
      return c;
    },
    addChannel,
    close: () => core.close(),
  };
}

export type { GqlFaultMode };
