/**
 * Playlist planning without YouTube (main/playlists/order.ts): membership by tags, start-time order
 * with ties, pinned first/last events, unknown entries counting as earlier, removals, minimal moves,
 * and convergence (a finished plan leaves nothing to do, so nothing flaps). The plans are executed
 * on an in-memory list with YouTube's position semantics (insert/move splice at `position`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventState } from '../../main/core/events/model.ts';
import type { MirrorEntry } from '../../main/playlists/model.ts';
import {
  classify, expectedOrder, insertIndex, longestSortedRun, planPlaylist, rankOf,
  type Action, type CatalogVideo, type OrderRules,
} from '../../main/playlists/order.ts';

const S = 1_000_000;
const rules = (o: Partial<OrderRules> = {}): OrderRules => ({
  tags: [], first_event_id: null, last_event_id: null, remove_unmatched: true, reorder: true, ...o,
});

function video(n: number, start: number, o: { tags?: string[]; state?: EventState; public?: boolean; event?: string } = {}): CatalogVideo {
  return {
    videoId: `vid${String(n).padStart(8, '0')}`, eventId: o.event ?? `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    state: o.state ?? 'DONE', public: o.public ?? true, tags: o.tags ?? ['day 1'], start,
  };
}
const catalogOf = (vs: CatalogVideo[]) => new Map(vs.map((v) => [v.videoId, v]));
let itemSeq = 0;
const entry = (videoId: string): MirrorEntry => ({ itemId: `item${++itemSeq}`, videoId });
const ids = (list: MirrorEntry[]) => list.map((e) => e.videoId);

/** Apply planned actions one at a time, as the sync does, until the plan is empty. */
function converge(r: OrderRules, cat: Map<string, CatalogVideo>, start: MirrorEntry[], max = 10_000): { list: MirrorEntry[]; actions: Action[] } {
  const list = [...start];
  const actions: Action[] = [];
  for (let i = 0; i < max; i++) {
    const a = planPlaylist(r, cat, list).next;
    if (!a) return { list, actions };
    actions.push(a);
    if (a.type === 'insert') list.splice(a.index, 0, entry(a.video.videoId));
    else if (a.type === 'delete') list.splice(list.findIndex((e) => e.itemId === a.entry.itemId), 1);
    else {
      const from = list.findIndex((e) => e.itemId === a.entry.itemId);
      assert.equal(from, a.from, 'move starts where the plan says');
      list.splice(from, 1);
      list.splice(a.to, 0, a.entry);
    }
  }
  throw new Error(`no convergence after ${max} actions`);
}

function assertSettled(r: OrderRules, cat: Map<string, CatalogVideo>, list: MirrorEntry[]): void {
  const p = planPlaylist(r, cat, list);
  assert.equal(p.next, null, `nothing left to do: ${JSON.stringify(p.next)}`);
  assert.deepEqual([p.inserts.length, p.moves.length, p.removals.length], [0, 0, 0]);
}

test('an empty playlist is filled in start order; videos finishing out of order are inserted, never moved', () => {
  const a = video(1, 10 * S);
  const b = video(2, 20 * S);
  const c = video(3, 30 * S);
  const r = rules({ tags: ['day 1'] });
  // C is cut first, then A, then B: each run sees one more DONE video
  let list: MirrorEntry[] = [];
  const seen: CatalogVideo[] = [];
  const all: Action[] = [];
  for (const v of [c, a, b]) {
    seen.push(v);
    const res = converge(r, catalogOf(seen), list);
    list = res.list;
    all.push(...res.actions);
  }
  assert.deepEqual(ids(list), [a.videoId, b.videoId, c.videoId]);
  assert.deepEqual(all.map((x) => x.type), ['insert', 'insert', 'insert'], 'only inserts');
  assert.deepEqual(all.map((x) => (x.type === 'insert' ? x.index : -1)), [0, 0, 1], 'A before C, B between them');
  assertSettled(r, catalogOf(seen), list);
});

test('membership: every playlist tag on the video (case-insensitive), DONE and public only; no tags = all', () => {
  const v1 = video(1, 1 * S, { tags: ['day 1', 'speedrun'] });
  const v2 = video(2, 2 * S, { tags: ['Day 1'] });
  const v3 = video(3, 3 * S, { tags: ['day 1', 'speedrun'], public: false });
  const v4 = video(4, 4 * S, { tags: ['day 1', 'speedrun'], state: 'MODIFIED' });
  const v5 = video(5, 5 * S, { tags: [] });
  const cat = catalogOf([v1, v2, v3, v4, v5]);
  assert.deepEqual(expectedOrder(rules({ tags: ['day 1', 'speedrun'] }), cat).map((v) => v.videoId), [v1.videoId]);
  assert.deepEqual(expectedOrder(rules({ tags: ['day 1'] }), cat).map((v) => v.videoId), [v1.videoId, v2.videoId]);
  assert.deepEqual(expectedOrder(rules({ tags: [] }), cat).map((v) => v.videoId), [v1.videoId, v2.videoId, v5.videoId]);
});

test('equal start times are ordered by event id, whatever order they arrive in, and then stay put', () => {
  const x = video(7, 50 * S, { event: 'bbbbbbbb-0000-4000-8000-000000000000' });
  const y = video(8, 50 * S, { event: 'aaaaaaaa-0000-4000-8000-000000000000' });
  const z = video(9, 50 * S, { event: 'cccccccc-0000-4000-8000-000000000000' });
  const r = rules({ tags: ['day 1'] });
  for (const arrival of [[x, y, z], [z, y, x], [y, z, x]]) {
    let list: MirrorEntry[] = [];
    const seen: CatalogVideo[] = [];
    for (const v of arrival) {
      seen.push(v);
      list = converge(r, catalogOf(seen), list).list;
    }
    assert.deepEqual(ids(list), [y.videoId, x.videoId, z.videoId], `arrival ${arrival.map((v) => v.videoId).join(',')}`);
    assertSettled(r, catalogOf(seen), list);
  }
  // a person swapping two equal-time entries is repaired with one move
  const swapped = [entry(x.videoId), entry(y.videoId), entry(z.videoId)];
  const res = converge(r, catalogOf([x, y, z]), swapped);
  assert.equal(res.actions.length, 1);
  assert.deepEqual(ids(res.list), [y.videoId, x.videoId, z.videoId]);
});

test('pinned first and last events go to the very start and end whatever their start time or tags', () => {
  const first = video(1, 90 * S, { tags: ['intro'] }); // late start, other tags: pinned anyway
  const mid1 = video(2, 10 * S);
  const mid2 = video(3, 20 * S);
  const last = video(4, 1 * S); // earliest start, but pinned last
  const later = video(5, 30 * S);
  const r = rules({ tags: ['day 1'], first_event_id: first.eventId, last_event_id: last.eventId });
  const cat = catalogOf([first, mid1, mid2, last]);
  const { list } = converge(r, cat, []);
  assert.deepEqual(ids(list), [first.videoId, mid1.videoId, mid2.videoId, last.videoId]);
  // a new ordinary video goes before the pinned last one
  const cat2 = catalogOf([first, mid1, mid2, last, later]);
  const res = converge(r, cat2, list);
  assert.deepEqual(res.actions.map((a) => a.type === 'insert' && a.index), [3]);
  assert.deepEqual(ids(res.list), [first.videoId, mid1.videoId, mid2.videoId, later.videoId, last.videoId]);
  // pins are absolute: an unknown entry added at the top by hand pushes the first event down → moved back
  const withUnknowns = [entry('handmade000'), ...res.list, entry('handmade001')];
  const fixed = converge(r, cat2, withUnknowns);
  assert.deepEqual(fixed.actions.map((a) => a.type), ['move', 'move']);
  assert.equal(fixed.list[0]!.videoId, first.videoId);
  assert.equal(fixed.list[fixed.list.length - 1]!.videoId, last.videoId);
  assertSettled(r, cat2, fixed.list);
});

test('unknown entries count as earlier: new videos go after them, before the first later known video', () => {
  const a = video(1, 10 * S);
  const c = video(3, 30 * S);
  const r = rules({ tags: ['day 1'] });
  const list = [entry('unknown0001'), entry(a.videoId), entry('unknown0002'), entry(c.videoId), entry('unknown0003')];
  const rank = (e: MirrorEntry) => { const v = catalogOf([a, c]).get(e.videoId); return v && rankOf(v, r); };
  assert.equal(insertIndex(list, rank, rankOf(video(2, 20 * S), r)), 3, 'after the unknown between A and C');
  assert.equal(insertIndex(list, rank, rankOf(video(0, 5 * S), r)), 1, 'after the leading unknown, before A');
  assert.equal(insertIndex(list, rank, rankOf(video(4, 40 * S), r)), 5, 'at the very end, after the trailing unknown');
  // entries being moved themselves are skipped
  assert.equal(insertIndex(list, rank, rankOf(video(2, 20 * S), r), new Set([list[3]!.itemId])), 5);
  // unknowns are never removed or moved
  const res = converge(r, catalogOf([a, c, video(2, 20 * S)]), list);
  assert.deepEqual(res.actions.map((x) => x.type), ['insert']);
  assert.deepEqual(classify(r, catalogOf([a, c]), list).map((x) => x.kind), ['unknown', 'desired', 'unknown', 'desired', 'unknown']);
});

test('removals: tag removed, made unlisted, duplicates; MODIFIED videos are held; both behind their switch', () => {
  const keep = video(1, 10 * S);
  const untagged = video(2, 20 * S, { tags: ['day 2'] });
  const unlisted = video(3, 30 * S, { public: false });
  const modifying = video(4, 40 * S, { tags: ['day 2'], state: 'MODIFIED' });
  const cat = catalogOf([keep, untagged, unlisted, modifying]);
  const list = [entry(keep.videoId), entry(untagged.videoId), entry(unlisted.videoId), entry(modifying.videoId), entry(keep.videoId)];
  const plan = planPlaylist(rules({ tags: ['day 1'] }), cat, list);
  assert.deepEqual(plan.removals.map((e) => e.videoId), [untagged.videoId, unlisted.videoId, keep.videoId]);
  assert.deepEqual(plan.next && plan.next.type === 'delete' && [plan.next.entry.itemId, plan.next.reason], [list[1]!.itemId, 'unmatched']);
  const res = converge(rules({ tags: ['day 1'] }), cat, list);
  assert.deepEqual(ids(res.list), [keep.videoId, modifying.videoId], 'the held MODIFIED video stays');
  assert.equal(res.list[0]!.itemId, list[0]!.itemId, 'the first copy of a duplicate is kept');
  const off = planPlaylist(rules({ tags: ['day 1'], remove_unmatched: false }), cat, list);
  assert.equal(off.removals.length, 0);
  assert.equal(off.next, null, 'nothing to delete, nothing misplaced');
});

test('misplaced entries are moved back with the minimum number of moves; reorder off leaves them', () => {
  const vs = Array.from({ length: 130 }, (_, i) => video(i + 1, (i + 1) * S));
  const cat = catalogOf(vs);
  const r = rules({ tags: ['day 1'] });
  const sorted = vs.map((v) => entry(v.videoId));
  // one entry (deep in page 3) moved to the top, one from the top moved to page 2
  const damaged = [...sorted];
  const [deep] = damaged.splice(110, 1);
  damaged.unshift(deep!);
  const [top] = damaged.splice(2, 1);
  damaged.splice(70, 0, top!);
  const res = converge(r, cat, damaged);
  assert.deepEqual(res.actions.map((a) => a.type), ['move', 'move'], 'two moves for two displaced entries');
  assert.deepEqual(ids(res.list), ids(sorted));
  assertSettled(r, cat, res.list);
  const off = planPlaylist({ ...r, reorder: false }, cat, damaged);
  assert.equal(off.next, null);
  assert.equal(off.moves.length, 0);
});

test('longestSortedRun finds a longest non-decreasing run', () => {
  const rk = (n: number) => ({ pin: 1 as const, start: n, eventId: 'e' });
  assert.deepEqual([...longestSortedRun([5, 1, 2, 3, 4].map(rk))].sort(), [1, 2, 3, 4]);
  assert.deepEqual([...longestSortedRun([1, 2, 3, 4, 0].map(rk))].sort(), [0, 1, 2, 3]);
  assert.equal(longestSortedRun([3, 3, 3].map(rk)).size, 3, 'ties are in order');
  assert.equal(longestSortedRun([]).size, 0);
});

test('random damage always converges to the expected order, with at most n - LIS moves, and stays settled', () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let trial = 0; trial < 150; trial++) {
    const n = 1 + rand(70);
    const vs = Array.from({ length: n }, (_, i) => video(i + 1, rand(20) * S, {
      tags: rand(5) === 0 ? ['day 2'] : ['day 1'], public: rand(9) !== 0, state: rand(12) === 0 ? 'MODIFIED' : 'DONE',
    }));
    const cat = catalogOf(vs);
    const r = rules({
      tags: ['day 1'],
      first_event_id: rand(3) === 0 ? vs[rand(n)]!.eventId : null,
      last_event_id: rand(3) === 0 ? vs[rand(n)]!.eventId : null,
    });
    if (r.first_event_id === r.last_event_id) r.last_event_id = null;
    // a random subset already present, shuffled, with unknown entries sprinkled in
    const present = vs.filter(() => rand(3) !== 0).map((v) => entry(v.videoId));
    for (let i = present.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [present[i], present[j]] = [present[j]!, present[i]!];
    }
    for (let k = rand(4); k > 0; k--) present.splice(rand(present.length + 1), 0, entry(`unknown${trial}x${k}`));
    const res = converge(r, cat, present);
    const expected = expectedOrder(r, cat).map((v) => v.videoId);
    const knownHere = ids(res.list).filter((v) => expected.includes(v));
    assert.deepEqual(knownHere, expected, `trial ${trial}: desired videos in order`);
    if (r.first_event_id) {
      const f = vs.find((v) => v.eventId === r.first_event_id)!;
      if (expected.includes(f.videoId)) assert.equal(res.list[0]!.videoId, f.videoId, `trial ${trial}: first pinned at 0`);
    }
    if (r.last_event_id) {
      const l = vs.find((v) => v.eventId === r.last_event_id)!;
      if (expected.includes(l.videoId)) assert.equal(res.list[res.list.length - 1]!.videoId, l.videoId, `trial ${trial}: last pinned at the end`);
    }
    assertSettled(r, cat, res.list);
    const moves = res.actions.filter((a) => a.type === 'move').length;
    assert.ok(moves <= present.length, `trial ${trial}: ${moves} moves for ${present.length} entries`);
  }
});
