/**
 * The /thumbnail/<ch>/<q>.png preview routes (wubloader): GET with a named template from the
 * TemplateStore (its crop/location, or ones given in the query), POST with a one-off template PNG as
 * the body. Served by restreamerRoutes with a TemplateStore, behind the same error mapping as the
 * node's app (HttpError → its status). Pixels are read back with ffmpeg.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Hono } from 'hono';
import { buildFixtureStore, isoOf } from '../fixtures/segments.ts';
import { restreamerRoutes } from '../../main/core/http/restreamer.ts';
import { HttpError } from '../../main/core/http/params.ts';
import { TemplateStore } from '../../main/core/templates/store.ts';
import { UnsafePathError } from '../../main/media/segments/safe-path.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';

const root = mkdtempSync(join(tmpdir(), 'waveform-thumb-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fx = buildFixtureStore(join(root, 'segments'), { count: 45 });
const store = new SegmentStore(join(root, 'segments'));
const templates = new TemplateStore(root);

/** 640x360 opaque blue with a transparent window at [100,50,420,230). */
function makeTemplate(): Buffer {
  const file = join(root, 'template.png');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=blue:s=640x360,format=rgba',
    '-vf', "geq=r='0':g='0':b='255':a='if(between(X,100,419)*between(Y,50,229),0,255)'", '-frames:v', '1', '-y', file]);
  return readFileSync(file);
}
const template = makeTemplate();
/** the template as a fetch body */
const templateBody = new Uint8Array(template);
templates.put('window', template, { description: 'test', attribution: '', crop: [0, 0, 320, 180], location: [100, 50, 420, 230] });

function app(withTemplates = true): Hono {
  const a = new Hono();
  a.onError((err, c) => {
    if (err instanceof HttpError || err instanceof UnsafePathError) return c.text(err.message, err.status as 400);
    return c.text(`unexpected: ${err instanceof Error ? err.message : String(err)}`, 500);
  });
  a.route('/', restreamerRoutes({ store, ...(withTemplates ? { templates } : {}) }));
  return a;
}
const server = app();

function rgba(png: Buffer): { w: number; h: number; px: Buffer } {
  const file = join(root, `img-${Math.random().toString(36).slice(2)}.png`);
  writeFileSync(file, png);
  const px = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 1 << 26 });
  return { w: png.readUInt32BE(16), h: png.readUInt32BE(20), px };
}
const pixel = (img: { w: number; px: Buffer }, x: number, y: number) => [...img.px.subarray((y * img.w + x) * 4, (y * img.w + x) * 4 + 4)];
const BLUE = [0, 0, 255, 255];
const ts = (seconds: number) => isoOf(fx.start + Math.round(seconds * 1_000_000));
const path = `/thumbnail/${fx.channel}/${fx.quality}.png`;

async function png(r: Response): Promise<Buffer> {
  assert.equal(r.status, 200, `status 200, got ${r.status}: ${r.status === 200 ? '' : await r.clone().text()}`);
  assert.equal(r.headers.get('content-type'), 'image/png');
  return Buffer.from(await r.arrayBuffer());
}

test('GET: frame under the named template, with the template\'s crop and location', async () => {
  const img = rgba(await png(await server.request(`${path}?timestamp=${ts(7.2)}&template=window`)));
  assert.deepEqual([img.w, img.h], [640, 360]);
  for (const [x, y] of [[5, 5], [99, 50], [420, 229], [630, 350]] as const) assert.deepEqual(pixel(img, x, y), BLUE, `template pixel ${x},${y}`);
  for (const [x, y] of [[150, 100], [300, 200]] as const) {
    const p = pixel(img, x, y);
    assert.notDeepEqual(p, BLUE, `window pixel ${x},${y} shows the frame`);
    assert.equal(p[3], 255, 'frame pixels are opaque');
  }
});

test('GET: crop and location from the query override the template\'s', async () => {
  const dflt = rgba(await png(await server.request(`${path}?timestamp=${ts(7.2)}&template=window`)));
  const cropped = rgba(await png(await server.request(`${path}?timestamp=${ts(7.2)}&template=window&crop=160,90,320,180&location=100,50,420,230`)));
  let diff = 0;
  for (let y = 60; y < 220; y += 10) for (let x = 110; x < 410; x += 10) diff += Math.abs(pixel(dflt, x, y)[1]! - pixel(cropped, x, y)[1]!);
  assert.ok(diff > 500, `a different part of the frame shows in the window (difference ${diff})`);
  const moved = rgba(await png(await server.request(`${path}?timestamp=${ts(7.2)}&template=window&location=0,0,640,360`)));
  assert.deepEqual(pixel(moved, 5, 5), BLUE, 'template still on top outside its window');
});

test('GET errors: 400 bad parameters, 404 unknown template, 406 nothing recorded, 501 without a template store', async () => {
  const get = (q: string) => server.request(`${path}?${q}`);
  assert.equal((await get(`template=window`)).status, 400, 'missing timestamp');
  assert.equal((await get(`timestamp=yesterday&template=window`)).status, 400, 'bad timestamp');
  assert.equal((await get(`timestamp=${ts(3)}`)).status, 400, 'missing template');
  assert.equal((await get(`timestamp=${ts(3)}&template=window&crop=1,2,3`)).status, 400, 'crop needs four numbers');
  assert.equal((await get(`timestamp=${ts(3)}&template=window&location=a,b,c,d`)).status, 400, 'location must be integers');
  assert.equal((await get(`timestamp=${ts(3)}&template=window&crop=0,0,400,180`)).status, 400, 'crop outside the 320x180 frame');
  assert.equal((await get(`timestamp=${ts(3)}&template=window&location=10,10,10,20`)).status, 400, 'empty location box');
  assert.equal((await get(`timestamp=${ts(3)}&template=nosuch`)).status, 404, 'unknown template');
  assert.equal((await get(`timestamp=${ts(3)}&template=${encodeURIComponent('../window')}`)).status, 404, 'template names cannot walk');
  assert.equal((await get(`timestamp=${ts(81)}&template=window`)).status, 406, 'segment 40 is missing');
  assert.equal((await get(`timestamp=2020-01-01T00:00:00Z&template=window`)).status, 406, 'nothing recorded then');
  assert.equal((await app(false).request(`${path}?timestamp=${ts(3)}&template=window`)).status, 501, 'no template store');
  assert.equal((await server.request(`/thumbnail/${fx.channel}/${fx.quality}.jpg?timestamp=${ts(3)}&template=window`)).status, 404, 'not .png');
});

test('POST: one-off template from the body', async () => {
  const r = await server.request(`${path}?timestamp=${ts(7.2)}&crop=0,0,320,180&location=100,50,420,230`, { method: 'POST', body: templateBody });
  const img = rgba(await png(r));
  assert.deepEqual([img.w, img.h], [640, 360]);
  assert.deepEqual(pixel(img, 5, 5), BLUE, 'template pixel');
  assert.notDeepEqual(pixel(img, 200, 120), BLUE, 'frame in the window');
  // same picture as the named template with the same boxes
  const named = rgba(await png(await server.request(`${path}?timestamp=${ts(7.2)}&template=window`)));
  assert.deepEqual(pixel(img, 200, 120), pixel(named, 200, 120), 'POST and GET render alike');
});

test('POST errors: 400 missing boxes or non-PNG body, 406 nothing recorded, 413 oversized body', async () => {
  const post = (q: string, body: BodyInit = templateBody) => server.request(`${path}?${q}`, { method: 'POST', body });
  const boxes = 'crop=0,0,320,180&location=100,50,420,230';
  assert.equal((await post(`timestamp=${ts(3)}&location=100,50,420,230`)).status, 400, 'missing crop');
  assert.equal((await post(`timestamp=${ts(3)}&crop=0,0,320,180`)).status, 400, 'missing location');
  assert.equal((await post(boxes)).status, 400, 'missing timestamp');
  assert.equal((await post(`timestamp=${ts(3)}&${boxes}`, 'not a png')).status, 400, 'body is not a PNG');
  assert.equal((await post(`timestamp=${ts(3)}&${boxes}`, new Uint8Array(0))).status, 400, 'empty body');
  assert.equal((await post(`timestamp=${ts(81)}&${boxes}`)).status, 406, 'hole');
  const big = new Uint8Array(Buffer.concat([template, Buffer.alloc(17 * 1024 * 1024)]));
  assert.equal((await post(`timestamp=${ts(3)}&${boxes}`, big)).status, 413, 'over 16 MiB');
});
