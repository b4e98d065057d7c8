/**
 * YouTube Data API JSON calls through googleapis, for the transcode checker (videos.list), the video
 * updater (videos.update, thumbnails.set) and the playlist sync (playlists, playlistItems).
 *
 * Every call goes through the same path:
 *   fair scheduler (per-account round robin, paced) → quota ledger charge (refused locally when the
 *   project is parked or the call would not fit) → googleapis with the per-call rootUrl (B9: the
 *   per-API rootUrl is ignored for media uploads) and gaxios retries OFF (each hidden retry would be
 *   billed without the ledger knowing) → errors mapped to typed YouTubeErrors.
 * Our own retry loop handles 5xx/429/rate limits with backoff (each retry re-charged), and one 401 with
 * a forced token refresh.
 *
 * Only googleapis' YouTube module is imported: the top-level 'googleapis' package loads every Google
 * API (~3 s and ~100 MB more per process). It is loaded on first use, so a process that only uploads
 * (resumable.ts, no googleapis) does not carry it.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { OAuth2Client } from 'google-auth-library';
import type { youtube_v3 } from 'googleapis/build/src/apis/youtube/index.js';
import { describeError } from '../secrets/redact.ts';
import type { YouTubeAccounts } from './accounts.ts';
import { backoffDelay, sleep as realSleep } from './backoff.ts';
import { isQuotaReason, isRateLimitReason, parseGoogleError, YouTubeApiError, YouTubeError } from './errors.ts';
import type { VideoMetadata } from './metadata.ts';
import type { QuotaCharge, QuotaLedger } from './quota.ts';
import type { YouTubeOp } from './quota-costs.ts';
import type { FairScheduler } from './scheduler.ts';

export type Youtube = youtube_v3.Youtube;

type YoutubeModule = typeof import('googleapis/build/src/apis/youtube/index.js');
let youtubeModule: Promise<YoutubeModule> | undefined;
const loadYoutube = () => (youtubeModule ??= import('googleapis/build/src/apis/youtube/index.js'));
export type { youtube_v3 };

export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

export interface YouTubeApiOptions {
  accounts: Pick<YouTubeAccounts, 'authClient' | 'getAccessToken' | 'projectOf' | 'authFailure'>;
  ledger?: QuotaLedger;
  scheduler?: FairScheduler;
  /** default https://youtube.googleapis.com/ */
  apiRoot?: string;
  /** attempts for transient failures (default 4) */
  maxAttempts?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Where a video stands after upload (videos.list status + processingDetails). */
export interface VideoState {
  id: string;
  /** false: YouTube does not list it (deleted, or never existed) */
  found: boolean;
  uploadStatus?: string;
  processingStatus?: string;
  failureReason?: string;
  rejectionReason?: string;
  processingFailureReason?: string;
  privacyStatus?: string;
  progress?: { partsTotal: number; partsProcessed: number; timeLeftMs: number };
  /** wubloader's definition of done: uploadStatus "processed" */
  done: boolean;
  /** it will never become done without operator action */
  failed: boolean;
}

export interface PlaylistItem {
  id: string;
  videoId: string;
  position: number;
  note?: string;
}

export interface Playlist {
  id: string;
  title: string;
  description: string;
  privacyStatus?: string;
  itemCount?: number;
}

type Update = Partial<Omit<VideoMetadata, 'title' | 'privacyStatus'>> & { title?: string; privacyStatus?: VideoMetadata['privacyStatus'] };

export class YouTubeApi {
  private readonly apiRoot: string;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly clients = new WeakMap<OAuth2Client, Youtube>();

  constructor(private readonly o: YouTubeApiOptions) {
    this.apiRoot = (o.apiRoot ?? 'https://youtube.googleapis.com/').replace(/\/*$/, '/');
    this.maxAttempts = o.maxAttempts ?? 4;
    this.sleep = o.sleep ?? realSleep;
  }

  // ---- videos -------------------------------------------------------------------------------

  /** videos.list in batches of 50 (1 unit per batch). Missing ids are simply absent. */
  async listVideos(accountId: string, ids: string[], parts: string[] = ['status', 'processingDetails']): Promise<youtube_v3.Schema$Video[]> {
    const out: youtube_v3.Schema$Video[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      const batch = ids.slice(i, i + 50);
      const res = await this.call(accountId, 'videos.list', (yt, o) => yt.videos.list({ part: parts, id: batch, maxResults: 50 }, o));
      out.push(...(res.data.items ?? []));
    }
    return out;
  }

  /** Processing state of uploaded videos, one entry per requested id (for the transcode checker). */
  async videoStates(accountId: string, ids: string[]): Promise<VideoState[]> {
    const found = new Map((await this.listVideos(accountId, ids)).map((v) => [v.id!, v]));
    return ids.map((id) => {
      const v = found.get(id);
      if (!v) return { id, found: false, done: false, failed: true };
      const s = v.status ?? {};
      const p = v.processingDetails ?? {};
      const pp = p.processingProgress;
      const state: VideoState = {
        id, found: true,
        uploadStatus: s.uploadStatus ?? undefined,
        processingStatus: p.processingStatus ?? undefined,
        failureReason: s.failureReason ?? undefined,
        rejectionReason: s.rejectionReason ?? undefined,
        processingFailureReason: p.processingFailureReason ?? undefined,
        privacyStatus: s.privacyStatus ?? undefined,
        done: s.uploadStatus === 'processed',
        failed: ['failed', 'rejected', 'deleted'].includes(s.uploadStatus ?? '') || ['failed', 'terminated'].includes(p.processingStatus ?? ''),
      };
      // uint64 values arrive as JSON strings
      if (pp) state.progress = { partsTotal: Number(pp.partsTotal ?? 0), partsProcessed: Number(pp.partsProcessed ?? 0), timeLeftMs: Number(pp.timeLeftMs ?? 0) };
      return state;
    });
  }

  /**
   * Bring a video's title/description/tags/category/privacy to `desired` (undefined fields are left
   * alone). Reads the video first (1 unit) and skips the 50-unit update when nothing differs.
   * videos.update replaces whole parts, so every writable field we do not change is sent back as read.
   */
  async updateVideo(accountId: string, videoId: string, desired: Update): Promise<{ changed: boolean; video: youtube_v3.Schema$Video }> {
    const [current] = await this.listVideos(accountId, [videoId], ['snippet', 'status']);
    if (!current) throw new YouTubeApiError(`Video ${videoId} was not found on YouTube (deleted, or owned by another channel)`, { retryable: false, status: 404, reason: 'videoNotFound' });
    const cs = current.snippet ?? {};
    const cst = current.status ?? {};
    const snippet: youtube_v3.Schema$VideoSnippet = {
      title: desired.title ?? cs.title,
      description: desired.description ?? cs.description ?? '',
      tags: desired.tags ?? cs.tags ?? [],
      categoryId: desired.categoryId ?? cs.categoryId,
    };
    const dl = desired.language ?? cs.defaultLanguage;
    const dal = desired.language ?? cs.defaultAudioLanguage;
    if (dl) snippet.defaultLanguage = dl;
    if (dal) snippet.defaultAudioLanguage = dal;
    const status: youtube_v3.Schema$VideoStatus = {
      privacyStatus: desired.privacyStatus ?? cst.privacyStatus,
      embeddable: desired.embeddable ?? cst.embeddable,
      license: desired.license ?? cst.license,
      publicStatsViewable: cst.publicStatsViewable,
      selfDeclaredMadeForKids: desired.selfDeclaredMadeForKids ?? cst.selfDeclaredMadeForKids,
    };
    const publishAt = desired.publishAt ?? cst.publishAt;
    if (publishAt && status.privacyStatus === 'private') status.publishAt = publishAt;
    const same = snippet.title === cs.title
      && snippet.description === (cs.description ?? '')
      && sameList(snippet.tags ?? [], cs.tags ?? [])
      && (snippet.categoryId ?? null) === (cs.categoryId ?? null)
      && (snippet.defaultLanguage ?? null) === (cs.defaultLanguage ?? null)
      && status.privacyStatus === cst.privacyStatus
      && (status.embeddable ?? null) === (cst.embeddable ?? null)
      && (status.license ?? null) === (cst.license ?? null)
      && (status.selfDeclaredMadeForKids ?? null) === (cst.selfDeclaredMadeForKids ?? null)
      && (status.publishAt ?? null) === (cst.publishAt ?? null);
    if (same) return { changed: false, video: current };
    const res = await this.call(accountId, 'videos.update', (yt, o) =>
      yt.videos.update({ part: ['snippet', 'status'], requestBody: { id: videoId, snippet: strip(snippet), status: strip(status) } }, o));
    return { changed: true, video: res.data };
  }

  /**
   * thumbnails.set, only when the image differs from the one last written (the caller keeps
   * `lastWrittenSha256`, like wubloader's thumbnail_last_written). Returns the hash to store.
   */
  async setThumbnail(accountId: string, videoId: string, t: { image: Buffer; mimeType?: string; lastWrittenSha256?: string | null }): Promise<{ uploaded: boolean; sha256: string }> {
    const sha256 = createHash('sha256').update(t.image).digest('hex');
    if (t.lastWrittenSha256 && t.lastWrittenSha256 === sha256) return { uploaded: false, sha256 };
    if (t.image.length > MAX_THUMBNAIL_BYTES) {
      throw new YouTubeApiError(`Thumbnail is too big (${(t.image.length / 1048576).toFixed(1)}MB, max 2MB)`, { retryable: false, reason: 'thumbnailTooBig' });
    }
    const mimeType = t.mimeType ?? (t.image.subarray(0, 4).toString('hex') === '89504e47' ? 'image/png' : 'image/jpeg');
    await this.call(accountId, 'thumbnails.set', (yt, o) =>
      // A fresh stream per attempt; the per-call rootUrl is mandatory for media methods (B9).
      yt.thumbnails.set({ videoId, media: { mimeType, body: Readable.from([t.image]) } }, o));
    return { uploaded: true, sha256 };
  }

  // ---- playlists --------------------------------------------------------------------------

  async listPlaylists(accountId: string, filter: { mine: true } | { ids: string[] }): Promise<Playlist[]> {
    const out: Playlist[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call(accountId, 'playlists.list', (yt, o) => yt.playlists.list({
        part: ['snippet', 'status', 'contentDetails'], maxResults: 50, pageToken,
        ...('mine' in filter ? { mine: true } : { id: filter.ids }),
      }, o));
      for (const p of res.data.items ?? []) {
        out.push({
          id: p.id!, title: p.snippet?.title ?? '', description: p.snippet?.description ?? '',
          privacyStatus: p.status?.privacyStatus ?? undefined, itemCount: p.contentDetails?.itemCount ?? undefined,
        });
      }
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return out;
  }

  async insertPlaylist(accountId: string, p: { title: string; description?: string; privacyStatus?: VideoMetadata['privacyStatus'] }): Promise<Playlist> {
    const res = await this.call(accountId, 'playlists.insert', (yt, o) => yt.playlists.insert({
      part: ['snippet', 'status'],
      requestBody: { snippet: { title: p.title, description: p.description ?? '' }, status: { privacyStatus: p.privacyStatus ?? 'public' } },
    }, o));
    return { id: res.data.id!, title: res.data.snippet?.title ?? p.title, description: res.data.snippet?.description ?? '', privacyStatus: res.data.status?.privacyStatus ?? undefined };
  }

  async updatePlaylist(accountId: string, p: { id: string; title: string; description?: string; privacyStatus?: VideoMetadata['privacyStatus'] }): Promise<void> {
    await this.call(accountId, 'playlists.update', (yt, o) => yt.playlists.update({
      part: ['snippet', 'status'],
      requestBody: { id: p.id, snippet: { title: p.title, description: p.description ?? '' }, status: { privacyStatus: p.privacyStatus ?? 'public' } },
    }, o));
  }

  async deletePlaylist(accountId: string, id: string): Promise<void> {
    await this.call(accountId, 'playlists.delete', (yt, o) => yt.playlists.delete({ id }, o));
  }

  /** Every item of a playlist in order (1 unit per page of 50). */
  async listPlaylistItems(accountId: string, playlistId: string): Promise<PlaylistItem[]> {
    const out: PlaylistItem[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call(accountId, 'playlistItems.list', (yt, o) =>
        yt.playlistItems.list({ part: ['snippet', 'contentDetails'], playlistId, maxResults: 50, pageToken }, o));
      for (const it of res.data.items ?? []) out.push(toItem(it));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return out;
  }

  async insertPlaylistItem(accountId: string, i: { playlistId: string; videoId: string; position?: number; note?: string }): Promise<PlaylistItem> {
    const res = await this.call(accountId, 'playlistItems.insert', (yt, o) => yt.playlistItems.insert({
      part: i.note === undefined ? ['snippet'] : ['snippet', 'contentDetails'],
      requestBody: {
        snippet: { playlistId: i.playlistId, resourceId: { kind: 'youtube#video', videoId: i.videoId }, ...(i.position === undefined ? {} : { position: i.position }) },
        ...(i.note === undefined ? {} : { contentDetails: { note: i.note } }),
      },
    }, o));
    return toItem(res.data);
  }

  /** Move an item (replace semantics: playlistId and resourceId must be sent again). */
  async updatePlaylistItem(accountId: string, i: { id: string; playlistId: string; videoId: string; position?: number; note?: string }): Promise<PlaylistItem> {
    const res = await this.call(accountId, 'playlistItems.update', (yt, o) => yt.playlistItems.update({
      part: i.note === undefined ? ['snippet'] : ['snippet', 'contentDetails'],
      requestBody: {
        id: i.id,
        snippet: { playlistId: i.playlistId, resourceId: { kind: 'youtube#video', videoId: i.videoId }, ...(i.position === undefined ? {} : { position: i.position }) },
        ...(i.note === undefined ? {} : { contentDetails: { note: i.note } }),
      },
    }, o));
    return toItem(res.data);
  }

  async deletePlaylistItem(accountId: string, id: string): Promise<void> {
    await this.call(accountId, 'playlistItems.delete', (yt, o) => yt.playlistItems.delete({ id }, o));
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private async client(accountId: string): Promise<Youtube> {
    const auth = await this.o.accounts.authClient(accountId);
    let yt = this.clients.get(auth);
    if (!yt) {
      const m = await loadYoutube();
      // CommonJS module: named export when Node's lexer finds it, else on the default export
      const youtube = m.youtube ?? (m as unknown as { default: YoutubeModule }).default.youtube;
      yt = youtube({ version: 'v3', auth, rootUrl: this.apiRoot });
      this.clients.set(auth, yt);
    }
    return yt;
  }

  /**
   * One logical call: scheduled, charged, retried. `fn` receives the client and the per-call options
   * it must pass as googleapis' second argument.
   */
  async call<T>(accountId: string, op: YouTubeOp, fn: (yt: Youtube, opts: { rootUrl: string; retry: false }) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const project = this.o.accounts.projectOf(accountId);
    let unauthorized = 0;
    let forceRefresh = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(accountId, project, op, fn, forceRefresh, signal);
      forceRefresh = false;
      if (outcome.ok) return outcome.value;
      const e = outcome.error;
      if (e.status === 401 && !e.parked) {
        // Refresh once; a freshly refreshed token being refused is not going to get better.
        if (unauthorized++ === 0) {
          forceRefresh = true;
          continue;
        }
        throw new YouTubeApiError(`${op} failed: YouTube rejected a freshly refreshed access token (401)`, { retryable: false, status: 401, reason: e.reason });
      }
      if (!e.retryable || e.parked || attempt >= this.maxAttempts) throw e;
      await this.sleep(backoffDelay(attempt, this.o.backoff), signal);
    }
  }

  private attempt<T>(
    accountId: string, project: string, op: YouTubeOp,
    fn: (yt: Youtube, opts: { rootUrl: string; retry: false }) => Promise<T>, forceRefresh: boolean, signal?: AbortSignal,
  ): Promise<{ ok: true; value: T } | { ok: false; error: YouTubeError }> {
    const run = async (): Promise<{ ok: true; value: T } | { ok: false; error: YouTubeError }> => {
      // Token first (typed invalid_grant handling, refresh outside the billed call), then the charge.
      await this.o.accounts.getAccessToken(accountId, { forceRefresh });
      const yt = await this.client(accountId);
      let charge: QuotaCharge | undefined = this.o.ledger?.charge(project, op);
      try {
        return { ok: true, value: await fn(yt, { rootUrl: this.apiRoot, retry: false }) };
      } catch (e) {
        const err = this.translate(accountId, project, op, e);
        if (err.status === 401 && charge) {
          this.o.ledger?.refund(charge);
          charge = undefined;
        }
        return { ok: false, error: err };
      }
    };
    return this.o.scheduler ? this.o.scheduler.run(accountId, run, signal) : run();
  }

  private translate(accountId: string, project: string, op: YouTubeOp, e: unknown): YouTubeError {
    if (e instanceof YouTubeError) return e;
    const grant = this.o.accounts.authFailure(accountId, e);
    if (grant) return grant;
    const res = (e as { response?: { status?: number; data?: unknown } }).response;
    if (!res?.status) {
      return new YouTubeApiError(`${op} failed: ${describeError(e)}`, { retryable: true });
    }
    const info = parseGoogleError(res.status, res.data);
    if (isQuotaReason(info.reason) && this.o.ledger) return this.o.ledger.park(project, op, `YouTube answered ${info.reason} to ${op}`);
    const retryable = res.status === 401 || res.status >= 500 || res.status === 408 || res.status === 429 || isRateLimitReason(info.reason) || isQuotaReason(info.reason);
    return new YouTubeApiError(`${op} failed: ${info.status}${info.reason ? ` ${info.reason}` : ''} ${info.message}`, { retryable, status: res.status, reason: info.reason });
  }
}

function toItem(it: youtube_v3.Schema$PlaylistItem): PlaylistItem {
  const item: PlaylistItem = {
    id: it.id!,
    videoId: it.snippet?.resourceId?.videoId ?? it.contentDetails?.videoId ?? '',
    position: it.snippet?.position ?? 0,
  };
  if (it.contentDetails?.note) item.note = it.contentDetails.note;
  return item;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}
