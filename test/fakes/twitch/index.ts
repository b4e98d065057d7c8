/**
 * Fake Twitch origin (and a generic HLS origin) for offline recorder tests.
 * Protocol reference: /work/shared/reference/protocols.md PART A.
 *
 * ## Starting
 *
 *   const tw = await startFakeTwitch({
 *     clock: { mode: 'manual' },                   // or { speed: 10 }, default real time
 *     segmentCutoffMs: 2000,                        // stall cut-off (Twitch: ~60 s)
 *     channels: { somechan: { format: 'fmp4', masterFormat: 'v2', windowSize: 6 } },
 *     oauthTokens: ['turbo-token'],
 *   });
 *   tw.url / tw.gqlUrl (POST) / tw.usherUrl (base; + /api/channel/hls/{login}.m3u8 or /api/v2/...)
 *   tw.clientId, tw.persistedQueryHash          // what the fake accepts by default (the real values)
 *   await tw.close();
 *
 *   const gen = await startFakeHlsOrigin({ channels: { stream: { format: 'ts' } } });
 *   gen.masterUrl, gen.mediaUrl('stream', 'source')
 *
 * All servers bind 127.0.0.1, port 0. Every playlist/segment URI is absolute (http://127.0.0.1:PORT/...)
 * unless the channel has `relativeUris: true`.
 *
 * ## Clock model (clock.ts)
 *
 * One FakeClock per server (or pass a shared FakeClock instance). Mode 'real' (default) runs at
 * `speed` x real time from `startAt` (default Date.now()); mode 'manual' only moves on advance(ms).
 * advance() works in both. Nothing ticks: each request computes the live window from now(). Segment n
 * of a session covers [start + n*seg, start + (n+1)*seg) and is listed once complete, with
 * PROGRAM-DATE-TIME = start + n*seg (+ injected skew), media sequence = mediaSequenceStart + n. The initial
 * broadcast has been live for `liveForMs` (default 60 s), so the window is full at once. Expiry, ended
 * playlist TTLs and segment grace are in fake time; stall cut-offs and header delays are real time.
 *
 * ## Handle (both fakes: FakeOriginBase in controls.ts)
 *
 *   now(), advance(ms), clock
 *   requests(kind | pred), counts(), clearLog(), waitForRequest(pred, ms), log
 *   failNext(kind | 'any', { status = 503, count = 1, body?, channel?, quality?, match? })
 *   stallNext({ kind = 'segment', count, fraction = 0.5, cutoffMs, mode: 'truncate' | 'complete' | 'reset', headerDelayMs })
 *   setSegmentCutoffMs(ms), clearFaults()
 *   channel(login) -> ChannelControl, addChannel(login, ChannelOptions) -> Promise<ChannelControl>
 *
 *   ChannelControl:
 *     goOffline({ endlist = true, playlistGoneAfterMs }) / endStream(...)   ENDLIST, usher 404, playlist 404 later
 *     goOnline({ delayMs, mediaSequenceStart, format })                     new broadcast
 *     restart({ delayMs, mediaSequenceStart, format, oldPlaylist: 404 | 403 | 'endlist' })
 *     startAd({ segments = 4, inSegments, rollType, title, daterange, scte35, discontinuity }) -> AdBreak
 *     injectDiscontinuity(inSegments = 0) -> n
 *     skewProgramDateTime(offsetMs, { segments = Infinity, inSegments })
 *     expirePlaylistUrls() -> count                                          (Twitch only; 403 afterwards)
 *     set({ masterFormat, windowSize, targetDuration, lowLatency, relativeUris, preroll, ... })
 *     status() -> { live, session, liveCount, firstSequence, lastSequence, nextSegmentAtMs, ... }
 *
 * Twitch-only (FakeTwitch): setGqlFault('integrity' | 'null-token' | 'persisted-query-not-found' | null),
 *   mintAccessToken(login, { turbo }), masterUrl(login, { path: 'v1' | 'v2', turbo, params }), playlistTokens().
 * Generic-only (FakeHlsOrigin): masterUrl, masterUrlOf(ch), mediaUrl(ch, q), setProgramDateTime(on).
 *
 * ## Segments (segments-ffmpeg.ts, timestamps.ts)
 *
 * Real H.264/AAC from ffmpeg (FFMPEG_PATH or /usr/bin/ffmpeg): a pool of `poolSize` (4) segments of
 * `segmentSeconds` (2) each, 320x180@30 by default (set `segment: { width, height, fps, videoBitrate,
 * cbr: true }` on a channel for e.g. 1080p60 at 6 Mbit/s). Cached under os.tmpdir()/tapedeck-fake-twitch.
 * Segment n plays pool[n % poolSize] with PTS/DTS/PCR (TS) or tfdt/sidx (fMP4) shifted by whole pool
 * cycles, so timestamps keep increasing. All video qualities serve the channel's spec (the master still
 * advertises the nominal resolutions); audio_only serves audio-only bytes; ads serve SMPTE bars + 880 Hz.
 * Give a quality `segment: {...}` to serve distinct bytes for it. AAC priming is trimmed at encode time so
 * audio packets tile each pool cycle exactly (no overlap at the wrap).
 *
 * ## Routes (Twitch)
 *
 *   POST /gql                                 persisted PlaybackAccessToken, plain `query` forms, batches
 *   GET  /api/channel/hls/{login}.m3u8        usher v1 path   } both serve the channel's masterFormat
 *   GET  /api/v2/channel/hls/{login}.m3u8     usher v2 path   }
 *   GET  /v1/playlist/{token}.m3u8            media playlist (per usher request, expires -> 403)
 *   GET  /v1/segment/[stitched-ad-...].{ref}.ts|.mp4   segment / fMP4 init
 *
 * Stall faults: 'truncate' sends `fraction` of the body (TS: cut where no PES is open, so the short file
 * still decodes), waits the cut-off, then ends the chunked response cleanly, like Twitch's ~60 s cut.
 *
 * test-helpers.ts has client-side helpers for tests (GQL body, usher URL, ffprobe wrappers).
 */
export { startFakeTwitch, type FakeTwitch, type FakeTwitchOptions, type MasterUrlOptions } from './twitch-server.ts';
export { startFakeHlsOrigin, GENERIC_DEFAULT_QUALITIES, type FakeHlsOrigin, type FakeHlsOriginOptions } from './generic-hls.ts';
export { ChannelControl, type ChannelStatus, type ChannelSettings, type FakeOriginBase } from './controls.ts';
export {
  DEFAULT_QUALITIES,
  type AdBreak,
  type AdOptions,
  type ChannelOptions,
  type EndOptions,
  type MasterFormat,
  type QualityOptions,
  type RestartOptions,
  type StartOptions,
} from './channel.ts';
export { FakeClock, type ClockOptions, type ClockMode } from './clock.ts';
export type { FailOptions, GqlFaultMode, StallMode, StallOptions } from './faults.ts';
export type { RequestKind, RequestLogEntry } from './request-log.ts';
export { PLAYBACK_ACCESS_TOKEN_HASH, TWITCH_WEB_CLIENT_ID, YTDLP_CLIENT_ID, type OAuthUser } from './gql.ts';
export {
  DEFAULT_SEGMENT_SPEC,
  ffmpegPath,
  getSegmentPool,
  type SegmentFormat,
  type SegmentPool,
  type SegmentSpec,
} from './segments-ffmpeg.ts';
export type { AccessTokenClaims } from './tokens.ts';
