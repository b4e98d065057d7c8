/**
 * TEMPLATE thumbnails (wubloader's compose_thumbnail_template): the frame is cropped to `crop`, scaled
 * (Lanczos) to the size of `location`, placed at `location` on a transparent canvas the size of the
 * template, and the template is alpha-composited ON TOP — the template's transparent window is where
 * the picture shows. Done as one ffmpeg filter graph (crop, scale, overlay) so no image library is needed.
 */
import { ffmpegToBuffer } from '../cut/ffmpeg-job.ts';
import { pngInfo } from './png.ts';

/** [left, top, right, bottom] in pixels, right/bottom exclusive (PIL's box convention). */
export type Box = [number, number, number, number];

export class ThumbnailError extends Error {
  readonly status = 400;
}

/** Parse "l,t,r,b" (the /thumbnail route's crop and location parameters). */
export function parseBox(value: string, name = 'box'): Box {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length !== 4 || !parts.every((p) => /^-?\d+$/.test(p))) {
    throw new ThumbnailError(`Invalid ${name} ${JSON.stringify(value)}: expected LEFT,TOP,RIGHT,BOTTOM integers`);
  }
  return parts.map(Number) as Box;
}

function checkBox(box: Box, name: string, within?: { width: number; height: number }): void {
  const [l, t, r, b] = box;
  if (!box.every(Number.isInteger) || r <= l || b <= t) {
    throw new ThumbnailError(`Invalid ${name} ${JSON.stringify(box)}: need integers with right > left and bottom > top`);
  }
  if (within && (l < 0 || t < 0 || r > within.width || b > within.height)) {
    throw new ThumbnailError(`${name} ${JSON.stringify(box)} is outside the ${within.width}x${within.height} image`);
  }
}

export async function composeTemplate(
  template: Uint8Array, frame: Uint8Array, crop: Box, location: Box, signal?: AbortSignal,
): Promise<Buffer> {
  const t = pngInfo(template);
  if (!t) throw new ThumbnailError('Template is not a PNG image');
  const f = pngInfo(frame);
  if (!f) throw new ThumbnailError('Frame is not a PNG image');
  checkBox(crop, 'crop', f);
  // A location partly outside the template is clipped, as pasting does; it only has to be a real box.
  checkBox(location, 'location');
  const [cl, ct, cr, cb] = crop;
  const [ll, lt, lr, lb] = location;
  const graph = [
    `[0:v]crop=${cr - cl}:${cb - ct}:${cl}:${ct},scale=${lr - ll}:${lb - lt}:flags=lanczos,format=rgba[f]`,
    `color=c=black@0.0:s=${t.width}x${t.height},format=rgba[canvas]`,
    `[canvas][f]overlay=x=${ll}:y=${lt}:format=rgb[under]`,
    `[1:v]format=rgba[tmpl]`,
    `[under][tmpl]overlay=0:0:format=rgb,format=rgba[out]`,
  ].join(';');
  return ffmpegToBuffer(
    [{ feed: { buffers: [frame] } }, { feed: { buffers: [template] } }],
    ['-filter_complex', graph, '-map', '[out]', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-pred', 'mixed', 'pipe:1'],
    signal,
  );
}
