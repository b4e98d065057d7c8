/**
 * Videos: the store, the processing lifecycle, and videos.list / update / delete.
 *
 * Lifecycle (protocols.md B6.5): when an upload completes the video is
 *   status.uploadStatus = "uploaded", processingDetails.processingStatus = "processing"
 * with processingProgress {partsTotal, partsProcessed, timeLeftMs} as *strings*
 * (they are uint64 in the API). After `durationMs` of (injectable) clock time —
 * or when a test calls finishProcessing() — it reaches its scripted outcome:
 *   'succeeded' → processed / succeeded
 *   'failed'    → failed (failureReason, default "codec") / failed (processingFailureReason "transcodeFailed")
 *   'rejected'  → rejected (rejectionReason, default "duplicate") / succeeded
 *   'deleted'   → the id vanishes: videos.list simply omits it (not an error)
 *   'stuck'     → stays processing forever
 * A zero-byte upload fails with failureReason "emptyFile" unless scripted otherwise.
 */
import type { Ctx, Rc } from './context.ts';
import { ApiError, errors } from './errors.ts';
import { etagOf, newVideoId } from './ids.ts';
import { isoSeconds, listParam, readJsonBody, sendEmpty, sendJson } from './http.ts';
import { pacificDayKey } from './clock.ts';
import {
  DEFAULT_CATEGORIES,
  metadataErrors,
  validateSnippet,
  validateStatus,
  type VideoSnippet,
  type VideoStatus,
} from './metadata.ts';

export type ProcessingOutcome = 'succeeded' | 'failed' | 'rejected' | 'deleted' | 'stuck';

export interface ProcessingScript {
  outcome?: ProcessingOutcome;
  /** Clock time from upload completion to the outcome (default: options.processingMs). */
  durationMs?: number;
  failureReason?: string;
  rejectionReason?: string;
  processingFailureReason?: string;
}

export interface MediaInfo {
  sha256: string;
  size: number;
  mimeType: string;
  /** File holding the bytes when options.storageDir is set. */
  path?: string;
}

export interface ThumbnailInfo {
  sha256: string;
  size: number;
  mimeType: string;
  setAt: number;
  /** How many times thumbnails.set succeeded for this video. */
  count: number;
}

export interface VideoRecord {
  id: string;
  channelId: string;
  createdAt: number;
  snippet: VideoSnippet;
  status: VideoStatus;
  notifySubscribers: boolean;
  processing: Required<Omit<ProcessingScript, 'failureReason' | 'rejectionReason' | 'processingFailureReason'>> & {
    startedAt: number;
    forcedDone: boolean;
    failureReason: string;
    rejectionReason: string;
    processingFailureReason: string;
  };
  media?: MediaInfo;
  thumbnail?: ThumbnailInfo;
  /** Removed by videos.delete, by deleteVideo(), or by a 'deleted' processing outcome. */
  deleted: boolean;
  source: 'upload' | 'seed';
  uploadId?: string;
  updates: number;
}

/** Seed data for addVideo(). */
export interface VideoSeed {
  id?: string;
  channelId?: string;
  title?: string;
  description?: string;
  tags?: string[];
  categoryId?: string;
  privacyStatus?: 'public' | 'unlisted' | 'private';
  /** Already processed (default true for seeded videos). */
  processed?: boolean;
  processing?: ProcessingScript;
}

export interface LifecycleState {
  gone: boolean;
  uploadStatus: 'uploaded' | 'processed' | 'failed' | 'rejected' | 'deleted';
  processingStatus: 'processing' | 'succeeded' | 'failed' | 'terminated';
  failureReason?: string;
  rejectionReason?: string;
  processingFailureReason?: string;
  progress?: { partsTotal: string; partsProcessed: string; timeLeftMs: string };
}

export const VIDEO_PARTS = new Set([
  'id',
  'snippet',
  'status',
  'contentDetails',
  'fileDetails',
  'processingDetails',
  'statistics',
  'player',
  'topicDetails',
  'recordingDetails',
  'liveStreamingDetails',
  'localizations',
  'suggestions',
  'paidProductPlacementDetails',
]);
const OWNER_ONLY_PARTS = new Set(['fileDetails', 'processingDetails', 'suggestions']);

/** Validate a `part` list: required, known names only. */
export function requireParts(url: URL, allowed: Set<string>): string[] {
  const parts = listParam(url, 'part');
  if (parts.length === 0) throw errors.requiredParameter('part');
  for (const p of parts) if (!allowed.has(p)) throw errors.unknownPart(p);
  return parts;
}

export const videoNotFound = () =>
  new ApiError(404, 'videoNotFound', 'The video that you are trying to access cannot be found.', {
    domain: 'youtube.video',
    location: 'id',
    locationType: 'parameter',
    billable: true,
  });

export class VideoStore {
  readonly byId = new Map<string, VideoRecord>();
  /** Scripts applied to the next uploads, in order. */
  readonly nextScripts: ProcessingScript[] = [];
  readonly categories: Record<string, string> = { ...DEFAULT_CATEGORIES };

  constructor(private readonly ctx: () => Ctx) {}

  private scriptFor(explicit: ProcessingScript | undefined, size: number | undefined): VideoRecord['processing'] {
    const ctx = this.ctx();
    const s = explicit ?? this.nextScripts.shift() ?? (size === 0 ? { outcome: 'failed', failureReason: 'emptyFile' } : {});
    return {
      outcome: s.outcome ?? 'succeeded',
      durationMs: s.durationMs ?? ctx.opts.processingMs,
      failureReason: s.failureReason ?? 'codec',
      rejectionReason: s.rejectionReason ?? 'duplicate',
      processingFailureReason: s.processingFailureReason ?? 'transcodeFailed',
      startedAt: ctx.clock(),
      forcedDone: false,
    };
  }

  /** Create the video for a completed upload. */
  createFromUpload(init: {
    channelId: string;
    snippet: VideoSnippet;
    status: VideoStatus;
    notifySubscribers: boolean;
    media: MediaInfo;
    uploadId?: string;
    startedAt: number;
  }): VideoRecord {
    let id = newVideoId();
    while (this.byId.has(id)) id = newVideoId();
    const rec: VideoRecord = {
      id,
      channelId: init.channelId,
      createdAt: init.startedAt,
      snippet: init.snippet,
      status: init.status,
      notifySubscribers: init.notifySubscribers,
      processing: this.scriptFor(undefined, init.media.size),
      media: init.media,
      deleted: false,
      source: 'upload',
      uploadId: init.uploadId,
      updates: 0,
    };
    this.byId.set(id, rec);
    return rec;
  }

  /** Seed a video directly (e.g. one that "already exists" on the channel). */
  add(seed: VideoSeed = {}): VideoRecord {
    const ctx = this.ctx();
    const id = seed.id ?? newVideoId();
    const processing = this.scriptFor(seed.processing ?? { outcome: 'succeeded' }, undefined);
    if (seed.processed !== false && !seed.processing) processing.forcedDone = true;
    const rec: VideoRecord = {
      id,
      channelId: seed.channelId ?? ctx.channels.defaultChannelId,
      createdAt: ctx.clock(),
      snippet: {
        title: seed.title ?? `Seeded video ${id}`,
        description: seed.description ?? '',
        tags: seed.tags ?? [],
        categoryId: seed.categoryId ?? '20',
      },
      status: {
        privacyStatus: seed.privacyStatus ?? 'public',
        license: 'youtube',
        embeddable: true,
        publicStatsViewable: true,
      },
      notifySubscribers: false,
      processing,
      deleted: false,
      source: 'seed',
      updates: 0,
    };
    this.byId.set(id, rec);
    return rec;
  }

  /** Uploads created by a channel during the Pacific day containing `now` (for uploadLimitExceeded). */
  uploadsToday(channelId: string, now: number): number {
    const day = pacificDayKey(now);
    let n = 0;
    for (const v of this.byId.values()) {
      if (v.source === 'upload' && v.channelId === channelId && pacificDayKey(v.createdAt) === day) n++;
    }
    return n;
  }

  lifecycle(v: VideoRecord, now: number = this.ctx().clock()): LifecycleState {
    if (v.deleted) return { gone: true, uploadStatus: 'deleted', processingStatus: 'terminated' };
    const p = v.processing;
    const elapsed = now - p.startedAt;
    const done = p.forcedDone || elapsed >= p.durationMs;
    if (!done || p.outcome === 'stuck') {
      const frac = p.durationMs > 0 ? Math.min(Math.max(elapsed / p.durationMs, 0), 0.999) : 0;
      return {
        gone: false,
        uploadStatus: 'uploaded',
        processingStatus: 'processing',
        progress: {
          partsTotal: '1000',
          partsProcessed: String(Math.floor(frac * 1000)),
          timeLeftMs: String(Math.max(0, Math.round(p.durationMs - elapsed))),
        },
      };
    }
    switch (p.outcome) {
      case 'failed':
        return {
          gone: false,
          uploadStatus: 'failed',
          failureReason: p.failureReason,
          processingStatus: 'failed',
          processingFailureReason: p.processingFailureReason,
        };
      case 'rejected':
        // [UNSURE] processingStatus for rejected videos; processing itself finished.
        return { gone: false, uploadStatus: 'rejected', rejectionReason: p.rejectionReason, processingStatus: 'succeeded' };
      case 'deleted':
        return { gone: true, uploadStatus: 'deleted', processingStatus: 'terminated' };
      default:
        return { gone: false, uploadStatus: 'processed', processingStatus: 'succeeded' };
    }
  }

  /** Whether `viewerChannel` can see this video at all (others' private videos are invisible). */
  visibleTo(v: VideoRecord, viewerChannel: string | undefined, now?: number): boolean {
    if (this.lifecycle(v, now).gone) return false;
    return v.channelId === viewerChannel || v.status.privacyStatus !== 'private';
  }

  /** Build the API resource with only the requested parts. */
  resource(v: VideoRecord, parts: readonly string[], viewerChannel: string | undefined): Record<string, unknown> {
    const ctx = this.ctx();
    const now = ctx.clock();
    const lc = this.lifecycle(v, now);
    const owner = viewerChannel === v.channelId;
    const out: Record<string, unknown> = { kind: 'youtube#video', etag: '', id: v.id };
    const channel = ctx.channels.get(v.channelId);
    for (const part of parts) {
      if (OWNER_ONLY_PARTS.has(part) && !owner) continue;
      switch (part) {
        case 'snippet': {
          const s: Record<string, unknown> = {
            publishedAt: isoSeconds(v.createdAt),
            channelId: v.channelId,
            title: v.snippet.title,
            description: v.snippet.description,
            thumbnails: thumbnailUrls(v.id, !!v.thumbnail),
            channelTitle: channel?.title ?? '',
          };
          if (v.snippet.tags.length) s.tags = v.snippet.tags;
          s.categoryId = v.snippet.categoryId;
          s.liveBroadcastContent = 'none';
          if (v.snippet.defaultLanguage) s.defaultLanguage = v.snippet.defaultLanguage;
          s.localized = { title: v.snippet.title, description: v.snippet.description };
          if (v.snippet.defaultAudioLanguage) s.defaultAudioLanguage = v.snippet.defaultAudioLanguage;
          out.snippet = s;
          break;
        }
        case 'status': {
          const s: Record<string, unknown> = { uploadStatus: lc.uploadStatus };
          if (lc.failureReason) s.failureReason = lc.failureReason;
          if (lc.rejectionReason) s.rejectionReason = lc.rejectionReason;
          s.privacyStatus = v.status.privacyStatus;
          if (v.status.publishAt) s.publishAt = v.status.publishAt;
          s.license = v.status.license;
          s.embeddable = v.status.embeddable;
          s.publicStatsViewable = v.status.publicStatsViewable;
          s.madeForKids = v.status.selfDeclaredMadeForKids ?? false;
          if (owner && v.status.selfDeclaredMadeForKids !== undefined) {
            s.selfDeclaredMadeForKids = v.status.selfDeclaredMadeForKids;
          }
          if (v.status.containsSyntheticMedia !== undefined) s.containsSyntheticMedia = v.status.containsSyntheticMedia;
          out.status = s;
          break;
        }
        case 'processingDetails': {
          const d: Record<string, unknown> = { processingStatus: lc.processingStatus };
          if (lc.progress) d.processingProgress = lc.progress;
          if (lc.processingFailureReason) d.processingFailureReason = lc.processingFailureReason;
          const avail = lc.processingStatus === 'succeeded' ? 'available' : 'inProgress';
          d.fileDetailsAvailability = avail;
          d.processingIssuesAvailability = avail;
          d.tagSuggestionsAvailability = avail;
          d.editorSuggestionsAvailability = avail;
          d.thumbnailsAvailability = lc.processingStatus === 'processing' ? 'inProgress' : 'available';
          out.processingDetails = d;
          break;
        }
        case 'fileDetails':
          out.fileDetails = v.media
            ? { fileSize: String(v.media.size), fileType: 'video', container: v.media.mimeType }
            : { fileType: 'video' };
          break;
        case 'contentDetails':
          out.contentDetails = {
            duration: 'PT0S',
            dimension: '2d',
            definition: 'hd',
            caption: 'false',
            licensedContent: false,
            contentRating: {},
            projection: 'rectangular',
          };
          break;
        case 'statistics':
          out.statistics = { viewCount: '0', likeCount: '0', favoriteCount: '0', commentCount: '0' };
          break;
        default:
          break;
      }
    }
    out.etag = etagOf(out);
    return out;
  }
}

export function thumbnailUrls(videoId: string, custom: boolean): Record<string, { url: string; width: number; height: number }> {
  const base = `https://i.ytimg.com/vi/${videoId}`;
  const sizes: Array<[string, string, number, number]> = [
    ['default', 'default', 120, 90],
    ['medium', 'mqdefault', 320, 180],
    ['high', 'hqdefault', 480, 360],
  ];
  if (custom) {
    sizes.push(['standard', 'sddefault', 640, 480], ['maxres', 'maxresdefault', 1280, 720]);
  }
  const out: Record<string, { url: string; width: number; height: number }> = {};
  for (const [k, file, w, h] of sizes) out[k] = { url: `${base}/${file}.jpg`, width: w, height: h };
  return out;
}

// ---------------------------------------------------------------------------
// GET /youtube/v3/videos

export function handleVideosList(ctx: Ctx, rc: Rc): void {
  const parts = requireParts(rc.url, VIDEO_PARTS);
  const ids = listParam(rc.url, 'id');
  const q = rc.url.searchParams;
  if (ids.length === 0 && !q.has('chart') && !q.has('myRating')) {
    throw new ApiError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: chart, id, myRating', {
      domain: 'youtube.parameter',
      billable: true,
    });
  }
  if (ids.length > 50) throw errors.outOfRange('id', String(ids.length), 0, 50, ctx.opts.rangeErrorReason);
  const viewer = rc.token!.channelId;
  const now = ctx.clock();
  // Unknown, deleted and invisible ids are simply missing from items (not an error).
  const items = ids
    .map((id) => ctx.videos.byId.get(id))
    .filter((v): v is VideoRecord => !!v && ctx.videos.visibleTo(v, viewer, now))
    .map((v) => ctx.videos.resource(v, parts, viewer));
  sendJson(rc.res, 200, {
    kind: 'youtube#videoListResponse',
    etag: etagOf(items),
    items,
    pageInfo: { totalResults: items.length, resultsPerPage: items.length },
  });
}

// ---------------------------------------------------------------------------
// PUT /youtube/v3/videos  (videos.update)

const UPDATABLE_PARTS = new Set(['snippet', 'status', 'localizations', 'recordingDetails', 'id']);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * videos.update has *replace* semantics per listed part: mutable fields of a
 * listed part that the body omits are cleared (description, tags, languages,
 * publishAt…). snippet.title and snippet.categoryId are required when the
 * snippet part is listed.
 */
export async function handleVideosUpdate(ctx: Ctx, rc: Rc): Promise<void> {
  const parts = requireParts(rc.url, VIDEO_PARTS);
  for (const p of parts) {
    if (!UPDATABLE_PARTS.has(p)) {
      throw new ApiError(400, 'unexpectedPart', `'${p}'`, { domain: 'youtube.part', location: 'part', locationType: 'parameter' });
    }
  }
  const body = await readJsonBody(rc.req);
  if (!isObject(body)) throw errors.badContent('The request body must be a video resource.');
  if (typeof body.id !== 'string' || !body.id) {
    throw new ApiError(400, 'videoNotFound', 'The request does not identify the video to update.', { domain: 'youtube.video' });
  }
  const v = ctx.videos.byId.get(body.id);
  const viewer = rc.token!.channelId;
  if (!v || ctx.videos.lifecycle(v).gone) throw videoNotFound();
  if (v.channelId !== viewer) {
    throw new ApiError(403, 'forbidden', 'The video that you are trying to update cannot be updated.', { domain: 'youtube.video' });
  }
  const now = ctx.clock();
  let snippet = v.snippet;
  let status = v.status;
  if (parts.includes('snippet')) {
    if (!isObject(body.snippet)) throw metadataErrors.invalidTitle();
    snippet = validateSnippet(body.snippet, { requireCategory: true, categories: ctx.videos.categories });
  }
  if (parts.includes('status')) {
    status = validateStatus(body.status ?? {}, now, v.status);
  }
  v.snippet = snippet;
  v.status = status;
  v.updates++;
  sendJson(rc.res, 200, ctx.videos.resource(v, parts, viewer));
}

// ---------------------------------------------------------------------------
// DELETE /youtube/v3/videos?id=

export function handleVideosDelete(ctx: Ctx, rc: Rc): void {
  const id = rc.url.searchParams.get('id');
  if (!id) throw errors.requiredParameter('id');
  const v = ctx.videos.byId.get(id);
  if (!v || ctx.videos.lifecycle(v).gone) throw videoNotFound();
  if (v.channelId !== rc.token!.channelId) {
    throw new ApiError(403, 'forbidden', 'The video that you are trying to delete cannot be deleted.', { domain: 'youtube.video' });
  }
  v.deleted = true;
  sendEmpty(rc.res, 204);
}

// ---------------------------------------------------------------------------
// GET /youtube/v3/videoCategories

export function handleVideoCategoriesList(ctx: Ctx, rc: Rc): void {
  requireParts(rc.url, new Set(['snippet', 'id']));
  const items = Object.entries(ctx.videos.categories).map(([id, title]) => ({
    kind: 'youtube#videoCategory',
    etag: etagOf([id, title]),
    id,
    snippet: { title, assignable: true, channelId: 'UCBR8-60-B28hp2BmDPdntcQ' },
  }));
  sendJson(rc.res, 200, { kind: 'youtube#videoCategoryListResponse', etag: etagOf(items), items });
}
