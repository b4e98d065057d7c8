/**
 * GET /waveform on a real node over real ffmpeg segments (a 440 Hz tone; a hole, a tombstoned and a
 * partial segment): picture size, bars where there is audio and nothing in holes, bar height like
 * wubloader's showwavespic, the peaks cache (second request runs no ffmpeg and rewrites no file), and
 * the route's 400/406 answers. Pixels are read back with ffmpeg, independently of our PNG writer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { startTestNode, tempDir, type TestNode } from '../helpers/node.ts';
import { waveformPng as showwavespicPng } from '../../main/media/ffmpeg/images.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { decodeCounters, peaksDirFor } from '../../main/media/waveform/index.ts';

let node: TestNode;
let fx: FixtureStore;
let dataDir: string;
const url = (start: number, end: number, extra = '') =>
  `/waveform/${fx.channel}/${fx.quality}.png?start=${fx.startIso(start)}&end=${fx.startIso(end)}${extra}`;

before(async () => {
  dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'));
  node = await startTestNode({ dataDir });
});
after(async () => {
  await node.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

/** RGBA pixels of PNG bytes, decoded by ffmpeg. */
function rgba(png: Buffer): { w: number; h: number; px: Buffer } {
  const file = join(dataDir, `img-${Math.random().toString(36).slice(2)}.png`);
  writeFileSync(file, png);
  const px = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 1 << 26 });
  return { w: png.readUInt32BE(16), h: png.readUInt32BE(20), px };
}
const alphaAt = (img: { w: number; px: Buffer }, x: number, y: number) => img.px[(y * img.w + x) * 4 + 3]!;
const column = (img: { w: number; h: number; px: Buffer }, x: number) => Array.from({ length: img.h }, (_, y) => alphaAt(img, x, y));
const opaqueRows = (img: { w: number; h: number; px: Buffer }, x: number) => column(img, x).filter((a) => a >= 128).length;

function peakFiles(): Map<string, number> {
  const dir = peaksDirFor(join(dataDir, 'segments'));
  return new Map(readdirSync(dir).filter((n) => n.endsWith('.bin')).map((n) => [n, statSync(join(dir, n)).mtimeMs]));
}

test('waveform of the whole recording: requested size, bars over audio, empty holes', async () => {
  const r = await node.get(url(0, fx.count, '&size=900x50')); // 10 columns per 2-second segment
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  const img = rgba(Buffer.from(await r.arrayBuffer()));
  assert.deepEqual([img.w, img.h], [900, 50]);
  const colOf = (segment: number, k: number) => segment * 10 + k;
  for (const seg of [0, 5, 39, 41, 60, 89]) {
    const x = colOf(seg, 5);
    assert.ok(opaqueRows(img, x) > 5, `segment ${seg} (column ${x}) has a bar: ${column(img, x)}`);
    assert.equal(alphaAt(img, x, 0), 0, `segment ${seg}: top row is transparent background`);
    assert.deepEqual([...img.px.subarray((25 * img.w + x) * 4, (25 * img.w + x) * 4 + 3)], [0, 0, 0], 'bars are black');
  }
  for (const [what, seg] of [['missing segment', fx.special.hole], ['tombstoned segment', fx.special.tombstoned]] as const) {
    for (let k = 1; k < 9; k++) {
      assert.ok(column(img, colOf(seg, k)).every((a) => a === 0), `${what} ${seg}: column ${colOf(seg, k)} is empty`);
    }
  }
  // the partial segment holds about half its audio: its second half is a hole
  const partial = fx.special.partial;
  assert.ok(opaqueRows(img, colOf(partial, 1)) > 5, 'start of the partial segment has audio');
  assert.ok(column(img, colOf(partial, 8)).every((a) => a === 0), 'end of the partial segment is empty');
});

test('bars are as tall as wubloader-style showwavespic draws the same audio', async () => {
  // segments 0..9 have no hole: the old ffmpeg picture and ours cover the same audio at the same scale
  const store = new SegmentStore(join(dataDir, 'segments'));
  const segs = (await store.getBestSegments(fx.channel, fx.quality, fx.start, fx.start + 20_000_000)).filter((s) => s !== null);
  const old = rgba(await showwavespicPng(segs.map((s) => store.abs(s!.path)), 200, 60));
  const ours = rgba(Buffer.from(await (await node.get(url(0, 10, '&size=200x60'))).arrayBuffer()));
  for (const x of [20, 100, 180]) {
    const a = opaqueRows(old, x);
    const b = opaqueRows(ours, x);
    assert.ok(a > 5 && Math.abs(a - b) <= 2, `column ${x}: showwavespic ${a} rows, ours ${b} rows`);
  }
});

test('second request is served from the peaks cache: no ffmpeg, no rewritten files', async () => {
  await node.get(url(0, fx.count, '&size=300x20')); // make sure everything is cached
  const files = peakFiles();
  // 90 slots minus the hole and the tombstoned one; the losing duplicate is never decoded
  assert.equal(files.size, fx.count - 2, `one envelope per best segment: ${files.size}`);
  const runs = decodeCounters.ffmpegRuns;
  const r = await node.get(url(3, 77, '&size=1200x60'));
  assert.equal(r.status, 200);
  assert.equal(decodeCounters.ffmpegRuns, runs, 'no ffmpeg was started');
  assert.deepEqual(peakFiles(), files, 'cache files untouched (same names, same mtimes)');
});

test('bad requests: 400 for parameters, 406 when nothing was recorded', async () => {
  for (const bad of ['size=0x10', 'size=5000x10', 'size=abc', 'size=10x0']) {
    assert.equal((await node.get(url(0, 10, `&${bad}`))).status, 400, bad);
  }
  assert.equal((await node.get(url(10, 0))).status, 400, 'end before start');
  assert.equal((await node.get(url(5, 5))).status, 400, 'empty range');
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=2026-11-21T00:00:00Z&end=2026-11-21T06:00:01Z`)).status, 400, 'over 6 hours');
  assert.equal((await node.get(`/waveform/desertbus/source.png?end=${fx.startIso(1)}`)).status, 400, 'missing start');
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=${fx.startIso(1)}`)).status, 400, 'missing end');
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=yesterday&end=${fx.startIso(1)}`)).status, 400, 'bad time');
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=2020-01-01T00:00:00Z&end=2020-01-01T00:01:00Z`)).status, 406, 'no content');
  const inHole = await node.get(url(fx.special.hole, fx.special.hole + 1));
  assert.equal(inHole.status, 406, 'a range entirely inside the hole has no content');
  assert.equal((await node.get(`/waveform/nochannel/source.png?start=${fx.startIso(0)}&end=${fx.startIso(1)}`)).status, 406, 'unknown channel');
  assert.equal((await node.get(`/waveform/desertbus/source.m3u8?start=${fx.startIso(0)}&end=${fx.startIso(1)}`)).status, 404, 'not .png');
  assert.equal((await node.get(`/waveform/.hidden/source.png?start=${fx.startIso(0)}&end=${fx.startIso(1)}`)).status, 403, 'hidden channel');
});
