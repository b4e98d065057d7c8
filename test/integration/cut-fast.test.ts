/**
 * Fast cuts (wubloader's: only the segments at the cut points re-encoded, the rest copied) from real
 * fixture segments, checked with ffprobe/ffmpeg: duration within one frame, monotonic DTS, a clean
 * decode, frame-exact start, transitions, holes through the route-style producer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cutTypes } from '../../main/media/cut/index.ts';
import { cutHarness, assertAvStart, assertDuration, assertMonotonic, assertUniformPictures, decodeComplaints, decodeErrors } from './cut-harness.ts';

const { root, store, at, segmentsFor, cut, assertFrameIs } = cutHarness('cut-fast-');

test('fast cut of one range: exact duration, monotonic, clean, frame-exact start and end', async () => {
  const { out, res } = await cut('fast', [[2.5, 9]]);
  assert.equal(res.contentType, 'video/MP2T');
  assertDuration(out, 6.5);
  assertMonotonic(out);
  assertAvStart(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 75);
  assertFrameIs(out, 194, 269);
  assertFrameIs(out, 60, 135); // a copied segment in the middle, untouched
});

test('fast cut of several ranges with an xfade transition and a hard cut', async () => {
  const { out, res } = await cut('fast', [[3, 9], [30.5, 35], [50.2, 52.8]], [{ type: 'wipeleft', duration: 1 }, null]);
  assert.equal(res.expectedSeconds, 12.1);
  assertDuration(out, 12.1);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 100, 190);
  assertFrameIs(out, 180, 945);
  assertFrameIs(out, 285, 1506); // first frame of the third range (50.2 s)
});

test('a transition into a hole is refused with a clear message', async () => {
  // segment 40 (80-82 s) is missing: a transition ending range 1 at 81 s has no video
  await assert.rejects(cut('fast', [[76, 81], [90, 94]], [{ type: 'fade', duration: 1 }], true), /not available at the start of a 1s transition/);
});

test('the fast producer skips holes instead of failing (the route decides about allow_holes)', async () => {
  const ranges = [{ start: at(76.5), end: at(86) }];
  const segments = await segmentsFor(ranges);
  assert.ok(segments[0]!.includes(null), 'the range really has a hole');
  const chunks: Uint8Array[] = [];
  for await (const c of cutTypes.fast!.producer({ store, segments, ranges, transitions: [] })) chunks.push(c);
  const f = join(root, 'producer.ts');
  writeFileSync(f, Buffer.concat(chunks));
  assertDuration(f, 7.5);
  assertMonotonic(f);
  assert.equal(decodeErrors(f), '');
});
