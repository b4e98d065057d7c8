/**
 * Full cuts (everything re-encoded through one filter graph: concat for hard cuts, xfade/acrossfade
 * for transitions) and the webm preview type, from real fixture segments, checked with ffprobe/ffmpeg.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CutRequestError, cutStream, cutTypes, UnknownTransition } from '../../main/media/cut/index.ts';
import { cutHarness, assertAvStart, assertDuration, assertMonotonic, assertUniformPictures, decodeComplaints, decodeErrors, ffprobe, frames, mad } from './cut-harness.ts';

const { root, store, pool, at, segmentsFor, cut, assertFrameIs, assertBlendOf } = cutHarness('cut-full-');

test('full cut of one range: exact duration, clean, frame-exact start and end', async () => {
  const { out } = await cut('full', [[2.5, 9]]);
  assertDuration(out, 6.5);
  assertMonotonic(out);
  assertAvStart(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 75);
  assertFrameIs(out, 194, 269);
});

test('full cut: hard cuts between ranges and across a hole', async () => {
  const { out } = await cut('full', [[3.3, 7.7], [76.5, 86]], [null], true);
  assertDuration(out, 4.4 + 7.5);
  assertMonotonic(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 132, 2295); // first frame of range 2 (76.5 s)
  assertFrameIs(out, 132 + 105 + 15, 2475); // half a second after the hole (82.5 s)
});

test('full cut with an xfade transition', async () => {
  const { out, res } = await cut('full', [[3, 9], [30.5, 35]], [{ type: 'fade', duration: 1 }]);
  assert.equal(res.expectedSeconds, 9.5);
  assertDuration(out, 9.5);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 100, 190);
  assertFrameIs(out, 180, 945);
  // half way through the fade: range 1 at 8.5 s (source frame 255) blended with range 2 at 31.0 s (930)
  assertBlendOf(out, 165, [4, 15], [15, 30]);
});

test('webm preview (VP9/Opus) with a drawn custom transition', async () => {
  const ranges = [{ start: at(2), end: at(4) }, { start: at(10), end: at(12) }];
  const segments = await segmentsFor(ranges);
  assert.equal(cutTypes.webm!.contentType, 'video/webm');
  const chunks: Uint8Array[] = [];
  for await (const c of cutTypes.webm!.producer({ store, segments, ranges, transitions: [{ type: 'clockwipe', duration: 0.5 }] })) chunks.push(c);
  const f = join(root, 'preview.webm');
  writeFileSync(f, Buffer.concat(chunks));
  const info = ffprobe(['-show_entries', 'stream=codec_name,pix_fmt:format=format_name', '-of', 'json', f]);
  const j = JSON.parse(info) as { streams: { codec_name: string }[]; format: { format_name: string } };
  assert.deepEqual(j.streams.map((s) => s.codec_name).sort(), ['opus', 'vp9']);
  assert.match(j.format.format_name, /webm/);
  // streamed webm has no duration header: count the pictures (2 + 2 - 0.5 s at 30 fps)
  const count = Number(ffprobe(['-select_streams', 'v', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', f]).trim());
  assert.equal(count, 105);
  assert.equal(decodeErrors(f), '');
  // Clockwipe half way (output 1.75 s = frame 52): the hand sweeps clockwise from 12 o'clock, so the
  // right half already shows range 2 and the left half still range 1.
  const [mid] = frames(f, [52]);
  const [a] = frames(pool[1]!, [52]); // range 1 at 3.75 s: frame 112 = segment 1, local 52
  const [b] = frames(pool[5]!, [7]); // range 2 at 10.25 s: frame 307 = segment 5, local 7
  const half = (img: Buffer, right: boolean) => {
    const out: number[] = [];
    for (let y = 0; y < 180; y++) for (let x = right ? 200 : 0; x < (right ? 320 : 120); x++) out.push(img[y * 320 + x]!);
    return Buffer.from(out);
  };
  assert.ok(mad(half(mid!, true), half(b!, true)) < mad(half(mid!, true), half(a!, true)), 'right half is range 2');
  assert.ok(mad(half(mid!, false), half(a!, false)) < mad(half(mid!, false), half(b!, false)), 'left half is range 1');
});

test('bad requests fail before any output', async () => {
  const ranges = [{ start: at(2), end: at(4) }, { start: at(10), end: at(12) }];
  const segments = await segmentsFor(ranges);
  assert.throws(() => cutStream('full', { store, segments, ranges, transitions: [{ type: 'sparkle', duration: 1 }] }), UnknownTransition);
  assert.throws(() => cutTypes.smart!.producer({ store, segments, ranges, transitions: [{ type: 'sparkle', duration: 1 }] }), /Unknown transition "sparkle"; known transitions: fade, /);
  assert.throws(() => cutStream('full', { store, segments, ranges, transitions: [{ type: 'fade', duration: 3 }] }),
    (e: unknown) => e instanceof CutRequestError && e.status === 400);
  assert.throws(() => cutStream('smart', { store, segments: [[null]], ranges: [ranges[0]!], transitions: [] }, { allowHoles: true }),
    (e: unknown) => e instanceof CutRequestError && e.status === 406);
});
