/**
 * Resumable video uploads (protocols.md B6.1). googleapis' videos.insert sends one multipart POST and
 * cannot resume, so this is our own client:
 *
 *   start   POST {root}upload/youtube/v3/videos?uploadType=resumable&part=snippet,status  → Location
 *   chunks  PUT <session> Content-Range: bytes a-b/total, sizes in multiples of 256 KiB, streamed
 *           from the file → 308 Range: bytes=0-N (what YouTube persisted) | 200/201 video JSON
 *   status  PUT <session> Content-Range: bytes * /total → 308 Range | 200/201
 *
 * Failure handling:
 *   5xx, 408, 429, rate limits, connection reset/timeout → backoff with jitter, ask the status,
 *       resume from the confirmed byte; after `maxRetries` failures in a row without progress a
 *       retryable UploadError (the journal keeps the session; the next attempt resumes it).
 *   401 → refresh the access token, ask the status, resume (twice in a row at most).
 *   404/410 on the session → it expired: start a new session from byte 0.
 *   quotaExceeded at session start → QuotaParkedError (project parked until midnight Pacific).
 *   invalid_grant while refreshing → AccountNeedsReconnectError.
 *   other 4xx → non-retryable UploadError carrying Google's reason.
 *
 * Exactly-once: the session URI, confirmed byte and video id are journaled (fsynced) as soon as they
 * are known, keyed by job id. A job with a recorded video id returns it without uploading; a journaled
 * session is resumed rather than replaced; a session whose final bytes were sent but whose outcome is
 * unknown (and which YouTube no longer knows) is reported as "may have uploaded" instead of being
 * uploaded twice.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { backoffDelay, retryAfterMs, sleep as realSleep } from './backoff.ts';
import type { TokenProvider } from './accounts.ts';
import {
  isQuotaReason, isRateLimitReason, parseGoogleError, UploadError, YouTubeError, type GoogleErrorInfo,
} from './errors.ts';
import { NetworkError, send, type HttpResponse } from './http.ts';
import { UploadJournal, type JournalEntry } from './journal.ts';
import { toResource, type VideoMetadata } from './metadata.ts';
import type { QuotaCharge, QuotaLedger } from './quota.ts';
import type { FairScheduler } from './scheduler.ts';

export const CHUNK_GRANULARITY = 256 * 1024;
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

export interface UploadRequest {
  /** stable id of the job (event id): the journal key */
  jobId: string;
  accountId: string;
  filePath: string;
  metadata: VideoMetadata;
  /** default video/mp2t (what the cutter produces) */
  mimeType?: string;
  notifySubscribers?: boolean;
}

export interface UploadProgress {
  jobId: string;
  bytesConfirmed: number;
  totalBytes: number;
  /** average over this attempt, bytes/s */
  bytesPerSecond: number;
  /** null until a rate is known */
  etaSeconds: number | null;
}

export interface UploadResult {
  videoId: string;
  video: Record<string, unknown>;
  /** the journal already had the video id (a previous attempt finished); nothing was sent */
  alreadyUploaded: boolean;
  /** the upload continued a session from an earlier attempt */
  resumed: boolean;
}

export interface ResumableUploaderOptions {
  tokens: TokenProvider;
  /** where journals live (DATA/youtube/uploads) */
  journalDir: string;
  /** charged for each session start (videos.insert) and consulted before it */
  ledger?: QuotaLedger;
  /** paces session starts together with the account's other API calls */
  scheduler?: FairScheduler;
  /** default https://www.googleapis.com/ */
  uploadRoot?: string;
  /** bytes per PUT, a multiple of 256 KiB (default 8 MiB) */
  chunkSize?: number;
  /** failures in a row without progress before giving up this attempt (default 8) */
  maxRetries?: number;
  /** new sessions after 404/410 before giving up this attempt (default 3) */
  maxSessionRestarts?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** socket idle timeout per request (default 120 s) */
  idleTimeoutMs?: number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface UploadCallOptions {
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  /**
   * Called (and awaited) before the request carrying the last byte is first sent — the point after
   * which the video may exist even if we never hear back. The cutter marks its job FINALIZING here
   * (wubloader semantics), so a job another node picks up after a crash is not uploaded twice.
   * Throwing (e.g. the job was cancelled) stops the upload before the final bytes go out.
   */
  beforeFinalChunk?: () => Promise<void> | void;
}

/** Outcome of one request against the session. */
type SessionAnswer =
  | { kind: 'complete'; video: Record<string, unknown> }
  | { kind: 'progress'; confirmed: number }
  | { kind: 'gone' }
  | { kind: 'unauthorized' }
  | { kind: 'transient'; why: string; waitMs?: number }
  | { kind: 'fatal'; error: UploadError };

export class ResumableUploader {
  readonly journal: UploadJournal;
  private readonly o: Required<Omit<ResumableUploaderOptions, 'ledger' | 'scheduler' | 'backoff'>> & Pick<ResumableUploaderOptions, 'ledger' | 'scheduler' | 'backoff'>;

  constructor(opts: ResumableUploaderOptions) {
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (chunkSize <= 0 || chunkSize % CHUNK_GRANULARITY !== 0) {
      throw new Error(`chunkSize must be a positive multiple of ${CHUNK_GRANULARITY} bytes (256 KiB), got ${chunkSize}`);
    }
    this.o = {
      uploadRoot: 'https://www.googleapis.com/',
      maxRetries: 8,
      maxSessionRestarts: 3,
      idleTimeoutMs: 120_000,
      random: Math.random,
      sleep: realSleep,
      now: Date.now,
      ...opts,
      chunkSize,
    };
    this.o.uploadRoot = this.o.uploadRoot.replace(/\/*$/, '/');
    this.journal = new UploadJournal(opts.journalDir);
  }

  /** What the journal knows about a job (video id once uploaded), without touching the network. */
  status(jobId: string): JournalEntry | undefined {
    return this.journal.load(jobId);
  }

  /**
   * Forget a job's journal (the operator reset the job and wants a fresh upload). Refused when the
   * final bytes of a session were sent and the outcome is unknown, unless `force`.
   */
  discard(jobId: string, opts: { force?: boolean } = {}): void {
    const j = this.journal.load(jobId);
    if (j?.session?.finalSent && !j.videoId && !opts.force) {
      throw new UploadError(`job ${jobId}: the whole file was sent to YouTube and the outcome is unknown; check the channel before discarding`, { retryable: false, mayHaveUploaded: true });
    }
    this.journal.remove(jobId);
  }

  async upload(req: UploadRequest, call: UploadCallOptions = {}): Promise<UploadResult> {
    const { signal } = call;
    const mimeType = req.mimeType ?? 'video/mp2t';
    let st;
    try {
      st = await stat(req.filePath);
    } catch (e) {
      // Local disk errors are retryable (wubloader): the cut may be regenerated.
      throw new UploadError(`cannot read ${req.filePath}: ${(e as Error).message}`, { retryable: true });
    }
    const total = st.size;
    if (total === 0) throw new UploadError(`${req.filePath} is empty`, { retryable: false });
    const resource = toResource(req.metadata);
    const metadataHash = createHash('sha256').update(JSON.stringify([resource, mimeType, req.notifySubscribers ?? null])).digest('hex');
    const project = this.o.tokens.projectOf(req.accountId);

    let j = this.journal.load(req.jobId);
    if (j?.videoId) return { videoId: j.videoId, video: j.video ?? { id: j.videoId }, alreadyUploaded: true, resumed: false };

    const sameInputs = j && j.accountId === req.accountId && j.file.path === req.filePath && j.file.size === total
      && j.file.mtimeMs === st.mtimeMs && j.metadataHash === metadataHash;
    if (j && !sameInputs && j.session) {
      // The job changed since its session started. Unless that session already produced the video,
      // its bytes/metadata no longer apply.
      const r = await this.settleOldSession(j, req.accountId, signal);
      if (r) return r;
    }
    if (!j || !sameInputs) {
      j = {
        version: 1, jobId: req.jobId, accountId: req.accountId, project,
        file: { path: req.filePath, size: total, mtimeMs: st.mtimeMs }, metadataHash,
        confirmed: 0, abandoned: j?.abandoned ?? [],
      };
      this.journal.save(j);
    }
    const entry = j;
    const resumed = !!entry.session;

    const t0 = this.o.now();
    const startBytes = entry.confirmed;
    const progress = () => {
      const elapsed = (this.o.now() - t0) / 1000;
      const rate = elapsed > 0 ? (entry.confirmed - startBytes) / elapsed : 0;
      call.onProgress?.({
        jobId: req.jobId, bytesConfirmed: entry.confirmed, totalBytes: total, bytesPerSecond: Math.round(rate),
        etaSeconds: rate > 0 ? Math.round((total - entry.confirmed) / rate) : null,
      });
    };

    let failures = 0;
    let unauthorized = 0;
    let restarts = 0;
    let needStatus = resumed;
    let forceRefresh = false;
    let finalAnnounced = false;
    const fail = async (why: string, waitMs?: number) => {
      failures++;
      if (failures > this.o.maxRetries) {
        throw new UploadError(`${why} (gave up after ${failures} attempts in a row; ${entry.confirmed} of ${total} bytes confirmed, the next attempt resumes there)`, { retryable: true });
      }
      await this.o.sleep(waitMs ?? backoffDelay(failures, { ...this.o.backoff, random: this.o.random }), signal);
      needStatus = true;
    };

    for (;;) {
      signal?.throwIfAborted();
      const token = await this.o.tokens.getAccessToken(req.accountId, { forceRefresh });
      forceRefresh = false;

      if (!entry.session) {
        const started = await this.startSession(req, entry, resource, mimeType, token, signal);
        if (started.kind === 'retry') {
          if (started.unauthorized) {
            if (++unauthorized > 2) throw new UploadError('YouTube kept rejecting fresh access tokens (401) when creating the video', { retryable: false, status: 401 });
            forceRefresh = true;
          } else await fail(started.why, started.waitMs);
          continue;
        }
        unauthorized = 0;
        needStatus = false;
        progress();
      }
      const session = entry.session!;

      let answer: SessionAnswer;
      if (needStatus) {
        answer = await this.ask(session.uri, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-range': `bytes */${total}` } }, signal);
        if (answer.kind === 'progress') {
          needStatus = false;
          if (answer.confirmed < total && session.finalSent) session.finalSent = false;
        }
      } else {
        const start = entry.confirmed;
        if (start >= total) {
          // Every byte is confirmed but no video came back (a 308 for the last byte): ask again.
          await fail('YouTube confirmed every byte but has not returned the video yet');
          continue;
        }
        const end = Math.min(start + this.o.chunkSize, total) - 1;
        if (end === total - 1 && !session.finalSent) {
          if (!finalAnnounced) {
            await call.beforeFinalChunk?.();
            finalAnnounced = true;
          }
          session.finalSent = true;
          this.journal.save(entry);
        }
        answer = await this.ask(session.uri, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': mimeType, 'content-range': `bytes ${start}-${end}/${total}` },
          body: { path: req.filePath, start, end },
        }, signal);
        if (answer.kind === 'progress' && answer.confirmed <= start) {
          // YouTube kept nothing of this chunk: count it as a failure so a stuck session cannot loop forever.
          await fail(`YouTube persisted none of bytes ${start}-${end}`);
          continue;
        }
      }

      switch (answer.kind) {
        case 'complete': {
          const id = typeof answer.video.id === 'string' ? answer.video.id : undefined;
          if (!id) {
            await fail('the upload completed but the response carried no video id');
            continue;
          }
          entry.confirmed = total;
          entry.videoId = id;
          entry.video = answer.video;
          entry.completedAt = this.o.now();
          this.journal.save(entry);
          progress();
          return { videoId: id, video: answer.video, alreadyUploaded: false, resumed };
        }
        case 'progress':
          if (answer.confirmed > total) {
            throw new UploadError(`YouTube claims ${answer.confirmed} bytes of a ${total}-byte file`, { retryable: false });
          }
          if (answer.confirmed !== entry.confirmed) {
            if (answer.confirmed > entry.confirmed) failures = 0;
            entry.confirmed = answer.confirmed;
            this.journal.save(entry);
            progress();
          }
          unauthorized = 0;
          break;
        case 'unauthorized':
          if (++unauthorized > 2) throw new UploadError('YouTube kept rejecting fresh access tokens (401) during the upload', { retryable: false, status: 401 });
          forceRefresh = true;
          needStatus = true;
          break;
        case 'gone':
          if (session.finalSent) {
            throw new UploadError(
              `the upload session expired after the whole file was sent; the video may exist on YouTube (check the channel, then reset the job)`,
              { retryable: false, status: 404, mayHaveUploaded: true });
          }
          if (++restarts > this.o.maxSessionRestarts) {
            throw new UploadError(`YouTube dropped ${restarts} upload sessions in a row`, { retryable: true, status: 404 });
          }
          entry.abandoned.push({ uri: session.uri, at: this.o.now(), why: 'session not found (404/410)' });
          delete entry.session;
          entry.confirmed = 0;
          this.journal.save(entry);
          progress();
          break;
        case 'transient':
          await fail(answer.why, answer.waitMs);
          break;
        case 'fatal':
          throw answer.error;
      }
    }
  }

  /**
   * The job's inputs changed while a session was on record: find out whether that session finished
   * (then the video exists and is the job's result) and otherwise retire it.
   */
  private async settleOldSession(j: JournalEntry, accountId: string, signal?: AbortSignal): Promise<UploadResult | undefined> {
    const session = j.session!;
    const token = await this.o.tokens.getAccessToken(j.accountId || accountId);
    const answer = await this.ask(session.uri, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-range': `bytes */${j.file.size}` } }, signal);
    if (answer.kind === 'complete' && typeof answer.video.id === 'string') {
      j.videoId = answer.video.id;
      j.video = answer.video;
      j.completedAt = this.o.now();
      this.journal.save(j);
      return { videoId: j.videoId, video: answer.video, alreadyUploaded: true, resumed: false };
    }
    if (answer.kind === 'progress' || (answer.kind === 'gone' && !session.finalSent)) {
      j.abandoned.push({ uri: session.uri, at: this.o.now(), why: 'the file or metadata of the job changed' });
      delete j.session;
      this.journal.save(j);
      return undefined;
    }
    throw new UploadError(
      answer.kind === 'fatal' ? answer.error.detail
        : answer.kind === 'gone' ? 'an earlier upload of this job sent the whole file and its outcome is unknown; the video may exist on YouTube (check the channel, then reset the job)'
          : `cannot check the earlier upload session of this job (${answer.kind === 'transient' ? answer.why : answer.kind})`,
      { retryable: answer.kind === 'transient' || answer.kind === 'unauthorized', mayHaveUploaded: answer.kind === 'gone' });
  }

  private async startSession(
    req: UploadRequest, entry: JournalEntry, resource: ReturnType<typeof toResource>, mimeType: string, token: string, signal?: AbortSignal,
  ): Promise<{ kind: 'started' } | { kind: 'retry'; why: string; waitMs?: number; unauthorized?: boolean }> {
    const url = `${this.o.uploadRoot}upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`
      + (req.notifySubscribers === false ? '&notifySubscribers=false' : '');
    const body = JSON.stringify(resource);
    let charge: QuotaCharge | undefined;
    const doStart = async () => {
      // Charged before the call: refused locally (QuotaParkedError) when it would not fit.
      charge = this.o.ledger?.charge(entry.project, 'videos.insert');
      try {
        return await send({
          method: 'POST', url, body, idleTimeoutMs: this.o.idleTimeoutMs, signal,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json; charset=UTF-8',
            'x-upload-content-length': String(entry.file.size),
            'x-upload-content-type': mimeType,
          },
        });
      } catch (e) {
        if (e instanceof NetworkError) return e;
        throw e;
      }
    };
    const r = this.o.scheduler ? await this.o.scheduler.run(req.accountId, doStart, signal) : await doStart();
    if (r instanceof NetworkError) return { kind: 'retry', why: `creating the upload session failed: ${r.message}` };
    if (r.status === 200 || r.status === 201) {
      const loc = r.headers.location;
      if (!loc) throw new UploadError('YouTube did not return an upload session URI (no Location header)', { retryable: true, status: r.status });
      entry.session = { uri: new URL(loc, url).toString(), startedAt: this.o.now(), finalSent: false };
      entry.confirmed = 0;
      this.journal.save(entry);
      return { kind: 'started' };
    }
    const info = parseGoogleError(r.status, r.body);
    if (r.status === 401) {
      if (charge) this.o.ledger?.refund(charge);
      return { kind: 'retry', why: 'access token rejected', unauthorized: true };
    }
    if (isQuotaReason(info.reason)) {
      throw this.o.ledger ? this.o.ledger.park(entry.project, 'videos.insert', `YouTube answered ${info.reason} when creating the video`)
        : new UploadError(`YouTube quota exhausted (${info.reason})`, { retryable: true, status: r.status, reason: info.reason });
    }
    if (transientStatus(r.status) || isRateLimitReason(info.reason)) {
      return { kind: 'retry', why: describe('creating the upload session', info), waitMs: retryAfterMs(r.headers['retry-after'], this.o.now(), this.o.backoff?.maxMs ?? 60_000) };
    }
    // Bad metadata, forbidden privacy, upload limit: the create call failing is not retryable.
    throw new UploadError(describe('YouTube refused to create the video', info), { retryable: false, status: r.status, reason: info.reason });
  }

  private async ask(uri: string, opts: { method: string; headers: Record<string, string>; body?: { path: string; start: number; end: number } }, signal?: AbortSignal): Promise<SessionAnswer> {
    let r: HttpResponse;
    try {
      r = await send({ ...opts, url: uri, idleTimeoutMs: this.o.idleTimeoutMs, signal });
    } catch (e) {
      if (e instanceof NetworkError) return { kind: 'transient', why: `connection failed: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}` };
      throw e;
    }
    // Some front ends answer 200 + X-HTTP-Status-Code-Override: 308 (X-GUploader-No-308 style).
    const status = r.headers['x-http-status-code-override'] === '308' ? 308 : r.status;
    if (status === 308) return { kind: 'progress', confirmed: parseRange(r.headers.range) };
    if (status === 200 || status === 201) {
      try {
        const video = JSON.parse(r.body) as Record<string, unknown>;
        if (video && typeof video === 'object') return { kind: 'complete', video };
      } catch {
        // fall through
      }
      return { kind: 'transient', why: 'unreadable final response' };
    }
    if (status === 401) return { kind: 'unauthorized' };
    if (status === 404 || status === 410) return { kind: 'gone' };
    const info = parseGoogleError(status, r.body);
    if (transientStatus(status) || isRateLimitReason(info.reason)) {
      return { kind: 'transient', why: describe('YouTube', info), waitMs: retryAfterMs(r.headers['retry-after'], this.o.now(), this.o.backoff?.maxMs ?? 60_000) };
    }
    return { kind: 'fatal', error: new UploadError(describe('YouTube rejected the upload data', info), { retryable: false, status, reason: info.reason }) };
  }
}

function transientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function describe(what: string, info: GoogleErrorInfo): string {
  return `${what}: ${info.status}${info.reason ? ` ${info.reason}` : ''} ${info.message}`.trim();
}

/** "bytes=0-N" → N+1; absent → 0 (nothing persisted yet). */
export function parseRange(h: string | undefined): number {
  if (!h) return 0;
  const m = /bytes=(\d+)-(\d+)/.exec(h);
  if (!m) throw new YouTubeError(`unexpected Range header from YouTube: ${h.slice(0, 80)}`, { retryable: true });
  if (Number(m[1]) !== 0) throw new YouTubeError(`YouTube persisted a range not starting at 0: ${h.slice(0, 80)}`, { retryable: true });
  return Number(m[2]) + 1;
}
