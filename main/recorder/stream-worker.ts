/**
 * StreamWorker (wubloader downloader/main.py): polls one media playlist URL and starts a SegmentGetter
 * for every new content segment.
 *
 * - Polls when the next segment is expected to be listed (poll-schedule.ts: its end per the playlist's
 *   times plus the origin's lag, learnt from the polls), retrying quickly while it is due; otherwise,
 *   and never slower than, wubloader's target-duration cadence (RFC 8216 §6.3.4: TARGETDURATION after
 *   a reload that brought new segments, half of it otherwise), jittered. A reload identical to the
 *   previous one is not parsed again.
 * - De-duplicates by media sequence within the worker; across workers (overlap on renewal) by the
 *   segment's PROGRAM-DATE-TIME + duration, which is its store name (see SegmentGetter).
 * - Segment time: its PROGRAM-DATE-TIME, else previous time + previous duration. A playlist with no
 *   PROGRAM-DATE-TIME at all (generic origins) is anchored once on the wall clock at the live edge and
 *   then carried forward by media sequence.
 * - Ads are skipped, never written: `twitch-stitched-ad` / `stitched-ad-*` DATERANGEs, `Amazon` EXTINF
 *   titles, legacy SCTE35 blocks. Their time still advances the clock, so the gap they leave in the
 *   store is exactly the ad's length and shows as a hole.
 * - Time skew (Twitch only): PROGRAM-DATE-TIME more than maxSegmentTimeSkewMs away from previous time +
 *   duration (not across a discontinuity or an ad edge, where jumps are legitimate) → ask for a new
 *   worker once and mark this worker's further segments suspect.
 * - Failure → ask the manager for a new worker; a failed first fetch, or 403/404 (expired URL), stops
 *   this worker; otherwise it keeps going until the new worker has content at its live edge and this
 *   one has covered what came before it (handOver). ENDLIST → ask for a new worker and stop.
 * - A playlist that stops changing for 3 x TARGETDURATION without ENDLIST (Twitch sometimes just stops)
 *   makes the manager check the master playlist, so usher's 404 can declare the channel offline.
 * - One keep-alive connection pool per worker (a renewal starts from a fresh pool).
 */
import { Deadlines } from './deadlines.ts';
import { HttpPool, HttpStatusError, redactUrl, requestText, TimeoutError } from './http.ts';
import { adDateRanges, adReason, parseMediaPlaylist, type MediaPlaylist } from './hls.ts';
import { TOPIC_AD, TOPIC_SKEW, type AdMessage, type SkewMessage } from './messages.ts';
import type { StreamPhase } from './messages.ts';
import { PollSchedule } from './poll-schedule.ts';
import { InitCache, SegmentGetter, type StreamContext } from './segment-getter.ts';
import { jitter } from './timings.ts';
import { deferred, errorMessage, Semaphore, sleep } from './util.ts';

export type WorkerPhase = Exclude<StreamPhase, 'offline'>;

/** What a worker needs from its manager (ChannelRecorder). */
export interface WorkerManager {
  readonly skewDetection: boolean;
  /** w has content at its live edge, continuous from firstContentUs: older workers may hand over */
  markWorking(w: StreamWorker, firstContentUs: number): void;
  /** w's playlist has not changed for 3 x TARGETDURATION */
  playlistStale(w: StreamWorker): void;
  triggerNewWorker(w: StreamWorker, reason: string): void;
  phaseChanged(w: StreamWorker): void;
}

let nextId = 1;

export class StreamWorker {
  readonly id = nextId++;
  phase: WorkerPhase = 'starting';
  /** has had content at its live edge (past any preroll) */
  working = false;
  /** the playlist has not changed for 3 x TARGETDURATION */
  stale = false;
  private lastChangeAt = performance.now();
  /** stopped because the playlist ended (ENDLIST) */
  endedByEndlist = false;
  readonly done = deferred<void>();
  private readonly getters = new Map<number, SegmentGetter>();
  private readonly pool = new HttpPool();
  private readonly initCache = new InitCache();
  private readonly stopSignal = new AbortController();
  private readonly semaphore: Semaphore;
  private suspiciousSkew = false;
  private readonly adsSeen = new Set<number>();
  private maxSequence = -Infinity;
  /** highest media sequence in the first playlist fetched */
  private firstFetchMax: number | null = null;
  /** end (µs) of the latest segment seen in this worker's playlist */
  private lastEnd = -Infinity;
  private handoverUs: number | null = null;
  /** performance.now() of the first handOver() */
  private handoverAt: number | null = null;
  /** end (µs) and duration (s) of the last segment of the latest playlist */
  private edge: { endUs: number; duration: number } | null = null;
  private readonly schedule: PollSchedule;
  /** the media playlist request in flight */
  private pollAbort: AbortController | null = null;

  constructor(
    private readonly manager: WorkerManager,
    readonly ctx: StreamContext,
    readonly url: string,
    /** performance.now() when the master playlist that gave this URL was fetched */
    readonly urlTime: number,
  ) {
    this.semaphore = new Semaphore(Math.max(1, ctx.timings.maxSegmentGetters));
    const t = ctx.timings;
    this.schedule = new PollSchedule({
      scaleMs: t.targetDurationScaleMs, minMs: t.playlistPollMinMs, maxMs: t.playlistPollMaxMs, jitter: t.jitter,
      precisionFraction: t.playlistPollPrecision, retryFraction: t.playlistPollRetry,
    });
  }

  get quality(): string {
    return this.ctx.quality;
  }

  /** Age of this worker's URL, ms. */
  age(): number {
    return performance.now() - this.urlTime;
  }

  get stopping(): boolean {
    return this.stopSignal.signal.aborted;
  }

  /**
   * A newer worker has content from `untilUs` on: keep polling until this worker's playlist has shown
   * everything before that instant, then stop (at most a few more polls). Closes the window in which
   * the segments between the old worker's last poll and the new worker's first content would be lost.
   */
  handOver(untilUs: number): void {
    if (this.stopping) return;
    this.handoverUs = this.handoverUs === null ? untilUs : Math.min(this.handoverUs, untilUs);
    this.handoverAt ??= performance.now();
    if (this.lastEnd >= this.handoverUs) this.stop();
  }

  /** Stop polling; segments already being fetched finish (see shutdown for a hard stop). */
  stop(): void {
    if (this.stopSignal.signal.aborted) return;
    this.stopSignal.abort();
    this.pollAbort?.abort(new Error('worker stopping'));
  }

  /** Stop, give in-flight downloads graceMs, then cut them (their bytes become partial segments). */
  async shutdown(graceMs: number): Promise<void> {
    this.stop();
    const timer = setTimeout(() => {
      for (const g of this.getters.values()) g.abort();
    }, graceMs);
    await this.done.promise;
    clearTimeout(timer);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.ctx.log(level, `[${this.ctx.channel}/${this.ctx.quality} worker ${this.id}] ${message}`);
  }

  private setPhase(p: WorkerPhase): void {
    if (this.phase === p) return;
    this.phase = p;
    this.manager.phaseChanged(this);
  }

  async run(): Promise<void> {
    const t = this.ctx.timings;
    this.log('info', `starting on ${redactUrl(this.url)}`);
    let first = true;
    /** the latest playlist's text and parse: an unchanged reload is not parsed again */
    let lastText: string | null = null;
    let playlist: MediaPlaylist | null = null;
    try {
      while (!this.stopping) {
        const cycleStart = performance.now();
        /** a reload that differs from the previous one, parsed */
        let fresh: MediaPlaylist | null = null;
        // One timer for both timeouts (deadlines.ts); stop() aborts the poll through pollAbort.
        const ac = new AbortController();
        this.pollAbort = ac;
        const deadlines = new Deadlines([
          { afterMs: t.playlistFetchHardTimeoutMs, fire: () => ac.abort(new TimeoutError(`media playlist took over ${t.playlistFetchHardTimeoutMs} ms`)) },
          {
            afterMs: t.playlistFetchSoftTimeoutMs,
            fire: () => {
              this.log('warn', `media playlist slow (soft timeout ${t.playlistFetchSoftTimeoutMs} ms): asking for a new worker`);
              this.manager.triggerNewWorker(this, 'slow media playlist');
            },
          },
        ]);
        try {
          const res = await requestText(this.url, { pool: this.pool, signal: ac.signal });
          if (res.text !== lastText || playlist === null) {
            lastText = null;
            fresh = parseMediaPlaylist(res.text, res.url);
            lastText = res.text;
          }
        } catch (e) {
          if (this.stopping) break;
          this.log('warn', `failed to fetch media playlist: ${errorMessage(e)}`);
          this.manager.triggerNewWorker(this, `media playlist: ${errorMessage(e)}`);
          if (first) {
            this.log('warn', 'failed on first fetch, stopping');
            this.stop();
          } else if (e instanceof HttpStatusError && (e.status === 403 || e.status === 404)) {
            this.log('warn', `media playlist answered ${e.status} (expired), stopping`);
            this.stop();
          }
          await sleep(jitter(t.playlistRetryIntervalMs, t.jitter), this.stopSignal.signal);
          continue;
        } finally {
          deadlines.clear();
          this.pollAbort = null;
        }
        first = false;
        const answeredAt = performance.now();
        let changed = false;
        try {
          if (fresh) {
            playlist = fresh;
            changed = this.process(fresh);
          }
        } catch (e) {
          this.log('error', `cannot use media playlist: ${errorMessage(e)}`);
          this.manager.triggerNewWorker(this, errorMessage(e));
          this.stop();
          break;
        }
        if (!playlist) continue; // (cannot happen: an unchanged reload implies an earlier parse)
        if (playlist.endList) {
          this.log('info', 'playlist has ENDLIST: stopping');
          this.endedByEndlist = true;
          this.setPhase('ended');
          // A new worker picks the stream up again if it was only briefly down (wubloader does the same).
          this.manager.triggerNewWorker(this, 'ENDLIST');
          this.stop();
          break;
        }
        const target = (playlist.targetDuration || 2) * t.targetDurationScaleMs;
        if (this.handoverAt !== null && (this.lastEnd >= this.handoverUs! || performance.now() - this.handoverAt > 5 * target)) {
          this.log('info', 'handed over to a newer worker: stopping');
          this.stop();
          break;
        }
        if (changed) {
          this.lastChangeAt = performance.now();
          if (this.stale) {
            this.stale = false;
            this.manager.phaseChanged(this);
          }
        } else if (!this.stale && performance.now() - this.lastChangeAt > 3 * target) {
          this.stale = true;
          this.manager.playlistStale(this);
        }
        const delay = this.schedule.next({ startedAt: cycleStart, at: answeredAt, changed, edge: this.edge, targetDuration: playlist.targetDuration });
        await sleep(delay, this.stopSignal.signal);
      }
    } catch (e) {
      this.log('error', `worker failed: ${errorMessage(e)}`);
      this.manager.triggerNewWorker(this, errorMessage(e));
    } finally {
      await Promise.all([...this.getters.values()].map((g) => g.done.promise));
      this.pool.destroy();
      this.log('info', 'stopped');
      this.done.resolve();
    }
  }

  /** Start getters for new content segments. Returns whether the playlist brought anything new. */
  private process(pl: MediaPlaylist): boolean {
    const t = this.ctx.timings;
    const ranges = adDateRanges(pl);
    const segs = pl.segments;
    let date: number | null = null;
    if (segs.length && segs[0]!.programDateTime === null) date = this.anchor(pl);
    let expected: number | null = null;
    let prevAd = false;
    let lastIsAd: boolean | null = null;
    /** start of the run of content segments that reaches the end of the playlist */
    let trailingContent: number | null = null;
    let newAds = 0;
    let adWhy = '';
    const previousMax = this.maxSequence;
    for (const seg of segs) {
      if (date === null && seg.programDateTime === null) throw new Error(`cannot determine the date of segment ${seg.sequence}`);
      const start: number = seg.programDateTime ?? date!;
      const why = adReason(seg, start, ranges);
      if (seg.programDateTime !== null && this.manager.skewDetection && expected !== null && !why && !prevAd && !seg.discontinuity) {
        const skewUs = seg.programDateTime - expected;
        if (Math.abs(skewUs) > t.maxSegmentTimeSkewMs * 1000 && !this.suspiciousSkew) {
          this.suspiciousSkew = true;
          this.log('warn', `PROGRAM-DATE-TIME skew of ${(skewUs / 1000).toFixed(1)} ms at segment ${seg.sequence}: further segments of this worker are suspect; asking for a new worker`);
          const m: SkewMessage = { channel: this.ctx.channel, quality: this.ctx.quality, skewMs: skewUs / 1000, at: Date.now() };
          this.ctx.publish(TOPIC_SKEW, m, `${this.ctx.channel}/${this.ctx.quality}`);
          this.manager.triggerNewWorker(this, 'time skew');
        }
      }
      if (seg.programDateTime === null) this.ctx.seqTimes.set(seg.sequence, start);
      if (why) {
        if (!this.adsSeen.has(seg.sequence)) {
          this.adsSeen.add(seg.sequence);
          newAds++;
          adWhy ||= why;
        }
        prevAd = true;
        lastIsAd = true;
        trailingContent = null;
      } else {
        prevAd = false;
        lastIsAd = false;
        trailingContent ??= start;
        if (!this.getters.has(seg.sequence)) this.startGetter(seg, start);
      }
      this.maxSequence = Math.max(this.maxSequence, seg.sequence);
      expected = start + Math.round(seg.duration * 1_000_000);
      this.lastEnd = Math.max(this.lastEnd, expected);
      date = expected;
    }
    const last = segs[segs.length - 1];
    this.edge = last && expected !== null ? { endUs: expected, duration: last.duration } : null;
    if (newAds > 0) {
      const m: AdMessage = { channel: this.ctx.channel, quality: this.ctx.quality, count: newAds, reason: adWhy, at: Date.now() };
      this.ctx.publish(TOPIC_AD, m, `${this.ctx.channel}/${this.ctx.quality}`);
    }
    // Forget what left the window.
    const firstSeq = segs[0]?.sequence ?? Infinity;
    for (const [seq, g] of this.getters) if (seq < firstSeq && g.done.settled) this.getters.delete(seq);
    for (const seq of this.adsSeen) if (seq < firstSeq) this.adsSeen.delete(seq);
    if (this.ctx.seqTimes.size > 4 * segs.length + 100) {
      for (const seq of this.ctx.seqTimes.keys()) if (seq < firstSeq) this.ctx.seqTimes.delete(seq);
    }
    if (lastIsAd !== null && !pl.endList) this.setPhase(lastIsAd ? 'ad' : 'live');
    // Working = new content at the live edge, i.e. a content segment that appeared after this worker's
    // first fetch (a preroll starts at the segment being produced when the URL was issued, so the first
    // playlist cannot show it yet). Older workers keep going until they have covered everything before
    // this worker's trailing run of content (its preroll).
    this.firstFetchMax ??= this.maxSequence;
    const newContentAtEdge = lastIsAd === false && (segs[segs.length - 1]?.sequence ?? -Infinity) > this.firstFetchMax;
    if (newContentAtEdge && trailingContent !== null && !this.working) {
      this.working = true;
      this.manager.markWorking(this, trailingContent);
    }
    return this.maxSequence > previousMax;
  }

  /**
   * Start time of the first segment of a playlist that has no PROGRAM-DATE-TIME there: from a later
   * segment's PROGRAM-DATE-TIME, else from the time this stream already gave that media sequence (shared
   * by the stream's workers, so a renewal does not re-time segments), else the wall clock at the live
   * edge. A known time that would put the live edge more than 10 minutes off the wall clock (the origin
   * restarted its sequence numbers) is not trusted.
   */
  private anchor(pl: MediaPlaylist): number {
    let acc = 0;
    const total = pl.segments.reduce((a, s) => a + Math.round(s.duration * 1_000_000), 0);
    const now = Date.now() * 1000;
    for (const s of pl.segments) {
      if (s.programDateTime !== null) return s.programDateTime - acc;
      const known = this.ctx.seqTimes.get(s.sequence);
      if (known !== undefined && Math.abs(known - acc + total - now) < 600_000_000) return known - acc;
      acc += Math.round(s.duration * 1_000_000);
    }
    // Never seen: the last segment ends at the live edge, now.
    return now - total;
  }

  private startGetter(seg: MediaPlaylist['segments'][number], start: number): void {
    const g = new SegmentGetter(
      this.ctx,
      { uri: seg.uri, byteRange: seg.byteRange, sequence: seg.sequence, start, duration: seg.duration, map: seg.map },
      this.pool, this.initCache, this.suspiciousSkew,
    );
    this.getters.set(seg.sequence, g);
    void (async () => {
      const release = await this.semaphore.acquire();
      try {
        await g.run();
      } catch (e) {
        this.log('error', `segment getter crashed: ${errorMessage(e)}`);
      } finally {
        release();
      }
    })();
  }

  /** Getters still working (for tests and shutdown). */
  inflight(): number {
    let n = 0;
    for (const g of this.getters.values()) if (!g.done.settled) n++;
    return n;
  }
}
