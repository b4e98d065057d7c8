/**
 * StreamsManager (wubloader downloader/main.py), one per channel: fetches the master playlist (through
 * the provider), keeps one StreamWorker per quality running, and starts a new worker when
 * - a quality has no worker (stream came up),
 * - a worker asks for one (playlist failure or expiry, ENDLIST, time skew, slow playlist),
 * - the newest worker's URL is older than the provider's maximum worker age.
 * A new worker overlaps the old one until it has content at its live edge (markWorking, wubloader's
 * "first non-ad segment"); the old one then hands over once its own playlist has covered everything
 * before the new worker's trailing run of content, so a renewal that lands in a preroll loses nothing.
 * The master playlist is refetched only when needed, never more often than every 20 s (5 s for
 * important channels), which is also the polling rate while the channel is offline.
 */
import type { ChannelConfig } from '../core/config.ts';
import type { SegmentStore } from '../media/segments/store.ts';
import { HttpPool, redactUrl, TimeoutError } from './http.ts';
import { TOPIC_CHANNEL, TOPIC_ERROR, type ChannelMessage, type ErrorMessage, type Log, type Publish, type StreamPhase } from './messages.ts';
import type { Provider } from './providers.ts';
import { HourFolders } from './segment-file.ts';
import type { GetterResult, StreamContext } from './segment-getter.ts';
import { StreamWorker, type WorkerManager } from './stream-worker.ts';
import { jitter, type RecorderTimings } from './timings.ts';
import { errorMessage, Flag, sleep } from './util.ts';

const PHASE_ORDER: StreamPhase[] = ['live', 'ad', 'offline', 'ended', 'starting'];

export class ChannelRecorder implements WorkerManager {
  readonly workers = new Map<string, StreamWorker[]>();
  private readonly contexts = new Map<string, StreamContext>();
  private readonly latestUrls = new Map<string, { url: string; fetchedAt: number }>();
  private readonly newWorkerWanted = new Set<string>();
  private readonly endedQualities = new Set<string>();
  private readonly refreshNeeded = new Flag();
  private readonly stopSignal = new AbortController();
  private readonly pool = new HttpPool(8);
  private master: 'unknown' | 'offline' | 'live' = 'unknown';
  private reason: string | null = null;
  private lastPublished = '';
  private lastMissingWarning = '';
  private running: Promise<void> | null = null;

  constructor(
    readonly channel: ChannelConfig,
    readonly provider: Provider,
    store: SegmentStore,
    private readonly timings: RecorderTimings,
    private readonly publish: Publish,
    private readonly logFn: Log,
  ) {
    for (const q of provider.qualities) {
      this.workers.set(q, []);
      this.contexts.set(q, {
        store, channel: channel.name, quality: q, timings, publish, log: logFn, inflight: new Map<string, Promise<GetterResult>>(),
        seqTimes: new Map<number, number>(), folders: new HourFolders(),
      });
    }
  }

  get skewDetection(): boolean {
    return this.provider.skewDetection;
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.logFn(level, `[${this.channel.name}] ${message}`);
  }

  start(): void {
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    const interval = this.channel.important ? this.timings.importantMasterFetchIntervalMs : this.timings.masterFetchIntervalMs;
    this.refreshNeeded.set(); // first round: go at once
    const stopped = new Promise<void>((r) => this.stopSignal.signal.addEventListener('abort', () => r(), { once: true }));
    while (!this.stopSignal.signal.aborted) {
      const ages = [...this.workers.values()].filter((ws) => ws.length).map((ws) => this.provider.maxWorkerAgeMs - ws[ws.length - 1]!.age());
      const untilMaxAge = ages.length ? Math.max(0, Math.min(...ages)) : Infinity;
      const wake = new AbortController();
      const timer = Number.isFinite(untilMaxAge) ? sleep(untilMaxAge, wake.signal) : new Promise<void>(() => {});
      await Promise.race([this.refreshNeeded.wait(), timer, stopped]);
      wake.abort(); // drop the max-age timer
      if (this.stopSignal.signal.aborted) break;
      this.refreshNeeded.clear();
      void this.fetchLatest();
      await sleep(jitter(interval, this.timings.jitter), this.stopSignal.signal);
    }
  }

  triggerRefresh(): void {
    this.refreshNeeded.set();
  }

  private async fetchLatest(): Promise<void> {
    const t = this.timings;
    const ac = new AbortController();
    const hard = setTimeout(() => ac.abort(new TimeoutError(`master playlist took over ${t.masterFetchHardTimeoutMs} ms`)), t.masterFetchHardTimeoutMs);
    const soft = setTimeout(() => {
      this.log('warn', `master playlist slow (soft timeout ${t.masterFetchSoftTimeoutMs} ms): fetching again in parallel`);
      this.triggerRefresh();
    }, t.masterFetchSoftTimeoutMs);
    const onStop = () => ac.abort(new Error('stopping'));
    this.stopSignal.signal.addEventListener('abort', onStop, { once: true });
    const fetchedAt = performance.now();
    try {
      const result = await this.provider.getMediaUrls(this.pool, ac.signal);
      if (this.stopSignal.signal.aborted) return;
      if (result.offline) {
        // Logged once per change (wubloader logs every retry, at INFO only for important channels).
        if (this.master !== 'offline') this.log('info', `stream is not up (${result.reason})`);
        this.master = 'offline';
        this.reason = result.reason;
        this.triggerRefresh();
        return;
      }
      if (this.master !== 'live') this.log('info', 'master playlist says live');
      this.master = 'live';
      this.reason = null;
      const missing = result.missing.join(',');
      if (missing && missing !== this.lastMissingWarning) {
        this.log('warn', `qualities not in the master playlist: ${missing}; will retry`);
        this.error(null, `qualities not offered: ${missing}`);
      }
      this.lastMissingWarning = missing;
      if (result.missing.length) this.triggerRefresh();
      for (const [q, url] of result.urls) {
        const workers = this.workers.get(q);
        if (!workers) continue;
        this.latestUrls.set(q, { url, fetchedAt });
        const latest = workers[workers.length - 1];
        if (this.newWorkerWanted.has(q)) this.startWorker(q, 'requested');
        else if (!latest) this.startWorker(q, 'none running');
        // (a new worker on the very same URL would only see the same frozen playlist)
        else if (latest.stale && latest.url !== url) {
          // Keep the stale one as a fallback, but never pile up frozen workers during a long stall.
          for (const w of workers.slice(0, -1)) if (w.stale) w.stop();
          this.startWorker(q, 'the newest worker\'s playlist stopped changing');
        }
        else if (latest.age() > this.provider.maxWorkerAgeMs) this.startWorker(q, `newest worker older than ${Math.round(this.provider.maxWorkerAgeMs / 1000)} s`);
      }
    } catch (e) {
      if (this.stopSignal.signal.aborted) return;
      this.log('warn', `failed to fetch master playlist: ${errorMessage(e)}`);
      this.reason = errorMessage(e);
      this.error(null, `master playlist: ${errorMessage(e)}`);
      // On a hard timeout the soft timeout already queued another fetch.
      if (!(e instanceof TimeoutError)) this.triggerRefresh();
    } finally {
      clearTimeout(hard);
      clearTimeout(soft);
      this.stopSignal.signal.removeEventListener('abort', onStop);
      this.publishStatus();
    }
  }

  private error(quality: string | null, message: string): void {
    const m: ErrorMessage = { channel: this.channel.name, quality, message, at: Date.now() };
    this.publish(TOPIC_ERROR, m, this.channel.name);
  }

  private startWorker(quality: string, why: string): void {
    if (this.stopSignal.signal.aborted) return;
    const u = this.latestUrls.get(quality);
    if (!u) return;
    this.newWorkerWanted.delete(quality);
    const w = new StreamWorker(this, this.contexts.get(quality)!, u.url, u.fetchedAt);
    this.log('info', `starting worker ${w.id} for ${quality} (${why}) on ${redactUrl(u.url)}`);
    const list = this.workers.get(quality)!;
    list.push(w);
    void w.run().finally(() => {
      const i = list.indexOf(w);
      if (i >= 0) list.splice(i, 1);
      this.publishStatus();
    });
    this.publishStatus();
  }

  playlistStale(w: StreamWorker): void {
    // A frozen playlist without ENDLIST may mean the broadcast ended: ask usher (404 = offline).
    this.log('info', `worker ${w.id}: media playlist unchanged for a while, checking the master playlist`);
    this.triggerRefresh();
    this.publishStatus();
  }

  markWorking(w: StreamWorker, firstContentUs: number): void {
    const list = this.workers.get(w.quality)!;
    const i = list.indexOf(w);
    for (const old of list.slice(0, Math.max(0, i))) {
      if (!old.stopping) this.log('info', `worker ${w.id} is working: older worker ${old.id} hands over`);
      old.handOver(firstContentUs);
    }
  }

  triggerNewWorker(w: StreamWorker, reason: string): void {
    const list = this.workers.get(w.quality)!;
    if (list[list.length - 1] !== w) return; // only the newest worker may ask
    if (!this.newWorkerWanted.has(w.quality)) this.log('info', `new worker for ${w.quality} requested by worker ${w.id}: ${reason}`);
    this.newWorkerWanted.add(w.quality);
    this.triggerRefresh();
  }

  phaseChanged(w: StreamWorker): void {
    if (w.phase === 'live' || w.phase === 'ad') this.endedQualities.delete(w.quality);
    if (w.phase === 'ended') this.endedQualities.add(w.quality);
    this.publishStatus();
  }

  private qualityPhase(q: string): StreamPhase {
    // A worker whose playlist froze does not outvote usher saying offline.
    const phases = new Set((this.workers.get(q) ?? []).filter((w) => !w.stale || this.master !== 'offline').map((w) => w.phase));
    if (phases.has('live')) return 'live';
    if (phases.has('ad')) return 'ad';
    if (this.master === 'offline') return 'offline';
    if (this.endedQualities.has(q)) return 'ended';
    return this.master === 'live' ? 'starting' : 'offline';
  }

  status(): ChannelMessage {
    const qualities: ChannelMessage['qualities'] = {};
    for (const q of this.workers.keys()) {
      qualities[q] = { phase: this.qualityPhase(q), workers: this.workers.get(q)!.length };
    }
    const phases = Object.values(qualities).map((x) => x.phase);
    const phase = PHASE_ORDER.find((p) => phases.includes(p)) ?? 'offline';
    return {
      channel: this.channel.name, important: this.channel.important, provider: this.provider.kind,
      phase, reason: this.reason, qualities, at: Date.now(),
    };
  }

  /** Publish the channel status if it changed (or always, with force). */
  publishStatus(force = false): void {
    if (this.master === 'unknown' && !force) return;
    const s = this.status();
    const sig = JSON.stringify({ ...s, at: 0 });
    if (!force && sig === this.lastPublished) return;
    this.lastPublished = sig;
    this.publish(TOPIC_CHANNEL, s, this.channel.name);
  }

  /** Downloads in flight across this channel's workers. */
  inflight(): number {
    let n = 0;
    for (const ws of this.workers.values()) for (const w of ws) n += w.inflight();
    return n;
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    const all = [...this.workers.values()].flat();
    await Promise.all(all.map((w) => w.shutdown(this.timings.stopGraceMs)));
    await this.running;
    this.pool.destroy();
  }
}
