/** The renderer's pure editor logic: keyboard map, speeds, validation, draft persistence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyToAction, nextSpeed } from '../../renderer/src/editor/shortcuts.ts';
import { loadStoredDraft, outputSeconds, storeDraft, tagsLength, validate, type Draft } from '../../renderer/src/editor/model.ts';
import { duration, isoFromUs, parseDuration, usFromIso } from '../../renderer/src/lib/time.ts';

test("wubloader's keys and LosslessCut's i/o map to actions", () => {
  assert.deepEqual(keyToAction({ key: '5' }, true), { type: 'seekPercent', pct: 50 });
  assert.deepEqual(keyToAction({ key: ' ' }, false), { type: 'togglePlay' });
  assert.deepEqual(keyToAction({ key: 'j' }, false), { type: 'seek', seconds: -10 });
  assert.deepEqual(keyToAction({ key: 'L' }, false), { type: 'seek', seconds: 1 });
  assert.deepEqual(keyToAction({ key: 'ArrowLeft', shiftKey: true }, false), { type: 'seek', seconds: -60 });
  assert.deepEqual(keyToAction({ key: '.' }, false), { type: 'frame', frames: 1 });
  assert.deepEqual(keyToAction({ key: 'i' }, true), { type: 'setStart' });
  assert.deepEqual(keyToAction({ key: ']' }, true), { type: 'setEnd' });
  assert.deepEqual(keyToAction({ key: 'o' }, true), { type: 'setEnd' });
  assert.equal(keyToAction({ key: 'i' }, false), null, 'range keys only in the editor');
  assert.deepEqual(keyToAction({ key: 's', ctrlKey: true }, true), { type: 'saveDraft' });
  assert.equal(keyToAction({ key: 'x' }, true), null);
});

test('speed keys walk the speed list', () => {
  assert.equal(nextSpeed(1, 'up'), 1.25);
  assert.equal(nextSpeed(0.25, 'down'), 0.25);
  assert.equal(nextSpeed(1, 'max'), 2);
  assert.equal(nextSpeed(2, 'max'), 8);
  assert.equal(nextSpeed(4, 'reset'), 1);
});

const base: Draft = {
  title: 'A title', description: '', tags: [], ranges: [{ start: 0, end: 10_000_000 }], transitions: [],
  thumbnailMode: 'BARE', thumbnailTime: 5_000_000, thumbnailTemplate: null, thumbnailCrop: null, thumbnailLocation: null,
  thumbnailImage: null, allowHoles: false, public: true, uploadLocation: 'youtube',
  chapters: [], chaptersEnabled: false,
};

test('validation mirrors the server rules', () => {
  assert.deepEqual(validate(base), []);
  assert.equal(validate({ ...base, title: 'x'.repeat(92) }, { titlePrefix: 'DB2026 - ' }).length, 1, '92 + 9-character prefix = 101');
  assert.equal(validate({ ...base, title: 'x'.repeat(91) }, { titlePrefix: 'DB2026 - ' }).length, 0, 'exactly 100 is allowed');
  assert.ok(validate({ ...base, title: 'a <b>' }).some((i) => i.field === 'title'));
  assert.ok(validate({ ...base, description: 'é'.repeat(2501) }).some((i) => i.field === 'description'), '5002 bytes');
  assert.equal(validate({ ...base, description: 'é'.repeat(2500) }).length, 0, '5000 bytes is fine');
  assert.ok(validate({ ...base, ranges: [{ start: 5, end: 5 }] }).some((i) => i.field === 'ranges.0'));
  assert.ok(validate({ ...base, ranges: [base.ranges[0]!, base.ranges[0]!] }).some((i) => i.field === 'transitions'));
  assert.ok(validate({ ...base, thumbnailMode: 'TEMPLATE' }).some((i) => i.field === 'thumbnail'));
});

test("tag length follows YouTube's rule", () => {
  assert.equal(tagsLength(['Foo Baz']), 9);
  assert.equal(tagsLength(['a', 'b']), 3);
  assert.equal(tagsLength([]), 0);
});

test('output length subtracts transitions', () => {
  assert.equal(outputSeconds({ ...base, ranges: [{ start: 0, end: 10e6 }, { start: 20e6, end: 30e6 }], transitions: [{ type: 'fade', duration: 1 }] }), 19);
});

test('drafts round-trip through storage', () => {
  const mem = new Map<string, string>();
  const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
  storeDraft(storage, { eventId: 'e1', baseRevision: 3, draft: base, savedAt: 1 });
  assert.deepEqual(loadStoredDraft(storage, 'e1')?.draft, base);
  assert.equal(loadStoredDraft(storage, 'e2'), null);
  mem.set('tapedeck.draft.e3', '{broken');
  assert.equal(loadStoredDraft(storage, 'e3'), null);
});

test('time helpers', () => {
  const us = Date.UTC(2026, 10, 21, 10, 58, 1, 250) * 1000 + 7;
  assert.equal(isoFromUs(us), '2026-11-21T10:58:01.250007Z');
  assert.equal(usFromIso('2026-11-21T10:58:01.250007Z'), us);
  assert.equal(duration(3725.5), '1:02:05.500');
  assert.equal(parseDuration('1:02:05.5'), 3725.5);
  assert.equal(parseDuration('bad'), null);
});
