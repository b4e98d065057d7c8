/**
 * SegmentGetter (wubloader downloader/main.py): fetches one segment and writes it into the store.
 *
 * - Streams the body to `PREFIX-temp-rec.<pid>.<uuid>.ts` in the hour folder while hashing (few large
 *   writes, see segment-file.ts), fsyncs, then links it to its typed, content-addressed name, removes
 *   the temp name and fsyncs the folder (commitSegment). If the final name exists already (another
 *   worker, another node via backfill) the bytes are identical.
 * - "Is there a full copy already?" is answered from what the stream knows about the hour folder (one
 *   listing when the folder is first used, then its own commits); a retry lists the folder again.
 * - Type: `full`; `suspect` when the download took >= FETCH_SUSPECT_TIME (Twitch's 60 s cut-off
 *   returns "incomplete but valid data"), when 0 bytes arrived, or when the worker saw a time skew;
 *   `partial` when the transfer failed after the temp file was created (whatever arrived, hashed).
 * - Soft timeouts (headers, whole download) start another attempt in parallel; hard timeouts abort.
 *   The first attempt uses the worker's keep-alive pool, every retry a fresh pool.
 * - 403/404 = the URL has expired: give up (a hole, which is the honest result). Any other failure is
 *   retried after jitter(FETCH_RETRY) until a full copy exists or GIVE_UP_TIMEOUT has passed.
 * - fMP4 segments (EXT-X-MAP) are remuxed to MPEG-TS first (see remux.ts); the init segment is
 *   fetched once per worker and URI.
 * - Several workers may list the same segment (overlap on renewal): a getter waits for an earlier
 *   getter of the same segment and only downloads if that one did not produce a full copy.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { hashFile } from '../media/segments/hash.ts';
import { formatHour, segmentFilename, segmentPrefix, type SegmentType } from '../media/segments/names.ts';
import { writeFileDurably, type SegmentStore } from '../media/segments/store.ts';
import { getSegmentResponse, HttpPool, HttpStatusError, openRequest, readBody, redactUrl, TimeoutError, type SegmentResponse } from './http.ts';
import type { ByteRange } from './hls.ts';
import { TOPIC_ERROR, TOPIC_SEGMENT, type ErrorMessage, type Log, type Publish, type SegmentMessage } from './messages.ts';
import { remuxFmp4ToTs } from './remux.ts';
import { commitSegment, HourFolders, SegmentFile, type HourFolder } from './segment-file.ts';
import { Deadlines } from './deadlines.ts';
import { jitter, type RecorderTimings } from './timings.ts';
import { deferred, errorMessage, sleep } from './util.ts';

/** Marker in temp names written by a recorder process: `rec.<pid>.<uuid>` (see recovery.ts). */
export const TEMP_MARKER = 'rec';
export const tempArg = () => `${TEMP_MARKER}.${process.pid}.${randomUUID()}`;

export type GetterResult = 'full' | 'suspect' | 'partial' | 'exists' | 'expired' | 'gave-up' | 'stopped';

/** Everything a getter shares with the other getters of one channel/quality. */
export interface StreamContext {
  store: SegmentStore;
  channel: string;
  quality: string;
  timings: RecorderTimings;
  publish: Publish;
  log: Log;
  /** in-flight getters by segment prefix, across this stream's workers */
  inflight: Map<string, Promise<GetterResult>>;
  /** start times (µs) given to segments of a playlist without PROGRAM-DATE-TIME, by media sequence */
  seqTimes: Map<number, number>;
  /** the hour folders this stream writes to: existence, full copies (see segment-file.ts) */
  folders: HourFolders;
}

export interface SegmentToGet {
  uri: string;
  byteRange: ByteRange | null;
  sequence: number;
  /** epoch µs */
  start: number;
  /** seconds (EXTINF) */
  duration: number;
  map: { uri: string; byteRange: ByteRange | null } | null;
}

/** fMP4 init segments of one worker, fetched once per URI (again after a failure). */
export class InitCache {
  private cache = new Map<string, Promise<Buffer>>();

  get(map: { uri: string; byteRange: ByteRange | null }, pool: HttpPool, signal: AbortSignal): Promise<Buffer> {
    const key = `${map.uri}#${map.byteRange ? `${map.byteRange.offset}+${map.byteRange.length}` : ''}`;
    let p = this.cache.get(key);
    if (!p) {
      p = (async () => {
        const res = await openRequest(map.uri, { pool, signal, headers: rangeHeader(map.byteRange) });
        const body = await readBody(res);
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) throw new HttpStatusError(status, map.uri, '');
        return body;
      })();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }
}

function rangeHeader(r: ByteRange | null): Record<string, string> {
  return r ? { range: `bytes=${r.offset}-${r.offset + r.length - 1}` } : {};
}

async function listOrNull(dir: string): Promise<string[] | null> {
  try {
    return await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export class SegmentGetter {
  private readonly prefix: string;
  private readonly hourDir: string;
  private readonly hourRel: string;
  private readonly attempts = new Set<AbortController>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly stopSignal = new AbortController();
  /** set when a full copy exists: remaining attempts are cancelled and their temp files dropped */
  private superseded = false;
  readonly done = deferred<GetterResult>();

  constructor(
    private readonly ctx: StreamContext,
    readonly seg: SegmentToGet,
    private readonly pool: HttpPool,
    private readonly initCache: InitCache,
    /** the worker saw a PROGRAM-DATE-TIME skew: whatever this gets is suspect */
    private readonly skewSuspect: boolean,
  ) {
    this.prefix = segmentPrefix(seg.start, seg.duration);
    this.hourRel = `${ctx.channel}/${ctx.quality}/${formatHour(seg.start)}`;
    this.hourDir = join(ctx.store.root, ctx.channel, ctx.quality, formatHour(seg.start));
  }

  get key(): string {
    return `${this.hourRel}/${this.prefix}`;
  }

  /** Cut every download in flight (their bytes become partial segments) and stop retrying. */
  abort(): void {
    this.stopSignal.abort(new Error('recorder stopping'));
    for (const a of this.attempts) a.abort(new Error('recorder stopping'));
  }

  async run(): Promise<GetterResult> {
    let result: GetterResult = 'stopped';
    try {
      const prior = this.ctx.inflight.get(this.key);
      if (prior) {
        const r = await prior;
        if (r === 'full' || r === 'exists') {
          result = 'exists';
          return result;
        }
      }
      this.ctx.inflight.set(this.key, this.done.promise);
      result = await this.loop();
      return result;
    } finally {
      if (result === 'full' || result === 'exists') {
        this.superseded = true;
        for (const a of this.attempts) a.abort(new Error('superseded by a full copy'));
      }
      // Attempts still running (soft-timeout duplicates, or cut by abort()) settle before we report done,
      // so no temp file outlives its getter.
      await Promise.allSettled([...this.running]);
      if (this.ctx.inflight.get(this.key) === this.done.promise) this.ctx.inflight.delete(this.key);
      this.done.resolve(result);
    }
  }

  private folder(): Promise<HourFolder> {
    return this.ctx.folders.get(this.hourDir, listOrNull);
  }

  private async loop(): Promise<GetterResult> {
    const t = this.ctx.timings;
    const started = performance.now();
    const success = deferred<GetterResult>();
    let first = true;
    const stopped = new Promise<'stop'>((r) => {
      if (this.stopSignal.signal.aborted) r('stop');
      else this.stopSignal.signal.addEventListener('abort', () => r('stop'), { once: true });
    });
    while (!this.stopSignal.signal.aborted) {
      try {
        if (success.settled) return success.promise;
        if (await this.exists(!first)) return 'exists';
        if (performance.now() - started > t.giveUpTimeoutMs) {
          this.error(`giving up on segment ${this.seg.sequence} (${this.prefix}) after ${Math.round(t.giveUpTimeoutMs / 1000)} s of failures`);
          return 'gave-up';
        }
        const retry = deferred<'soft'>();
        const pool = first ? this.pool : new HttpPool();
        const attempt = this.attempt(pool, () => retry.resolve('soft')).finally(() => {
          if (pool !== this.pool) pool.destroy();
          this.running.delete(attempt);
        });
        this.running.add(attempt);
        first = false;
        void attempt.then((r) => {
          if (r !== null) success.resolve(r);
        });
        const outcome = await Promise.race([success.promise, attempt.then((r) => r ?? 'failed'), retry.promise, stopped]);
        if (outcome === 'stop') break;
        if (outcome === 'soft') continue; // soft timeout: start another attempt right away
        if (outcome !== 'failed') return outcome;
        const waited = await Promise.race([
          sleep(jitter(t.segmentFetchRetryMs, t.jitter), this.stopSignal.signal).then(() => 'slept' as const),
          retry.promise,
          success.promise,
        ]);
        if (waited !== 'slept' && waited !== 'soft') return waited;
      } catch (e) {
        // Unexpected (filesystem, bug): log and carry on, like wubloader's run() loop.
        this.error(`unexpected failure getting segment ${this.seg.sequence}: ${errorMessage(e)}`);
        await sleep(jitter(t.segmentUnexpectedFailureRetryMs, t.jitter), this.stopSignal.signal);
      }
    }
    return 'stopped';
  }

  /**
   * A full copy of this segment (same start and duration) is already in the store. Before the first
   * attempt this asks what the stream knows (the folder's listing when first used, plus every full
   * copy stored since); before a retry, time has passed (another node's copy may have arrived through
   * backfill), so the folder is listed again, like wubloader does before every attempt.
   */
  private async exists(relist: boolean): Promise<boolean> {
    const folder = await this.folder();
    if (relist && !folder.hasFull(this.prefix)) {
      const names = await listOrNull(this.hourDir);
      if (names) folder.noteListing(names);
    }
    return folder.hasFull(this.prefix);
  }

  private error(message: string): void {
    this.ctx.log('warn', `[${this.ctx.channel}/${this.ctx.quality}] ${message}`);
    const m: ErrorMessage = { channel: this.ctx.channel, quality: this.ctx.quality, message, at: Date.now() };
    this.ctx.publish(TOPIC_ERROR, m, this.ctx.channel);
  }

  private stored(type: Exclude<SegmentType, 'temp'>, name: string, bytes: number, downloadMs: number): void {
    const m: SegmentMessage = {
      channel: this.ctx.channel, quality: this.ctx.quality, type, bytes, start: this.seg.start, duration: this.seg.duration,
      path: `${this.hourRel}/${name}`, downloadMs: Math.round(downloadMs), at: Date.now(),
    };
    this.ctx.publish(TOPIC_SEGMENT, m, `${this.ctx.channel}/${this.ctx.quality}`);
  }

  private classify(elapsedMs: number, bytes: number): 'full' | 'suspect' {
    if (this.skewSuspect || bytes === 0 || elapsedMs >= this.ctx.timings.fetchSuspectTimeMs) return 'suspect';
    return 'full';
  }

  /**
   * One download attempt. Resolves with the result when the attempt settled the segment (stored it,
   * or found the URL expired), or null when it failed and another attempt may help.
   */
  private async attempt(pool: HttpPool, onSoftTimeout: () => void): Promise<GetterResult | null> {
    const t = this.ctx.timings;
    const ac = new AbortController();
    this.attempts.add(ac);
    const deadlines = new Deadlines([
      { afterMs: t.segmentHeadersHardTimeoutMs, group: 'head', fire: () => ac.abort(new TimeoutError(`no response headers after ${t.segmentHeadersHardTimeoutMs} ms`)) },
      { afterMs: t.segmentHeadersSoftTimeoutMs, group: 'head', fire: onSoftTimeout },
      { afterMs: t.segmentFullHardTimeoutMs, fire: () => ac.abort(new TimeoutError(`download not finished after ${t.segmentFullHardTimeoutMs} ms`)) },
      { afterMs: t.segmentFullSoftTimeoutMs, fire: onSoftTimeout },
    ]);
    const t0 = performance.now();
    let file: SegmentFile | null = null;
    /** the temp file holds body bytes from here on (a failure keeps them as partial) */
    let bodyStarted = false;
    try {
      const folder = await this.folder();
      // MPEG-TS: the temp file is opened before the request, so the body goes to disk from its first
      // byte (see FastPool.get). fMP4 bodies are remuxed whole instead (getFmp4).
      if (!this.seg.map) {
        const temp = join(this.hourDir, segmentFilename(this.seg.start, this.seg.duration, 'temp', tempArg()));
        file = await SegmentFile.create(temp, () => folder.ensure(true));
      }
      const res = await getSegmentResponse(this.seg.uri, { pool, signal: ac.signal, headers: rangeHeader(this.seg.byteRange), sink: file ?? undefined });
      deadlines.cancel('head');
      const status = res.status;
      if (status === 403 || status === 404) {
        res.discard();
        this.error(`segment ${this.seg.sequence} (${this.prefix}) answered ${status}: URL expired, giving up (hole)`);
        return 'expired';
      }
      if (status < 200 || status >= 300) {
        const body = await res.read(4096).catch(() => Buffer.alloc(0));
        throw new HttpStatusError(status, this.seg.uri, body.toString('utf8'));
      }
      if (!file) {
        await folder.ensure();
        return await this.getFmp4(res, pool, ac.signal, t0);
      }
      bodyStarted = true;
      await res.pipe(file);
      const elapsed = performance.now() - t0;
      const type = this.classify(elapsed, file.bytes);
      const name = segmentFilename(this.seg.start, this.seg.duration, type, file.digest());
      await file.commit(join(this.hourDir, name));
      const bytes = file.bytes;
      file = null;
      if (type === 'full') folder.addFull(this.prefix);
      this.stored(type, name, bytes, elapsed);
      return type;
    } catch (e) {
      if (!this.superseded && !this.stopSignal.signal.aborted) {
        this.ctx.log('warn', `[${this.ctx.channel}/${this.ctx.quality}] segment ${this.seg.sequence} from ${redactUrl(this.seg.uri)} failed: ${errorMessage(e)}`);
      }
      return null;
    } finally {
      deadlines.clear();
      this.attempts.delete(ac);
      if (file) {
        // Not stored: before a 2xx answer the temp file holds nothing of the segment (dropped); after
        // it, whatever arrived is kept as partial.
        await file.abandon();
        if (bodyStarted) await this.salvageTemp(file.path, performance.now() - t0);
        else await fsp.unlink(file.path).catch(() => {});
      }
    }
  }

  /** The transfer failed after the temp file existed: keep what arrived as `partial` (hash re-read from disk). */
  private async salvageTemp(temp: string, elapsedMs: number): Promise<void> {
    try {
      if (this.superseded) {
        await fsp.unlink(temp);
        return;
      }
      const fh = await fsp.open(temp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const size = (await fsp.stat(temp)).size;
      const name = segmentFilename(this.seg.start, this.seg.duration, 'partial', await hashFile(temp));
      await commitSegment(temp, join(this.hourDir, name));
      this.stored('partial', name, size, elapsedMs);
    } catch (e) {
      this.ctx.log('error', `[${this.ctx.channel}/${this.ctx.quality}] could not keep partial ${temp}: ${errorMessage(e)}`);
    }
  }

  private async getFmp4(res: SegmentResponse, pool: HttpPool, signal: AbortSignal, t0: number): Promise<GetterResult> {
    const init = await this.initCache.get(this.seg.map!, pool, signal);
    const chunks: Buffer[] = [];
    let readError: unknown = null;
    try {
      await res.pipe({ resume: null, write: (chunk) => chunks.push(Buffer.from(chunk)) > 0 });
    } catch (e) {
      readError = e;
    }
    const elapsed = performance.now() - t0;
    const raw = Buffer.concat(chunks);
    if (readError !== null) {
      if (!this.superseded && raw.length > 0) {
        const ts = await remuxFmp4ToTs(init, raw, { salvage: true });
        // Nothing playable in what arrived: there is no partial worth keeping (noted in the log).
        if (ts.length > 0) await this.writeWhole(ts, 'partial', elapsed);
      }
      throw readError;
    }
    const ts = await remuxFmp4ToTs(init, raw, { signal });
    const type = this.classify(elapsed, raw.length);
    await this.writeWhole(ts, type, elapsed);
    return type;
  }

  private async writeWhole(data: Buffer, type: Exclude<SegmentType, 'temp'>, elapsedMs: number): Promise<void> {
    const temp = join(this.hourDir, segmentFilename(this.seg.start, this.seg.duration, 'temp', tempArg()));
    const name = segmentFilename(this.seg.start, this.seg.duration, type, createHash('sha256').update(data).digest('base64url'));
    try {
      await writeFileDurably(temp, data);
      await commitSegment(temp, join(this.hourDir, name));
    } catch (e) {
      await fsp.unlink(temp).catch(() => {});
      throw e;
    }
    if (type === 'full') void this.folder().then((f) => f.addFull(this.prefix), () => {});
    this.stored(type, name, data.length, elapsedMs);
  }
}
