import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSegmentPath, segmentFilename, US_PER_SECOND, type SegmentInfo, type SegmentType } from '../../main/media/segments/names.ts';
import type { SegmentOrHole } from '../../main/media/segments/select.ts';
import { CutRequestError, expectedDuration, planFull, planSplice, type Piece } from '../../main/media/cut/plan.ts';
import { KNOWN_TRANSITIONS, supportedXfade, UnknownTransition, XFADE_TRANSITIONS, xfadeOptions } from '../../main/media/cut/transitions.ts';

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0) * 1000;
const S = US_PER_SECOND;
const at = (s: number) => T0 + Math.round(s * S);

function seg(startS: number, durS = 2, type: SegmentType = 'full'): SegmentInfo {
  return parseSegmentPath(`c/q/2026-11-21T10/${segmentFilename(at(startS), durS, type, 'A'.repeat(43))}`);
}
/** segments covering [a, b) in 2 s steps, with holes where listed */
function segs(a: number, b: number, holes: number[] = []): SegmentOrHole[] {
  const out: SegmentOrHole[] = [];
  for (let t = a; t < b; t += 2) out.push(holes.includes(t) ? null : seg(t));
  return out;
}
const sec = (us: number) => (us - T0) / S;
function describe(p: Piece): string {
  if (p.kind === 'copy') return `copy ${sec(p.segment.start)}`;
  if (p.kind === 'trim') return `trim ${sec(p.window.from)}-${sec(p.window.to)} of [${p.window.segments.map((s) => sec(s.start)).join(',')}]`;
  return `xfade ${p.transition.type} ${sec(p.a.from)}-${sec(p.a.to)} + ${sec(p.b.from)}-${sec(p.b.to)}`;
}

test('a range off segment boundaries: trim, copies, trim', () => {
  const pieces = planSplice({ segments: [segs(2, 10)], ranges: [{ start: at(2.5), end: at(9) }], transitions: [] });
  assert.deepEqual(pieces.map(describe), ['trim 2.5-4 of [2]', 'copy 4', 'copy 6', 'trim 8-9 of [8]']);
});

test('a range on segment boundaries is copied whole', () => {
  const pieces = planSplice({ segments: [segs(2, 8)], ranges: [{ start: at(2), end: at(8) }], transitions: [] });
  assert.deepEqual(pieces.map(describe), ['copy 2', 'copy 4', 'copy 6']);
  // 0.5 ms off a boundary still counts as on it (names are µs, frames are tens of ms)
  const near = planSplice({ segments: [segs(2, 8)], ranges: [{ start: at(2.0005), end: at(7.9995) }], transitions: [] });
  assert.deepEqual(near.map(describe), ['copy 2', 'copy 4', 'copy 6']);
});

test('a range inside one segment is a single trim', () => {
  const pieces = planSplice({ segments: [segs(4, 6)], ranges: [{ start: at(4.2), end: at(5.1) }], transitions: [] });
  assert.deepEqual(pieces.map(describe), ['trim 4.2-5.1 of [4]']);
});

test('holes split a range and are skipped', () => {
  const pieces = planSplice({ segments: [[null, ...segs(2, 12, [6])]], ranges: [{ start: at(1), end: at(11) }], transitions: [] });
  assert.deepEqual(pieces.map(describe), ['copy 2', 'copy 4', 'copy 8', 'trim 10-11 of [10]']);
});

test('a transition is one xfade piece; the ranges around it give up its duration', () => {
  const pieces = planSplice({
    segments: [segs(0, 6), segs(20, 26)],
    ranges: [{ start: at(0), end: at(5) }, { start: at(20.5), end: at(26) }],
    transitions: [{ type: 'fade', duration: 1.5 }],
  });
  assert.deepEqual(pieces.map(describe), [
    'copy 0', 'trim 2-3.5 of [2]',
    'xfade fade 3.5-5 + 20.5-22',
    'copy 22', 'copy 24',
  ]);
  const x = pieces[2] as Extract<Piece, { kind: 'xfade' }>;
  assert.deepEqual(x.a.segments.map((s) => sec(s.start)), [2, 4]);
  assert.deepEqual(x.b.segments.map((s) => sec(s.start)), [20]);
});

test('hard cuts between ranges and expected duration', () => {
  const req = {
    segments: [segs(0, 4), segs(10, 14), segs(20, 24)],
    ranges: [{ start: at(0), end: at(3) }, { start: at(10), end: at(14) }, { start: at(21), end: at(24) }],
    transitions: [null, { type: 'wipeleft', duration: 1 }],
  };
  assert.deepEqual(planSplice(req).map(describe), [
    'copy 0', 'trim 2-3 of [2]', 'copy 10', 'trim 12-13 of [12]', 'xfade wipeleft 13-14 + 21-22', 'copy 22',
  ]);
  assert.equal(expectedDuration(req.ranges, req.transitions), 9 * S);
});

test('a transition needs content on both sides', () => {
  const req = {
    segments: [segs(0, 6, [4]), segs(20, 24)],
    ranges: [{ start: at(0), end: at(6) }, { start: at(20), end: at(24) }],
    transitions: [{ type: 'fade', duration: 1 }],
  };
  assert.throws(() => planSplice(req), (e: unknown) => e instanceof CutRequestError && e.status === 406 && /not available at the start of a 1s transition/.test(e.message));
  assert.throws(() => planFull(req), (e: unknown) => e instanceof CutRequestError && e.status === 406);
});

test('bad requests are refused before any work', () => {
  const one = { segments: [segs(0, 4), segs(10, 14)], ranges: [{ start: at(0), end: at(4) }, { start: at(10), end: at(14) }] };
  assert.throws(() => planSplice({ ...one, transitions: [{ type: 'sparkles', duration: 1 }] }), UnknownTransition);
  assert.throws(() => planFull({ ...one, transitions: [{ type: 'sparkles', duration: 1 }] }), /Unknown transition "sparkles"/);
  assert.throws(() => planSplice({ ...one, transitions: [{ type: 'fade', duration: 5 }] }), /shorter than the transitions/);
  assert.throws(() => planSplice({ ...one, transitions: [null, null] }), /Too many transitions/);
  assert.throws(() => planSplice({ segments: [[null]], ranges: [{ start: at(0), end: at(4) }], transitions: [] }),
    (e: unknown) => e instanceof CutRequestError && e.status === 406);
  assert.throws(() => planSplice({ segments: [segs(0, 4)], ranges: [{ start: at(4), end: at(4) }], transitions: [] }), /Ends must be after starts/);
});

test('the transition catalogue is wubloader\'s 56 xfade names plus drawn extras', () => {
  assert.equal(XFADE_TRANSITIONS.length, 56);
  assert.equal(new Set(XFADE_TRANSITIONS).size, 56);
  for (const n of ['fade', 'dissolve', 'zoomin', 'coverleft', 'revealdown', 'hlwind', 'clockwipe']) assert.ok(KNOWN_TRANSITIONS.includes(n), n);
  for (const n of ['fadefast', 'fadeslow', 'custom']) assert.ok(!KNOWN_TRANSITIONS.includes(n), n);
});

test('full plan: one input per contiguous stretch, holes are hard cuts, joins carry transitions', () => {
  const plan = planFull({
    segments: [segs(0, 8, [4]), segs(20, 24)],
    ranges: [{ start: at(1), end: at(8) }, { start: at(20), end: at(23.5) }],
    transitions: [{ type: 'fade', duration: 1 }],
  });
  assert.deepEqual(plan.inputs.map((w) => [sec(w.from), sec(w.to), w.segments.map((s) => sec(s.start))]), [
    [1, 4, [0, 2]], [6, 8, [6]], [20, 23.5, [20, 22]],
  ]);
  assert.deepEqual(plan.joins, [null, { type: 'fade', duration: 1 }]);
});

test('every catalogue transition maps to something this ffmpeg can run', () => {
  const supported = supportedXfade();
  assert.ok(supported.has('fade') && supported.has('wipeleft'), 'parsed ffmpeg -h filter=xfade');
  for (const name of KNOWN_TRANSITIONS) {
    const opts = xfadeOptions(name);
    const m = /^transition=([a-z]+)/.exec(opts)!;
    assert.ok(m[1] === 'custom' ? opts.includes("expr='") : supported.has(m[1]!), `${name} -> ${opts}`);
    if (supported.has(name)) assert.equal(opts, `transition=${name}`, 'native when available');
  }
  assert.match(xfadeOptions('coverleft'), /^transition=(coverleft|wipeleft)$/);
  assert.throws(() => xfadeOptions('nope'), UnknownTransition);
});
