/**
 * Video thumbnails (wubloader §5.7): BARE (the frame at thumbnail_time), TEMPLATE (that frame under a
 * template with a transparent window), CUSTOM (an uploaded PNG). YouTube refuses thumbnails over 2 MB,
 * so that limit is enforced here, with the message the editor shows. `thumbnailHash` is what the
 * updater stores to re-upload only when the picture actually changed.
 */
import { createHash } from 'node:crypto';
import { composeTemplate, ThumbnailError, type Box } from './compose.ts';
import { frameAt, type FrameSource } from './frame.ts';
import { isPng, pngInfo } from './png.ts';

export { composeTemplate, parseBox, ThumbnailError, type Box } from './compose.ts';
export { frameAt, NoFrameError, segmentAt, type FrameSource } from './frame.ts';
export { isPng, pngInfo, type PngInfo } from './png.ts';

export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

export type ThumbnailRequest =
  | { mode: 'BARE'; source: FrameSource; time: number }
  | { mode: 'TEMPLATE'; source: FrameSource; time: number; template: Uint8Array; crop: Box; location: Box }
  | { mode: 'CUSTOM'; image: Uint8Array };

/** Throw unless `png` is a PNG within YouTube's size limit. */
export function assertUploadable(png: Uint8Array): void {
  if (!isPng(png) || !pngInfo(png)) throw new ThumbnailError('Thumbnail must be a PNG image');
  if (png.byteLength > MAX_THUMBNAIL_BYTES) {
    throw new ThumbnailError(`Thumbnail is too big (${(png.byteLength / 1024 / 1024).toFixed(2)} MB, max 2MB)`);
  }
}

/** The thumbnail to upload for a video, as PNG bytes (≤ 2 MiB). Mode NONE has no thumbnail: don't call. */
export async function makeThumbnail(req: ThumbnailRequest, signal?: AbortSignal): Promise<Buffer> {
  let png: Buffer;
  switch (req.mode) {
    case 'CUSTOM':
      png = Buffer.from(req.image.buffer, req.image.byteOffset, req.image.byteLength);
      break;
    case 'BARE':
      png = await frameAt(req.source, req.time, signal);
      break;
    case 'TEMPLATE':
      png = await composeTemplate(req.template, await frameAt(req.source, req.time, signal), req.crop, req.location, signal);
      break;
    default:
      throw new ThumbnailError(`Unknown thumbnail mode ${JSON.stringify((req as { mode: unknown }).mode)}`);
  }
  assertUploadable(png);
  return png;
}

/** sha256 (hex) of the thumbnail bytes: store it after uploading; re-upload only when it changes. */
export function thumbnailHash(png: Uint8Array): string {
  return createHash('sha256').update(png).digest('hex');
}

export interface PreviewOptions {
  timestamp: number;
  /** template PNG (from the DB for GET, the request body for POST one-off overlays); none = bare frame */
  template?: Uint8Array;
  /** default: the whole frame */
  crop?: Box;
  /** default: the whole template */
  location?: Box;
}

/**
 * What `/thumbnail/<ch>/<q>.png?timestamp&template&crop&location` (and the POST one-off variant)
 * renders: the frame, composited when a template is given. No size limit: it is a preview.
 */
export async function thumbnailPreview(source: FrameSource, opts: PreviewOptions, signal?: AbortSignal): Promise<Buffer> {
  const frame = await frameAt(source, opts.timestamp, signal);
  if (!opts.template) return frame;
  const f = pngInfo(frame)!;
  const t = pngInfo(opts.template);
  if (!t) throw new ThumbnailError('Template is not a PNG image');
  return composeTemplate(
    opts.template, frame, opts.crop ?? [0, 0, f.width, f.height], opts.location ?? [0, 0, t.width, t.height], signal,
  );
}
