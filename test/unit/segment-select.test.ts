import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSegmentPath, segmentFilename, US_PER_SECOND, type SegmentInfo, type SegmentType } from '../../main/media/segments/names.ts';
import { bestByStart, ContainsHoles, pickBest, selectBestSegments } from '../../main/media/segments/select.ts';

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0) * 1000;
const S = US_PER_SECOND;
const h = (c: string) => c.repeat(43);

function seg(startS: number, durS: number, type: SegmentType = 'full', hashChar = 'A'): SegmentInfo {
  return parseSegmentPath(`c/q/2026-11-21T10/${segmentFilename(T0 + startS * S, durS, type, type === 'temp' ? 'uuid' : h(hashChar))}`);
}
const span = (s: SegmentInfo | null) => (s ? [(s.start - T0) / S, (s.start + s.duration - T0) / S] : null);

test("wubloader's worked example: 10-60 over 5-15, 15-25, 30-40, 40-50", () => {
  const segs = [seg(5, 10), seg(15, 10), seg(30, 10), seg(40, 10)];
  const out = selectBestSegments(segs, T0 + 10 * S, T0 + 60 * S);
  assert.deepEqual(out.map(span), [[5, 15], [15, 25], null, [30, 40], [40, 50], null]);
});

test('leading hole when nothing covers the start', () => {
  const out = selectBestSegments([seg(12, 2), seg(14, 2)], T0 + 10 * S, T0 + 16 * S);
  assert.deepEqual(out.map(span), [null, [12, 14], [14, 16]]);
});

test('complete range has no holes and stops at the end', () => {
  const out = selectBestSegments([seg(0, 2), seg(2, 2), seg(4, 2), seg(6, 2)], T0 + 1 * S, T0 + 4 * S);
  assert.deepEqual(out.map(span), [[0, 2], [2, 4]]);
});

test('nothing found is a single hole', () => {
  assert.deepEqual(selectBestSegments([], T0, T0 + S), [null]);
  assert.deepEqual(selectBestSegments([seg(100, 2)], T0, T0 + S), [null]);
});

test('gaps and overlaps within 10 ms are contiguous, beyond are not', () => {
  const within = selectBestSegments([seg(0, 2), seg(2.009, 2), seg(4.0, 2)], T0, T0 + 6 * S);
  assert.equal(within.includes(null), false, 'a 9 ms gap and a 9 ms overlap are fine');
  const gap = selectBestSegments([seg(0, 2), seg(2.011, 2)], T0, T0 + 4 * S);
  assert.deepEqual(gap.map((s) => s === null), [false, true, false]);
  const overlap = selectBestSegments([seg(0, 2), seg(1.98, 2), seg(2, 2)], T0, T0 + 4 * S);
  assert.deepEqual(overlap.map(span), [[0, 2], [2, 4]], 'the overlapping segment is skipped');
});

test('a partial or suspect segment is always followed by a hole', () => {
  const out = selectBestSegments([seg(0, 2), seg(2, 2, 'partial'), seg(4, 2, 'suspect'), seg(6, 2)], T0, T0 + 8 * S);
  assert.deepEqual(out.map((s) => s?.type ?? null), ['full', 'partial', null, 'suspect', null, 'full']);
  const trailing = selectBestSegments([seg(0, 2), seg(2, 2, 'suspect')], T0, T0 + 4 * S);
  assert.equal(trailing[trailing.length - 1], null);
});

test('allowHoles=false raises ContainsHoles', () => {
  assert.throws(() => selectBestSegments([seg(0, 2), seg(4, 2)], T0, T0 + 6 * S, false), ContainsHoles);
  assert.equal(selectBestSegments([seg(0, 2), seg(2, 2)], T0, T0 + 4 * S, false).length, 2);
});

test('tie-break: full beats suspect beats partial; temp never', () => {
  const noSize = () => assert.fail('size not needed');
  assert.equal(pickBest([seg(0, 2, 'partial'), seg(0, 2, 'full', 'B')], noSize)!.type, 'full');
  const sizes = new Map<SegmentInfo, number>();
  const sus = seg(0, 2, 'suspect', 'C');
  const part = seg(0, 2, 'partial', 'D');
  sizes.set(sus, 10).set(part, 1000);
  assert.equal(pickBest([part, sus], (s) => sizes.get(s)!), sus, 'suspect beats a larger partial');
  assert.equal(pickBest([seg(0, 2, 'temp')], noSize), null);
});

test('tie-break among fulls: longer duration, then larger file, then highest hash', () => {
  const a = seg(0, 2, 'full', 'A');
  const b = seg(0, 2.002, 'full', 'B');
  assert.equal(pickBest([a, b], () => 5), b, 'longer wins');
  const c = seg(0, 2, 'full', 'C');
  const sizes = new Map([[a, 100], [c, 50]]);
  assert.equal(pickBest([a, c], (s) => sizes.get(s)!), a, 'larger wins at equal duration');
  assert.equal(pickBest([a, c], () => 7), c, 'highest-sorting hash wins at equal duration and size');
});

test('tie-break among partials: larger file', () => {
  const a = seg(0, 2, 'partial', 'A');
  const b = seg(0, 2, 'partial', 'B');
  const sizes = new Map([[a, 100], [b, 50]]);
  assert.equal(pickBest([a, b], (s) => sizes.get(s)!), a);
});

test('bestByStart groups by start time and sorts', () => {
  const out = bestByStart([seg(4, 2), seg(0, 2, 'partial'), seg(0, 2, 'full', 'Z'), seg(2, 2, 'temp')], () => 1);
  assert.deepEqual(out.map((s) => [(s.start - T0) / S, s.type]), [[0, 'full'], [4, 'full']]);
});
