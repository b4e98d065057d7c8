/**
 * videos.insert: resumable sessions (protocols.md B6.1), multipart and media
 * uploads (B6.2).
 *
 * Media bytes are never held in memory: each request body is consumed chunk by
 * chunk into a running SHA-256 (and, with options.storageDir, a file written at
 * explicit offsets). The client under test uploads multi-gigabyte files.
 *
 * Resumable protocol, as implemented:
 *  POST /upload/youtube/v3/videos?uploadType=resumable&part=…   (JSON metadata body)
 *     → 200, empty body, Location: <base>/upload/youtube/v3/videos?uploadType=resumable&part=…&upload_id=ID
 *       Metadata errors (B6.3) and quotaExceeded happen here, before any bytes.
 *  PUT|POST <session URI>  Content-Range: bytes a-b/N | a-b/* | (absent: whole file)
 *     → 308 + Range: bytes=0-X (last *persisted* byte, absent if none) and no Location, or
 *       200 (or 201) + video JSON once every byte of N is persisted.
 *  PUT <session URI>  Content-Range: bytes * /N | bytes * /*   (status query, empty body)
 *     → 308 + Range, or 200 + video JSON if already complete (or if persisted == N).
 *  Unknown/expired session → 404: the client must start a new session.
 *
 * Chunk rules: every non-final chunk must be a multiple of 256 KiB (262,144 bytes)
 * — 'reject' (400) or 'truncate' per options.chunkRule. A chunk may overlap bytes
 * already persisted (the overlap is skipped, as after a 308 that persisted less
 * than was sent) but may not leave a gap (400).
 * `X-GUploader-No-308: yes` turns each 308 into 200 + `X-HTTP-Status-Code-Override: 308`,
 * the style Google's own Go client uses because 308 means "Permanent Redirect" to
 * generic HTTP stacks.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ctx, Rc } from './context.ts';
import { ApiError, errors } from './errors.ts';
import type { FaultAction, PersistMode } from './faults.ts';
import { faultApiError } from './faults.ts';
import { drain, readJsonBody, sendApiError, sendEmpty, sendJson } from './http.ts';
import { newUploadId, randomUrlSafe } from './ids.ts';
import { validateSnippet, validateStatus, type VideoSnippet, type VideoStatus } from './metadata.ts';
import { MultipartError, MultipartParser, multipartBoundary } from './multipart.ts';
import { requireParts, VIDEO_PARTS, type MediaInfo, type VideoRecord } from './videos.ts';
import { authenticate } from './oauth.ts';

export const CHUNK_GRANULARITY = 256 * 1024;
/** Maximum video file size from the discovery document (256 GiB). */
export const MAX_VIDEO_BYTES = 274_877_906_944;
/** Title given to videos uploaded without a snippet ([UNSURE] what YouTube names them). */
export const DEFAULT_TITLE = 'Untitled video';

// ---------------------------------------------------------------------------
// Byte sink

/** Incrementally hashes (and optionally stores) media bytes in arrival order. */
export class MediaSink {
  private readonly hash: Hash = createHash('sha256');
  private fh?: FileHandle;
  private finished?: { sha256: string; size: number; path?: string };
  size = 0;

  private constructor(readonly path?: string) {}

  static async create(dir: string | undefined, name: string): Promise<MediaSink> {
    const sink = new MediaSink(dir ? join(dir, name) : undefined);
    if (sink.path) sink.fh = await open(sink.path, 'w');
    return sink;
  }

  /**
   * Append bytes. The hash and size are updated synchronously (so concurrent
   * callers cannot interleave out of order); the file write is positional.
   */
  async append(buf: Buffer): Promise<void> {
    if (this.finished) throw new Error('MediaSink already finished');
    if (buf.length === 0) return;
    this.hash.update(buf);
    const pos = this.size;
    this.size += buf.length;
    if (this.fh) await this.fh.write(buf, 0, buf.length, pos);
  }

  /** SHA-256 of the bytes so far, without finishing. */
  peekSha256(): string {
    return this.finished?.sha256 ?? this.hash.copy().digest('hex');
  }

  async finish(): Promise<{ sha256: string; size: number; path?: string }> {
    if (!this.finished) {
      this.finished = { sha256: this.hash.digest('hex'), size: this.size, path: this.path };
      await this.fh?.close();
      this.fh = undefined;
    }
    return this.finished;
  }

  async discard(): Promise<void> {
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
  }
}

// ---------------------------------------------------------------------------
// Sessions

export interface ChunkRecord {
  at: number;
  /** 'chunk' carries bytes; 'status' is a `bytes * /N` query. */
  kind: 'chunk' | 'status';
  contentRange?: string;
  start?: number;
  end?: number;
  /** Bytes of the body that arrived. */
  received: number;
  persistedBefore: number;
  persistedAfter: number;
  status?: number;
  fault?: string;
  /** Set when the chunk broke a protocol rule (e.g. not a 256 KiB multiple). */
  violation?: string;
}

export interface UploadSession {
  id: string;
  createdAt: number;
  expiresAt: number;
  clientId: string;
  project: string;
  channelId: string;
  parts: string[];
  snippet: VideoSnippet;
  status: VideoStatus;
  notifySubscribers: boolean;
  /** From X-Upload-Content-Length, or learned from the first Content-Range with a total. */
  total?: number;
  contentType: string;
  sink: MediaSink;
  /** Bumped by every body-carrying request; an older request that is still streaming stops persisting. */
  generation: number;
  /** Forced expiry by a test (expireUploadSession). */
  expired: boolean;
  chunks: ChunkRecord[];
  video?: VideoRecord;
  media?: MediaInfo;
  completedAt?: number;
  finishing?: Promise<VideoRecord>;
}

/** What tests see of a session (getUpload / listUploads). */
export interface UploadSnapshot {
  id: string;
  kind: 'resumable' | 'multipart' | 'media';
  createdAt: number;
  project: string;
  clientId: string;
  declaredTotal?: number;
  contentType: string;
  persisted: number;
  /** SHA-256 (hex) of the persisted bytes (final once complete). */
  sha256: string;
  complete: boolean;
  videoId?: string;
  path?: string;
  chunks: ChunkRecord[];
  expired: boolean;
}

export class UploadStore {
  readonly sessions = new Map<string, UploadSession>();
  /** Non-resumable uploads (multipart/media) for inspection. */
  readonly oneShot: UploadSnapshot[] = [];

  constructor(private readonly ctx: () => Ctx) {}

  live(id: string): UploadSession | undefined {
    const s = this.sessions.get(id);
    if (!s || s.expired || this.ctx().clock() >= s.expiresAt) return undefined;
    return s;
  }

  snapshot(s: UploadSession): UploadSnapshot {
    return {
      id: s.id,
      kind: 'resumable',
      createdAt: s.createdAt,
      project: s.project,
      clientId: s.clientId,
      declaredTotal: s.total,
      contentType: s.contentType,
      persisted: s.sink.size,
      sha256: s.media?.sha256 ?? s.sink.peekSha256(),
      complete: !!s.video,
      videoId: s.video?.id,
      path: s.sink.path,
      chunks: s.chunks,
      expired: s.expired || this.ctx().clock() >= s.expiresAt,
    };
  }
}

// ---------------------------------------------------------------------------
// Shared helpers

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function checkVideoMediaType(type: string): void {
  if (type === 'application/octet-stream' || /^video\/[\w.+-]+$/.test(type)) return;
  throw errors.badContent(
    `Media type '${type || '(none)'}' is not supported. Valid media types: [video/*, application/octet-stream]`,
  );
}

/** Apply `part` semantics: only listed parts of the body are written (B6.3 validation). */
function normalizeInsert(ctx: Ctx, resource: unknown, parts: string[]): { snippet: VideoSnippet; status: VideoStatus } {
  if (resource !== undefined && !isObject(resource)) throw errors.badContent('The request body must be a video resource.');
  const r = (resource ?? {}) as Record<string, unknown>;
  const now = ctx.clock();
  const snippet =
    parts.includes('snippet') && r.snippet !== undefined
      ? validateSnippet(r.snippet, { requireCategory: false, categories: ctx.videos.categories })
      : { title: DEFAULT_TITLE, description: '', tags: [], categoryId: '22' };
  const status = validateStatus(parts.includes('status') ? r.status : undefined, now);
  if (ctx.opts.forcePrivateUploads && status.privacyStatus !== 'private') {
    // Unverified API projects: uploads are locked to private whatever was asked.
    status.privacyStatus = 'private';
  }
  return { snippet, status };
}

function checkChannelUploadLimit(ctx: Ctx, channelId: string): void {
  if (ctx.videos.uploadsToday(channelId, ctx.clock()) >= ctx.opts.channelUploadLimitPerDay) {
    throw new ApiError(400, 'uploadLimitExceeded', 'The user has exceeded the number of videos they may upload.', {
      domain: 'youtube.video',
    });
  }
}

function persistLimit(mode: PersistMode | undefined, start: number, afterBytes: number): number {
  switch (mode ?? 'aligned') {
    case 'none':
      return 0;
    case 'received':
      return afterBytes;
    case 'aligned':
      return Math.max(0, Math.floor((start + afterBytes) / CHUNK_GRANULARITY) * CHUNK_GRANULARITY - start);
  }
}

/** Fire a byte-level fault: destroy the socket or answer with the fault's error. */
function fireFault(rc: Rc, action: FaultAction): void {
  if (action.type === 'reset') {
    rc.req.socket.destroy();
  } else {
    sendApiError(rc.res, faultApiError(action));
  }
}

// ---------------------------------------------------------------------------
// POST /upload/youtube/v3/videos

export async function handleVideosInsert(ctx: Ctx, rc: Rc): Promise<void> {
  const uploadType = rc.url.searchParams.get('uploadType');
  const parts = requireParts(rc.url, VIDEO_PARTS);
  if (uploadType === 'resumable') return startSession(ctx, rc, parts);
  if (uploadType === 'multipart') return multipartUpload(ctx, rc, parts);
  if (uploadType === 'media') return mediaUpload(ctx, rc, parts);
  drain(rc.req);
  throw new ApiError(400, 'invalid', `Invalid value for uploadType: ${uploadType ?? '(missing)'}`, {
    location: 'uploadType',
    locationType: 'parameter',
  });
}

async function startSession(ctx: Ctx, rc: Rc, parts: string[]): Promise<void> {
  const h = rc.req.headers;
  let total: number | undefined;
  const lenHeader = h['x-upload-content-length'];
  if (lenHeader !== undefined) {
    const raw = String(lenHeader);
    if (!/^\d+$/.test(raw)) throw errors.badContent(`Invalid X-Upload-Content-Length: ${raw}`);
    total = Number(raw);
    if (total > MAX_VIDEO_BYTES) throw errors.uploadTooLarge(MAX_VIDEO_BYTES);
  }
  const contentType = mediaTypeOf(h['x-upload-content-type'] as string | undefined) || 'application/octet-stream';
  checkVideoMediaType(contentType);
  const body = await readJsonBody(rc.req);
  const { snippet, status } = normalizeInsert(ctx, body, parts);
  const token = rc.token!;
  checkChannelUploadLimit(ctx, token.channelId);

  const id = newUploadId();
  const now = ctx.clock();
  const session: UploadSession = {
    id,
    createdAt: now,
    expiresAt: now + ctx.opts.sessionTtlMs,
    clientId: token.clientId,
    project: token.project,
    channelId: token.channelId,
    parts,
    snippet,
    status,
    notifySubscribers: rc.url.searchParams.get('notifySubscribers') !== 'false',
    total,
    contentType,
    sink: await MediaSink.create(ctx.opts.storageDir, `${id.slice(0, 40)}.bin`),
    generation: 0,
    expired: false,
    chunks: [],
  };
  ctx.uploads.sessions.set(id, session);

  // The session URI echoes the original query (as Google's does) plus upload_id.
  const loc = new URL('/upload/youtube/v3/videos', rc.publicBase);
  loc.search = `uploadType=resumable&part=${parts.join(',')}&upload_id=${encodeURIComponent(id)}`;
  rc.billAs = 'full';
  sendEmpty(rc.res, 200, { Location: loc.toString(), 'X-GUploader-UploadID': id });
}

// ---------------------------------------------------------------------------
// PUT|POST <session URI>

type RangeSpec =
  | { kind: 'status'; total?: number }
  | { kind: 'chunk'; start: number; end: number; total?: number }
  | { kind: 'whole' };

function parseContentRange(header: string | undefined): RangeSpec | 'invalid' {
  if (header === undefined) return { kind: 'whole' };
  const m = /^bytes\s+(?:\*|(\d+)-(\d+))\/(\*|\d+)\s*$/i.exec(header.trim());
  if (!m) return 'invalid';
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (m[1] === undefined) return { kind: 'status', total };
  return { kind: 'chunk', start: Number(m[1]), end: Number(m[2]), total };
}

function rangeHeaders(rc: Rc, s: UploadSession): Record<string, string> {
  const headers: Record<string, string> = { 'X-GUploader-UploadID': s.id };
  if (s.sink.size > 0) headers.Range = `bytes=0-${s.sink.size - 1}`;
  return headers;
}

/** 308 Resume Incomplete (no Location header!), or its No-308 equivalent. */
function sendIncomplete(rc: Rc, s: UploadSession): number {
  const headers = rangeHeaders(rc, s);
  if (String(rc.req.headers['x-guploader-no-308'] ?? '').toLowerCase() === 'yes') {
    sendEmpty(rc.res, 200, { ...headers, 'X-HTTP-Status-Code-Override': '308' });
    return 200;
  }
  sendEmpty(rc.res, 308, headers);
  return 308;
}

async function finalize(ctx: Ctx, s: UploadSession): Promise<VideoRecord> {
  if (s.video) return s.video;
  s.finishing ??= (async () => {
    const done = await s.sink.finish();
    s.media = { sha256: done.sha256, size: done.size, mimeType: s.contentType, path: done.path };
    s.video = ctx.videos.createFromUpload({
      channelId: s.channelId,
      snippet: s.snippet,
      status: s.status,
      notifySubscribers: s.notifySubscribers,
      media: s.media,
      uploadId: s.id,
      startedAt: s.createdAt,
    });
    s.completedAt = ctx.clock();
    return s.video;
  })();
  return s.finishing;
}

async function sendComplete(ctx: Ctx, rc: Rc, s: UploadSession): Promise<number> {
  const video = await finalize(ctx, s);
  const status = ctx.opts.finalUploadStatus;
  sendJson(rc.res, status, ctx.videos.resource(video, s.parts, s.channelId));
  return status;
}

const sessionNotFound = () =>
  new ApiError(404, 'notFound', 'The requested upload session was not found or has expired.');

export async function handleSessionRequest(ctx: Ctx, rc: Rc): Promise<void> {
  const id = rc.url.searchParams.get('upload_id') ?? '';
  const s = ctx.uploads.live(id);
  if (!s) {
    drain(rc.req);
    throw sessionNotFound();
  }
  // The session URI is itself the capability; a bearer token is checked only if sent
  // (so a 401 mid-upload happens when the client sends an expired token).
  const mode = ctx.opts.chunkAuth;
  if (mode === 'required' || (mode === 'if-present' && rc.req.headers.authorization)) {
    try {
      const t = authenticate(ctx, rc);
      rc.log.clientId = t.clientId;
      rc.log.project = t.project;
    } catch (e) {
      drain(rc.req);
      throw e;
    }
  }

  const header = rc.req.headers['content-range'] as string | undefined;
  const spec = parseContentRange(header);
  const record: ChunkRecord = {
    at: ctx.clock(),
    kind: spec !== 'invalid' && spec.kind === 'status' ? 'status' : 'chunk',
    contentRange: header,
    received: 0,
    persistedBefore: s.sink.size,
    persistedAfter: s.sink.size,
  };
  if (rc.fault) record.fault = rc.fault.type;
  s.chunks.push(record);
  rc.res.on('finish', () => {
    record.status = rc.res.statusCode;
    record.persistedAfter = s.sink.size;
  });
  rc.res.on('close', () => {
    record.persistedAfter = s.sink.size;
  });

  const bad = (msg: string, violation?: string) => {
    if (violation) record.violation = violation;
    drain(rc.req);
    return errors.badContent(msg);
  };
  if (spec === 'invalid') throw bad(`Invalid Content-Range header: ${header}`);

  const specTotal = spec.kind === 'whole' ? undefined : spec.total;
  if (specTotal !== undefined) {
    if (s.total !== undefined && s.total !== specTotal) {
      throw bad(`Content-Range total ${specTotal} does not match the declared upload size ${s.total}`);
    }
    s.total = specTotal;
  }

  if (spec.kind === 'status') {
    drain(rc.req);
    if (s.video || (s.total !== undefined && s.sink.size === s.total)) {
      await sendComplete(ctx, rc, s);
    } else {
      sendIncomplete(rc, s);
    }
    return;
  }

  // Bytes after completion: the upload is done, answer with the video again.
  if (s.video) {
    drain(rc.req);
    await sendComplete(ctx, rc, s);
    return;
  }

  const clHeader = rc.req.headers['content-length'];
  const contentLength = clHeader !== undefined ? Number(clHeader) : undefined;
  let start: number;
  let length: number | undefined;
  if (spec.kind === 'chunk') {
    start = spec.start;
    if (spec.end < spec.start) throw bad(`Invalid Content-Range header: ${header}`);
    length = spec.end - spec.start + 1;
    if (s.total !== undefined && spec.end >= s.total) throw bad(`Content-Range ${header} is beyond the upload size`);
    if (contentLength !== undefined && contentLength !== length) {
      throw bad(`Content-Length ${contentLength} does not match Content-Range ${header}`);
    }
  } else {
    // A PUT without Content-Range carries the whole file.
    start = 0;
    length = contentLength ?? s.total;
    if (length !== undefined && s.total !== undefined && length !== s.total) {
      throw bad(`Content-Length ${length} does not match the declared upload size ${s.total}`);
    }
    if (length !== undefined) s.total = length;
  }
  record.start = start;
  if (length !== undefined) record.end = start + length - 1;

  if (start > s.sink.size) {
    // [UNSURE] exact answer to a gap; a correct client never leaves one (it resumes from Range+1).
    throw bad(`Chunk starts at byte ${start} but only ${s.sink.size} bytes have been persisted`, 'gap');
  }

  const isFinal = s.total !== undefined && length !== undefined && start + length === s.total;
  let keep = length ?? Number.POSITIVE_INFINITY;
  if (!isFinal && length !== undefined && length % CHUNK_GRANULARITY !== 0) {
    if (ctx.opts.chunkRule === 'reject') {
      throw bad(
        `Invalid chunk size ${length}: every chunk except the last must be a multiple of ${CHUNK_GRANULARITY} bytes`,
        'chunkSize',
      );
    }
    record.violation = 'chunkSize';
    keep = Math.floor(length / CHUNK_GRANULARITY) * CHUNK_GRANULARITY;
  }

  const fault = rc.fault;
  let faultAt: number | undefined;
  if (fault?.type === 'shortPersist') keep = Math.min(keep, Math.max(0, fault.keepBytes));
  if ((fault?.type === 'error' || fault?.type === 'reset') && fault.afterBytes !== undefined) {
    faultAt = Math.max(0, fault.afterBytes);
    keep = Math.min(keep, persistLimit(fault.persist, start, faultAt));
  }

  const gen = ++s.generation;
  let received = 0;
  let stopped = false;
  const write = async (piece: Buffer, from: number) => {
    // Persist only bytes within `keep`, skipping any prefix that is already persisted.
    const to = Math.min(from + piece.length, keep);
    if (to <= from || s.generation !== gen || s.video) return;
    let data = piece.subarray(0, to - from);
    const abs = start + from;
    const skip = s.sink.size - abs;
    if (skip >= data.length) return;
    if (skip < 0) return; // a superseding request moved the session; never write a gap
    if (skip > 0) data = data.subarray(skip);
    await s.sink.append(data);
  };

  if (faultAt === 0) {
    stopped = true;
    fireFault(rc, fault!);
  }
  try {
    for await (const chunk of rc.req as AsyncIterable<Buffer>) {
      // Never break out of this loop: that would destroy the socket before we answer.
      if (stopped) continue;
      let piece = chunk;
      let hit = false;
      if (faultAt !== undefined && received + piece.length >= faultAt) {
        piece = piece.subarray(0, faultAt - received);
        hit = true;
      }
      const from = received;
      received += piece.length;
      record.received = received;
      await write(piece, from);
      if (hit) {
        stopped = true;
        fireFault(rc, fault!);
      }
    }
  } catch {
    // Client went away mid-chunk: whatever was persisted stays, like a real server.
    record.received = received;
    return;
  }
  if (stopped) return;

  if (length === undefined) {
    // Whole-file PUT of unknown length (chunked transfer): the end of the body is the end of the file.
    s.total = received;
    record.end = received - 1;
  } else if (received !== length) {
    throw errors.badContent(`Received ${received} bytes but Content-Range declared ${length}`);
  }

  if (s.total !== undefined && s.sink.size === s.total) {
    await sendComplete(ctx, rc, s);
  } else {
    sendIncomplete(rc, s);
  }
}

// ---------------------------------------------------------------------------
// uploadType=multipart and uploadType=media (single request, no resume)

const MAX_METADATA_BYTES = 1024 * 1024;

function multipartUpload(ctx: Ctx, rc: Rc, parts: string[]): Promise<void> {
  return oneShotUpload(ctx, rc, parts, 'multipart');
}

function mediaUpload(ctx: Ctx, rc: Rc, parts: string[]): Promise<void> {
  return oneShotUpload(ctx, rc, parts, 'media');
}

/**
 * One-request uploads. googleapis' videos.insert sends multipart/related with
 * chunked transfer encoding and no Content-Length; without a requestBody it
 * sends uploadType=media with the raw bytes. There is no session and no resume:
 * a failure means the client re-sends everything.
 */
async function oneShotUpload(ctx: Ctx, rc: Rc, parts: string[], kind: 'multipart' | 'media'): Promise<void> {
  const token = rc.token!;
  const contentType = rc.req.headers['content-type'];
  let parser: MultipartParser | undefined;
  let mediaType = 'application/octet-stream';
  if (kind === 'multipart') {
    const boundary = multipartBoundary(contentType);
    if (!boundary) {
      drain(rc.req);
      throw errors.badContent(`Invalid multipart request: expected multipart/related with a boundary, got '${contentType ?? ''}'`);
    }
    parser = new MultipartParser(boundary);
  } else {
    mediaType = mediaTypeOf(contentType) || 'application/octet-stream';
    try {
      checkVideoMediaType(mediaType);
    } catch (e) {
      drain(rc.req);
      throw e;
    }
  }

  const sink = await MediaSink.create(ctx.opts.storageDir, `${kind}-${randomUrlSafe(16)}.bin`);
  const snap: UploadSnapshot = {
    id: `${kind}-${randomUrlSafe(12)}`,
    kind,
    createdAt: ctx.clock(),
    project: token.project,
    clientId: token.clientId,
    contentType: mediaType,
    persisted: 0,
    sha256: '',
    complete: false,
    path: sink.path,
    chunks: [],
    expired: false,
  };
  ctx.uploads.oneShot.push(snap);

  let stopped = false;
  let meta: { snippet: VideoSnippet; status: VideoStatus } | undefined;
  const fail = (e: unknown) => {
    if (stopped) return;
    stopped = true;
    const err =
      e instanceof ApiError ? e : e instanceof MultipartError ? errors.badContent(e.message) : errors.backendError(500);
    rc.billAs ??= err.code >= 500 ? 'none' : 'invalid';
    sendApiError(rc.res, err);
  };
  const accept = (resource: unknown) => {
    meta = normalizeInsert(ctx, resource, parts);
    checkChannelUploadLimit(ctx, token.channelId);
    // From here on the upload is billed in full, even if the connection dies later.
    rc.billAs = 'full';
  };

  let partIndex = 0;
  const metaBufs: Buffer[] = [];
  let metaSize = 0;
  const onBytes = async (buf: Buffer) => {
    if (!parser) {
      await sink.append(buf);
      return;
    }
    for (const ev of parser.feed(buf)) {
      if (stopped) return;
      switch (ev.type) {
        case 'partStart':
          partIndex = parser.partCount;
          if (partIndex === 1) {
            if (mediaTypeOf(ev.headers['content-type']) !== 'application/json') {
              throw errors.badContent('The first part of a multipart upload must be the application/json metadata.');
            }
          } else if (partIndex === 2) {
            mediaType = mediaTypeOf(ev.headers['content-type']) || 'application/octet-stream';
            checkVideoMediaType(mediaType);
            snap.contentType = mediaType;
          } else {
            throw errors.badContent('A multipart upload has exactly two parts: metadata and media.');
          }
          break;
        case 'data':
          if (partIndex === 1) {
            metaSize += ev.data.length;
            if (metaSize > MAX_METADATA_BYTES) throw errors.uploadTooLarge(MAX_METADATA_BYTES);
            metaBufs.push(Buffer.from(ev.data));
          } else {
            await sink.append(ev.data);
          }
          break;
        case 'partEnd':
          if (partIndex === 1) {
            const text = Buffer.concat(metaBufs).toString('utf8');
            let resource: unknown;
            try {
              resource = text.trim() ? JSON.parse(text) : undefined;
            } catch (e) {
              throw errors.parseError((e as Error).message);
            }
            accept(resource);
          }
          break;
        case 'end':
          break;
      }
    }
  };

  const fault = rc.fault;
  const faultAt = fault?.type === 'error' || fault?.type === 'reset' ? fault.afterBytes : undefined;
  let received = 0;
  if (faultAt === 0) {
    stopped = true;
    fireFault(rc, fault!);
  }
  try {
    for await (const chunk of rc.req as AsyncIterable<Buffer>) {
      // Never break out of this loop: that would destroy the socket before we answer.
      if (stopped) continue;
      let piece = chunk;
      let hit = false;
      if (faultAt !== undefined && received + piece.length >= faultAt) {
        piece = piece.subarray(0, faultAt - received);
        hit = true;
      }
      received += piece.length;
      try {
        await onBytes(piece);
      } catch (e) {
        fail(e);
      }
      if (hit && !stopped) {
        stopped = true;
        fireFault(rc, fault!);
      }
    }
  } catch {
    // Client aborted: nothing to resume, the bytes are thrown away.
    snap.persisted = sink.size;
    await sink.discard();
    return;
  }
  snap.persisted = sink.size;
  if (!stopped) {
    try {
      if (parser) {
        if (!parser.done) throw errors.badContent('Malformed multipart body: the closing boundary is missing.');
        if (parser.partCount < 2) throw errors.mediaBodyRequired();
      } else {
        if (sink.size === 0) throw errors.mediaBodyRequired();
        accept(undefined);
      }
    } catch (e) {
      fail(e);
    }
  }
  if (stopped || !meta) {
    snap.sha256 = sink.peekSha256();
    await sink.discard();
    return;
  }
  const done = await sink.finish();
  const media: MediaInfo = { sha256: done.sha256, size: done.size, mimeType: mediaType, path: done.path };
  const video = ctx.videos.createFromUpload({
    channelId: token.channelId,
    snippet: meta.snippet,
    status: meta.status,
    notifySubscribers: rc.url.searchParams.get('notifySubscribers') !== 'false',
    media,
    startedAt: snap.createdAt,
  });
  Object.assign(snap, { sha256: done.sha256, persisted: done.size, complete: true, videoId: video.id });
  sendJson(rc.res, 200, ctx.videos.resource(video, parts, token.channelId));
}
