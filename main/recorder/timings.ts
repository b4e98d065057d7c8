/**
 * Every delay, timeout and threshold of the recorder, with wubloader's values as defaults
 * (reference/wubloader.md §6), so tests can shrink them. All values are milliseconds unless named
 * otherwise.
 */
export interface RecorderTimings {
  /** Master playlist refetch interval for ordinary channels (wubloader FETCH_MIN_INTERVAL). */
  masterFetchIntervalMs: number;
  /** ... and for important (`NAME!`) channels (IMPORTANT_FETCH_MIN_INTERVAL). */
  importantMasterFetchIntervalMs: number;
  /** Master fetch soft timeout (start another fetch in parallel) and hard timeout (abort). */
  masterFetchSoftTimeoutMs: number;
  masterFetchHardTimeoutMs: number;
  /** A new media playlist URL is fetched when the newest worker is older than this (Twitch URLs expire at 24 h). */
  maxWorkerAgeTwitchMs: number;
  maxWorkerAgeGenericMs: number;
  /** Media playlist fetch soft timeout (ask for a new worker) and hard timeout (abort). */
  playlistFetchSoftTimeoutMs: number;
  playlistFetchHardTimeoutMs: number;
  /** Wait after a failed media playlist fetch. */
  playlistRetryIntervalMs: number;
  /**
   * Media playlists are polled on the target-duration cadence (RFC 8216 §6.3.4: TARGETDURATION after a
   * reload that brought something new, half of it after one that did not). This is how many ms one
   * second of TARGETDURATION is; tests running the fake clock at 10x set 100.
   */
  targetDurationScaleMs: number;
  /** Bounds of the poll interval whatever the target duration or the schedule says. */
  playlistPollMinMs: number;
  playlistPollMaxMs: number;
  /**
   * Polls aimed at the moment the next segment is listed (poll-schedule.ts), as fractions of
   * TARGETDURATION: how close the schedule tries to get (also the first retry when the segment is
   * late), and the longest retry interval while it is due.
   */
  playlistPollPrecision: number;
  playlistPollRetry: number;
  /** SegmentGetter (wubloader names in brackets): retry after an unexpected failure [UNEXPECTED_FAILURE_RETRY]. */
  segmentUnexpectedFailureRetryMs: number;
  /** Wait between download attempts [FETCH_RETRY]. */
  segmentFetchRetryMs: number;
  /** Time to response headers: soft (start a parallel attempt) / hard (abort) [FETCH_HEADERS_TIMEOUTS]. */
  segmentHeadersSoftTimeoutMs: number;
  segmentHeadersHardTimeoutMs: number;
  /** Whole download: soft / hard [FETCH_FULL_TIMEOUTS]. */
  segmentFullSoftTimeoutMs: number;
  segmentFullHardTimeoutMs: number;
  /** A download that took at least this long is `suspect` (Twitch cuts stuck requests at 60 s) [FETCH_SUSPECT_TIME]. */
  fetchSuspectTimeMs: number;
  /** Stop retrying a segment this long after first trying it [GIVE_UP_TIMEOUT]. */
  giveUpTimeoutMs: number;
  /** Concurrent segment downloads per stream worker [MAX_SEGMENT_GETTERS]. */
  maxSegmentGetters: number;
  /** PROGRAM-DATE-TIME may differ this much from previous time + duration before it counts as skew. */
  maxSegmentTimeSkewMs: number;
  /** On shutdown, in-flight downloads get this long to finish before they are cut (→ partial). */
  stopGraceMs: number;
  /** `temp` files not written by a recorder process are only touched at start-up once this old. */
  staleTempMs: number;
  /** Health (main process): playlist says live but no new segment stored for this long → stalled. */
  stalledAfterMs: number;
  /** Health: at most one `stream.status` per channel per this interval unless the state changes. */
  statusThrottleMs: number;
  /** Fraction of jitter applied to poll and retry intervals (wubloader: x * (0.9 + 0.2 * random)). */
  jitter: number;
}

export const DEFAULT_TIMINGS: RecorderTimings = {
  masterFetchIntervalMs: 20_000,
  importantMasterFetchIntervalMs: 5_000,
  masterFetchSoftTimeoutMs: 5_000,
  masterFetchHardTimeoutMs: 30_000,
  maxWorkerAgeTwitchMs: 20 * 3600_000,
  maxWorkerAgeGenericMs: 30 * 24 * 3600_000,
  playlistFetchSoftTimeoutMs: 5_000,
  playlistFetchHardTimeoutMs: 90_000,
  playlistRetryIntervalMs: 1_000,
  targetDurationScaleMs: 1_000,
  playlistPollMinMs: 50,
  playlistPollMaxMs: 10_000,
  playlistPollPrecision: 0.05,
  playlistPollRetry: 0.25,
  segmentUnexpectedFailureRetryMs: 500,
  segmentFetchRetryMs: 2_000,
  segmentHeadersSoftTimeoutMs: 5_000,
  segmentHeadersHardTimeoutMs: 60_000,
  segmentFullSoftTimeoutMs: 15_000,
  segmentFullHardTimeoutMs: 240_000,
  fetchSuspectTimeMs: 59_000,
  giveUpTimeoutMs: 20 * 60_000,
  maxSegmentGetters: 64,
  maxSegmentTimeSkewMs: 10,
  stopGraceMs: 2_000,
  staleTempMs: 15 * 60_000,
  stalledAfterMs: 30_000,
  statusThrottleMs: 1_000,
  jitter: 0.1,
};

export function resolveTimings(overrides: Partial<RecorderTimings> = {}): RecorderTimings {
  const t = { ...DEFAULT_TIMINGS };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in DEFAULT_TIMINGS)) throw new Error(`unknown recorder timing ${k}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`recorder timing ${k} must be a non-negative number`);
    (t as Record<string, number>)[k] = v;
  }
  return t;
}

/** wubloader's common.jitter: x * (1 - j + 2j * random). */
export function jitter(ms: number, fraction: number): number {
  return ms * (1 - fraction + 2 * fraction * Math.random());
}
