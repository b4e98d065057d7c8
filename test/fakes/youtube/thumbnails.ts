/**
 * thumbnails.set (protocols.md B6.4):
 *   POST /upload/youtube/v3/thumbnails/set?videoId=…&uploadType=media
 *   Content-Type: image/jpeg | image/png | application/octet-stream, raw image bytes.
 *
 * Checks, in order: videoId present; the video exists (404 videoNotFound) and
 * belongs to the caller (403 forbidden); the channel may use custom thumbnails
 * (403 forbidden — unverified channels can't); media type; size ≤ 2 MiB
 * (413; the discovery doc's maxSize is 2097152); non-empty (400 mediaBodyRequired);
 * and the bytes really are an image (400 invalidImage). The body is streamed
 * and hashed, never buffered.
 */
import { createHash } from 'node:crypto';
import type { Ctx, Rc } from './context.ts';
import { ApiError, errors } from './errors.ts';
import { drain, sendJson } from './http.ts';
import { etagOf } from './ids.ts';
import { thumbnailUrls } from './videos.ts';

const THUMB_TYPES = ['image/jpeg', 'image/png', 'application/octet-stream'];

const thumbError = (code: number, reason: string, message: string) =>
  new ApiError(code, reason, message, { domain: 'youtube.thumbnail' });

function sniffImage(head: Buffer): 'image/jpeg' | 'image/png' | 'image/gif' | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (head.length >= 6 && /^GIF8[79]a$/.test(head.subarray(0, 6).toString('latin1'))) return 'image/gif';
  return undefined;
}

export async function handleThumbnailsSet(ctx: Ctx, rc: Rc): Promise<void> {
  try {
    precheck(ctx, rc);
  } catch (e) {
    drain(rc.req);
    throw e;
  }
  const videoId = rc.url.searchParams.get('videoId')!;
  const v = ctx.videos.byId.get(videoId)!;
  const max = ctx.opts.maxThumbnailBytes;
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let tooBig = false;
  for await (const chunk of rc.req as AsyncIterable<Buffer>) {
    if (tooBig) continue; // keep draining so the 413 reaches the client
    size += chunk.length;
    if (size > max) {
      tooBig = true;
      continue;
    }
    if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
    hash.update(chunk);
  }
  if (tooBig) throw errors.uploadTooLarge(max);
  if (size === 0) throw errors.mediaBodyRequired();
  const sniffed = sniffImage(head);
  if (!sniffed) throw thumbError(400, 'invalidImage', 'The provided image content is invalid.');
  const prev = v.thumbnail;
  v.thumbnail = {
    sha256: hash.digest('hex'),
    size,
    mimeType: sniffed,
    setAt: ctx.clock(),
    count: (prev?.count ?? 0) + 1,
  };
  const item = thumbnailUrls(v.id, true);
  sendJson(rc.res, 200, { kind: 'youtube#thumbnailSetResponse', etag: etagOf([v.id, v.thumbnail]), items: [item] });
}

function precheck(ctx: Ctx, rc: Rc): void {
  const videoId = rc.url.searchParams.get('videoId');
  if (!videoId) throw errors.requiredParameter('videoId');
  const uploadType = rc.url.searchParams.get('uploadType');
  if (uploadType !== null && uploadType !== 'media') {
    throw new ApiError(400, 'invalid', `Unsupported uploadType for thumbnails.set: ${uploadType}`, {
      location: 'uploadType',
      locationType: 'parameter',
    });
  }
  const v = ctx.videos.byId.get(videoId);
  if (!v || ctx.videos.lifecycle(v).gone) {
    throw new ApiError(404, 'videoNotFound', `The video identified by the videoId parameter could not be found.`, {
      domain: 'youtube.thumbnail',
      location: 'videoId',
      locationType: 'parameter',
    });
  }
  const channelId = rc.token!.channelId;
  if (v.channelId !== channelId) {
    throw thumbError(403, 'forbidden', 'The thumbnail cannot be set for the specified video: the request is not properly authorized.');
  }
  if (!ctx.channels.get(channelId)?.thumbnailsAllowed) {
    throw thumbError(403, 'forbidden', 'The authenticated user does not have permission to upload and set custom video thumbnails.');
  }
  const type = (rc.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!THUMB_TYPES.includes(type)) {
    throw errors.badContent(`Media type '${type || '(none)'}' is not supported. Valid media types: [${THUMB_TYPES.join(', ')}]`);
  }
  const cl = rc.req.headers['content-length'];
  if (cl !== undefined && Number(cl) > ctx.opts.maxThumbnailBytes) throw errors.uploadTooLarge(ctx.opts.maxThumbnailBytes);
}
