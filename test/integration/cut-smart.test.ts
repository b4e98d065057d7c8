/**
 * Smart cuts from real fixture segments (testsrc2 320x180, 30 fps, 2 s segments), checked with ffprobe
 * and ffmpeg: duration within one frame, strictly monotonic DTS, a clean decode, frame-exact ends, holes.
 * Checks are written against ffprobe/ffmpeg directly (not our TS code) so they are independent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ContainsHoles } from '../../main/media/segments/select.ts';
import { cutToFile, cutTypes } from '../../main/media/cut/index.ts';
import { restreamerRoutes } from '../../main/core/http/restreamer.ts';
import { cutHarness, FPS, S, assertAvStart, assertDuration, assertMonotonic, assertUniformPictures, decodeComplaints, decodeErrors, ffprobe, frames, mad } from './cut-harness.ts';

const { root, fx, store, cut, assertFrameIs, assertBlendOf } = cutHarness('cut-smart-');

test('smart cut of one range: exact duration, monotonic, clean, frame-exact at both ends', async () => {
  const { out, res, progress } = await cut('smart', [[2.5, 9]]);
  assert.equal(res.expectedSeconds, 6.5);
  assertDuration(out, 6.5);
  assertMonotonic(out);
  assertAvStart(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 75);
  assertFrameIs(out, 194, 269);
  // progress: increasing byte counts ending at the file size
  assert.ok(progress.length > 2);
  assert.ok(progress.every((b, i) => i === 0 || b > progress[i - 1]!));
  assert.equal(progress[progress.length - 1], statSync(out).size);
  assert.equal(res.bytes, statSync(out).size);
});

test('smart cut of several ranges with a hard cut (across the duplicated segment)', async () => {
  const { out } = await cut('smart', [[3.3, 7.7], [21.1, 24.9]]);
  assertDuration(out, 8.2);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 99);
  assertFrameIs(out, 131, 230);
  assertFrameIs(out, 132, 633);
});

test('smart cut with an xfade transition re-encodes only the overlap', async () => {
  const { out, res } = await cut('smart', [[3, 9], [30.5, 35]], [{ type: 'fade', duration: 1 }]);
  assert.equal(res.expectedSeconds, 9.5);
  assertDuration(out, 9.5);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 100, 190); // before the transition: range 1 untouched
  assertFrameIs(out, 180, 945); // just after it: range 2 at 31.5 s
  // Mid-transition (frame 165, half way) the picture is the 50 % blend of range 1 at 8.5 s (source frame
  // 255) and range 2 at 31.0 s (source frame 930).
  assertBlendOf(out, 165, [4, 15], [15, 30]);
});

test('holes: refused without allow_holes, skipped with it', async () => {
  // segment 40 (80-82 s) is missing from the store
  await assert.rejects(cut('smart', [[76, 86]]), ContainsHoles);
  const { out } = await cut('smart', [[76.5, 86]], [], true);
  assertDuration(out, 7.5);
  assertMonotonic(out);
  assert.equal(decodeErrors(out), '');
});

test('the smart producer streams through the /cut route', async () => {
  const app = restreamerRoutes({ store, cutTypes, defaultCutType: 'fast' });
  const r = await app.request(`/cut/${fx.channel}/${fx.quality}.ts?type=smart&range=${fx.startIso(1)},${fx.startIso(3)}&allow_holes=false`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'video/MP2T');
  const body = Buffer.from(await r.arrayBuffer());
  const f = join(root, 'route.ts');
  writeFileSync(f, body);
  assertDuration(f, 4);
  assert.deepEqual(readFileSync(f).subarray(0, 1), Buffer.from([0x47]));
  assert.deepEqual(Object.keys(cutTypes).sort(), ['fast', 'mpegts', 'rough', 'smart', 'webm']);
});

test('a source with B-frames (like most OBS streams): exact, decodable, explicit monotonic DTS', async () => {
  // 8 two-second segments, x264 with B-frames, written through the store like the recorder does
  const dir = join(root, 'bframes-src');
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '16', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', join(dir, 'b%03d.ts')]);
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0) * 1000;
  for (let i = 0; i < 8; i++) {
    await store.writeSegment('bframes', 'source', t0 + i * 2 * S, 2, 'full', readFileSync(join(dir, `b${String(i).padStart(3, '0')}.ts`)));
  }
  const ranges = [{ start: t0 + 1.5 * S, end: t0 + 9.5 * S }, { start: t0 + 11.1 * S, end: t0 + 14.2 * S }];
  const segments = await Promise.all(ranges.map((r) => store.getBestSegments('bframes', 'source', r.start, r.end)));
  const out = join(root, 'bframes.ts');
  await cutToFile('smart', { store, segments, ranges, transitions: [null] }, out);
  assertDuration(out, 8 + 3.1);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertUniformPictures(out);
  assert.equal(ffprobe(['-select_streams', 'v', '-show_entries', 'stream=profile', '-of', 'csv=p=0', out]).trim().split('\n')[0], 'High');
  // frame-exact: first frame is source frame 45 (segment 0, frame 45), first of range 2 is frame 333
  const src = (g: number) => frames(join(dir, `b${String(Math.floor(g / 60)).padStart(3, '0')}.ts`), [g % 60 - 2, g % 60 - 1, g % 60, g % 60 + 1, g % 60 + 2]);
  for (const [index, g] of [[0, 45], [240, 333]] as const) {
    const [frame] = frames(out, [index]);
    const d = src(g).map((c) => mad(frame!, c));
    assert.equal(d.indexOf(Math.min(...d)), 2, `frame ${index}: ${d.map((x) => x.toFixed(2))}`);
  }
  // ffprobe's DTS column for B-frame streams is its own reconstruction; the PES headers must carry
  // an explicit DTS on every video packet, strictly increasing.
  const dts: number[] = [];
  const bytes = readFileSync(out);
  for (let o = 0; o < bytes.length; o += 188) {
    const pid = ((bytes[o + 1]! & 0x1f) << 8) | bytes[o + 2]!;
    if (pid !== 0x100 || !(bytes[o + 1]! & 0x40)) continue;
    const p = o + 4 + ((bytes[o + 3]! & 0x20) ? 1 + bytes[o + 4]! : 0);
    assert.equal((bytes[p + 7]! >> 6) & 3, 3, `PES at packet ${o / 188} has PTS and DTS`);
    const ts = (q: number) => ((bytes[q]! >> 1) & 7) * 2 ** 30 + (bytes[q + 1]! << 22) + ((bytes[q + 2]! >> 1) << 15) + (bytes[q + 3]! << 7) + (bytes[q + 4]! >> 1);
    dts.push(ts(p + 14));
  }
  assert.equal(dts.length, Math.round(11.1 * FPS));
  assert.ok(dts.every((x, i) => i === 0 || x > dts[i - 1]!), 'DTS strictly increasing');
});
