/**
 * Thumbnails from real fixture segments: BARE frames (size, frame-exact), TEMPLATE composition (frame
 * shows through the template's transparent window, template everywhere else), CUSTOM validation, the
 * 2 MiB limit, previews and hashes. Pixels are read back with ffmpeg, independently of our code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildFixtureStore, segmentPool } from '../fixtures/segments.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import {
  makeThumbnail, MAX_THUMBNAIL_BYTES, NoFrameError, parseBox, pngInfo, ThumbnailError, thumbnailHash, thumbnailPreview,
  type FrameSource,
} from '../../main/media/thumbnails/index.ts';

const root = mkdtempSync(join(tmpdir(), 'thumbnail-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fx = buildFixtureStore(join(root, 'segments'));
const store = new SegmentStore(join(root, 'segments'));
const pool = segmentPool({ count: fx.count });
const source: FrameSource = { store, channel: fx.channel, quality: fx.quality };
const at = (seconds: number) => fx.start + Math.round(seconds * 1_000_000);

/** RGBA pixels of an image file or PNG bytes, via ffmpeg. */
function rgba(input: Buffer | string, select?: number): { w: number; h: number; px: Buffer } {
  const file = typeof input === 'string' ? input : join(root, `img-${Math.random().toString(36).slice(2)}.png`);
  if (typeof input !== 'string') writeFileSync(file, input);
  const vf = select === undefined ? [] : ['-vf', `select=eq(n\\,${select})`, '-vsync', '0'];
  const px = execFileSync('ffmpeg', ['-v', 'error', '-i', file, ...vf, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 1 << 26 });
  const [w, h] = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' })
    .trim().split(',').map(Number) as [number, number];
  return { w, h, px };
}
const pixel = (img: { w: number; px: Buffer }, x: number, y: number) => [...img.px.subarray((y * img.w + x) * 4, (y * img.w + x) * 4 + 4)];
const close = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
function meanDiff(a: Buffer, b: Buffer): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** A 640x360 template: opaque blue, transparent window at [100,50,420,230), fully transparent bottom-right corner. */
function makeTemplate(): Buffer {
  const file = join(root, 'template.png');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=blue:s=640x360,format=rgba',
    '-vf', "geq=r='0':g='0':b='255':a='if(between(X,100,419)*between(Y,50,229)+gt(X,599)*gt(Y,329),0,255)'",
    '-frames:v', '1', '-y', file]);
  return readFileSync(file);
}

test('BARE: the frame at the requested time, video-sized PNG', async () => {
  const png = await makeThumbnail({ mode: 'BARE', source, time: at(3.5) });
  assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.deepEqual(pngInfo(png), { width: 320, height: 180, colorType: pngInfo(png)!.colorType });
  // frame-exact: source frame 105 (segment 1, frame 45) and not its neighbours
  const img = rgba(png).px;
  const d = [43, 44, 45, 46, 47].map((k) => meanDiff(img, rgba(pool[1]!, k).px));
  assert.equal(d.indexOf(Math.min(...d)), 2, `distances ${d.map((x) => x.toFixed(2))}`);
  // hash: stable for the same picture, different for another
  assert.equal(thumbnailHash(png), thumbnailHash(await makeThumbnail({ mode: 'BARE', source, time: at(3.5) })));
  assert.notEqual(thumbnailHash(png), thumbnailHash(await makeThumbnail({ mode: 'BARE', source, time: at(5.1) })));
  assert.match(thumbnailHash(png), /^[0-9a-f]{64}$/);
});

test('TEMPLATE: frame under the template, visible through its window, template pixels elsewhere', async () => {
  const template = makeTemplate();
  const frame = rgba(await makeThumbnail({ mode: 'BARE', source, time: at(7.2) }));
  const png = await makeThumbnail({ mode: 'TEMPLATE', source, time: at(7.2), template, crop: [0, 0, 320, 180], location: [100, 50, 420, 230] });
  assert.equal(pngInfo(png)!.width, 640);
  assert.equal(pngInfo(png)!.height, 360);
  const out = rgba(png);
  // inside the window: the frame, 1:1
  for (const [x, y] of [[100, 50], [250, 140], [419, 229], [300, 60]] as const) {
    assert.ok(close(pixel(out, x, y), pixel(frame, x - 100, y - 50), 3), `window pixel ${x},${y}: ${pixel(out, x, y)} vs ${pixel(frame, x - 100, y - 50)}`);
  }
  // outside: the template
  for (const [x, y] of [[5, 5], [99, 50], [420, 229], [630, 10], [300, 300]] as const) {
    assert.deepEqual(pixel(out, x, y), [0, 0, 255, 255], `template pixel ${x},${y}`);
  }
  // transparent in the template and outside the location: stays transparent
  assert.equal(pixel(out, 630, 350)[3], 0);
  // A location larger than the window: the template is drawn OVER the frame, so its opaque border
  // hides the frame's edges and only the window shows picture.
  const over = rgba(await makeThumbnail({ mode: 'TEMPLATE', source, time: at(7.2), template, crop: [0, 0, 320, 180], location: [80, 30, 440, 250] }));
  assert.deepEqual(pixel(over, 90, 40), [0, 0, 255, 255], 'template covers the frame outside its window');
  assert.deepEqual(pixel(over, 430, 240), [0, 0, 255, 255]);
  assert.notDeepEqual(pixel(over, 300, 150), [0, 0, 255, 255], 'window shows the frame');
  assert.equal(pixel(over, 300, 150)[3], 255);
});

test('TEMPLATE: crop then scale into the location box', async () => {
  const template = makeTemplate();
  const time = at(7.2);
  const png = await makeThumbnail({ mode: 'TEMPLATE', source, time, template, crop: [80, 45, 240, 135], location: [100, 50, 420, 230] });
  // reference made directly with ffmpeg from the BARE frame: crop 160x90 at (80,45), Lanczos to 320x180
  const bare = join(root, 'bare.png');
  writeFileSync(bare, await makeThumbnail({ mode: 'BARE', source, time }));
  const ref = execFileSync('ffmpeg', ['-v', 'error', '-i', bare, '-vf', 'crop=160:90:80:45,scale=320:180:flags=lanczos', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
  const out = rgba(png);
  const window: number[] = [];
  for (let y = 50; y < 230; y++) for (let x = 100; x < 420; x++) window.push(...pixel(out, x, y));
  assert.ok(meanDiff(Buffer.from(window), ref) < 2, `mean difference ${meanDiff(Buffer.from(window), ref)}`);
});

test('CUSTOM: PNG passes through; non-PNG and over 2 MiB are refused', async () => {
  const small = makeTemplate();
  assert.deepEqual(await makeThumbnail({ mode: 'CUSTOM', image: small }), small);
  const jpeg = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=64x36', '-frames:v', '1', '-f', 'mjpeg', '-']);
  await assert.rejects(makeThumbnail({ mode: 'CUSTOM', image: jpeg }), (e: unknown) => e instanceof ThumbnailError && e.status === 400 && /PNG/.test(e.message));
  await assert.rejects(makeThumbnail({ mode: 'CUSTOM', image: Buffer.from('not an image') }), ThumbnailError);
  // a real PNG of noise, well over 2 MiB
  const big = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=1600x1200,format=rgb24,noise=alls=100:allf=t',
    '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'], { maxBuffer: 1 << 27 });
  assert.ok(big.length > MAX_THUMBNAIL_BYTES);
  await assert.rejects(makeThumbnail({ mode: 'CUSTOM', image: big }), (e: unknown) =>
    e instanceof ThumbnailError && /^Thumbnail is too big \(\d+\.\d+ MB, max 2MB\)$/.test(e.message));
});

test('previews, boxes and missing content', async () => {
  const template = makeTemplate();
  const bare = await thumbnailPreview(source, { timestamp: at(9.9) });
  assert.equal(pngInfo(bare)!.width, 320);
  const full = await thumbnailPreview(source, { timestamp: at(9.9), template });
  assert.deepEqual([pngInfo(full)!.width, pngInfo(full)!.height], [640, 360]);
  const boxed = await thumbnailPreview(source, { timestamp: at(9.9), template, crop: parseBox('0,0,320,180'), location: parseBox('100, 50, 420, 230') });
  assert.ok(close(pixel(rgba(boxed), 200, 100), pixel(rgba(bare), 100, 50), 3));
  assert.throws(() => parseBox('1,2,3'), ThumbnailError);
  await assert.rejects(thumbnailPreview(source, { timestamp: at(9.9), template, crop: [0, 0, 400, 180] }), /outside the 320x180 image/);
  await assert.rejects(thumbnailPreview(source, { timestamp: at(9.9), template, location: [10, 10, 10, 20] }), ThumbnailError);
  // segment 40 (80-82 s) is missing
  await assert.rejects(makeThumbnail({ mode: 'BARE', source, time: at(81) }), (e: unknown) => e instanceof NoFrameError && e.status === 406);
});
