/**
 * What a playlist should look like, and the next change that gets it there. Pure functions over the
 * local mirror of the playlist and the catalog of published events, so every ordering rule is
 * unit-tested without YouTube.
 *
 * Membership (wubloader §8, plus issue 5's removals):
 *  - desired: a DONE, public event on a YouTube location whose tags include every playlist tag
 *    (case-insensitive; no tags = every video). The pinned first/last events are desired whatever
 *    their tags (pinning is an explicit choice).
 *  - hold: our video, but its event is between states (MODIFIED, TRANSCODING): left where it is.
 *  - unmatched: our video whose DONE event no longer qualifies (tag removed, made unlisted) → removed.
 *  - duplicate: a second entry of one of our videos → removed (kept like an unknown entry when
 *    removals are off).
 *  - unknown: not one of our videos (added by a person, deleted/private placeholders): never touched;
 *    for inserting they count as earlier than anything (wubloader's rule).
 * Removals only when the playlist's remove_unmatched is on.
 *
 * Order: start of the event's first range (else the event start), ties by event id; the pinned first
 * event at index 0 and the pinned last event at the very end. With `reorder` on, the entries that are
 * not part of a longest already-sorted subsequence are moved, so the number of (50-unit) moves is the
 * minimum for the damage found; each is moved to just before the first correctly placed entry that
 * sorts after it. New videos are inserted with the same walk, so a finished run leaves nothing
 * misplaced and the next run plans nothing (no flapping).
 */
import type { EventState } from '../core/events/model.ts';
import type { MirrorEntry, PlaylistDef } from './model.ts';

export interface CatalogVideo {
  videoId: string;
  eventId: string;
  state: EventState;
  public: boolean;
  /** the event's video tags (its tags when it has none), lowercased */
  tags: string[];
  /** epoch µs: first range start, else event start */
  start: number;
}

/** video id → published video (only events on YouTube locations that have a video id). */
export type Catalog = ReadonlyMap<string, CatalogVideo>;

export type OrderRules = Pick<PlaylistDef, 'tags' | 'first_event_id' | 'last_event_id' | 'remove_unmatched' | 'reorder'>;

/** pin 0 = pinned first, 1 = ordinary, 2 = pinned last. */
export interface Rank {
  pin: 0 | 1 | 2;
  start: number;
  eventId: string;
}

export function compareRanks(a: Rank, b: Rank): number {
  if (a.pin !== b.pin) return a.pin - b.pin;
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export function rankOf(v: CatalogVideo, rules: OrderRules): Rank {
  const pin = v.eventId === rules.first_event_id ? 0 : v.eventId === rules.last_event_id ? 2 : 1;
  return { pin, start: v.start, eventId: v.eventId };
}

/** Every playlist tag is on the video (case-insensitive). */
export function matchesTags(playlistTags: readonly string[], videoTags: readonly string[]): boolean {
  const have = new Set(videoTags.map((t) => t.toLowerCase()));
  return playlistTags.every((t) => have.has(t.toLowerCase()));
}

export function isDesired(v: CatalogVideo, rules: OrderRules): boolean {
  if (v.state !== 'DONE' || !v.public) return false;
  if (v.eventId === rules.first_event_id || v.eventId === rules.last_event_id) return true;
  return matchesTags(rules.tags, v.tags);
}

/** The videos that belong in the playlist, in playlist order. */
export function expectedOrder(rules: OrderRules, catalog: Catalog): CatalogVideo[] {
  return [...catalog.values()].filter((v) => isDesired(v, rules)).sort((a, b) => compareRanks(rankOf(a, rules), rankOf(b, rules)));
}

export type EntryKind = 'desired' | 'hold' | 'unmatched' | 'duplicate' | 'unknown';

export interface ClassifiedEntry {
  entry: MirrorEntry;
  kind: EntryKind;
  video: CatalogVideo | undefined;
}

export function classify(rules: OrderRules, catalog: Catalog, entries: readonly MirrorEntry[]): ClassifiedEntry[] {
  const seen = new Set<string>();
  return entries.map((entry) => {
    const video = catalog.get(entry.videoId);
    if (!video) return { entry, kind: 'unknown', video };
    if (seen.has(entry.videoId)) return { entry, kind: 'duplicate', video };
    seen.add(entry.videoId);
    const kind: EntryKind = isDesired(video, rules) ? 'desired' : video.state === 'DONE' ? 'unmatched' : 'hold';
    return { entry, kind, video };
  });
}

/**
 * Where to put an entry of rank `r` in `list`: 0 for the pinned first, the end for the pinned last,
 * else just before the first known entry that sorts after it (or before the pinned last entry),
 * skipping unknown entries and those in `skip` (entries that will be moved themselves).
 */
export function insertIndex(
  list: readonly MirrorEntry[], rankOfEntry: (e: MirrorEntry) => Rank | undefined, r: Rank, skip: ReadonlySet<string> = new Set(),
): number {
  if (r.pin === 0) return 0;
  if (r.pin === 2) return list.length;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (skip.has(e.itemId)) continue;
    const rk = rankOfEntry(e);
    if (!rk || rk.pin === 0) continue;
    if (rk.pin === 2 || compareRanks(r, rk) < 0) return i;
  }
  return list.length;
}

/** Indices of one longest non-decreasing subsequence of `keys`. */
export function longestSortedRun(keys: readonly Rank[]): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array(keys.length).fill(-1);
  for (let i = 0; i < keys.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareRanks(keys[tails[mid]!]!, keys[i]!) <= 0) lo = mid + 1;
      else hi = mid;
    }
    prev[i] = lo > 0 ? tails[lo - 1]! : -1;
    tails[lo] = i;
  }
  const out = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) out.add(i);
  return out;
}

export type Action =
  | { type: 'delete'; entry: MirrorEntry; index: number; reason: 'unmatched' | 'duplicate' }
  | { type: 'move'; entry: MirrorEntry; video: CatalogVideo; from: number; to: number }
  | { type: 'insert'; video: CatalogVideo; index: number };

export interface Plan {
  removals: MirrorEntry[];
  /** misplaced entries that will be moved */
  moves: MirrorEntry[];
  /** desired videos missing from the playlist (including ones YouTube refused recently) */
  inserts: CatalogVideo[];
  /** the first change to make, or null when the playlist is as it should be (or only waits on `skip`) */
  next: Action | null;
}

/**
 * Plan against the playlist as mirrored. `skipInserts`: video ids not to try adding now (YouTube
 * refused them recently); they still count as pending.
 */
export function planPlaylist(rules: OrderRules, catalog: Catalog, entries: readonly MirrorEntry[], skipInserts: ReadonlySet<string> = new Set()): Plan {
  const classified = classify(rules, catalog, entries);
  const removable = (k: EntryKind) => rules.remove_unmatched && (k === 'unmatched' || k === 'duplicate');
  const removals = classified.filter((c) => removable(c.kind));
  const kept = classified.filter((c) => !removable(c.kind));
  const list = kept.map((c) => c.entry);
  const ranks = new Map<string, Rank>();
  // a kept duplicate (removals off) is left wherever it is, like an unknown entry
  for (const c of kept) if (c.video && c.kind !== 'duplicate') ranks.set(c.entry.itemId, rankOf(c.video, rules));
  const rankOfEntry = (e: MirrorEntry) => ranks.get(e.itemId);

  // misplaced: known entries outside a longest sorted run, and pinned entries not at the very ends
  const misplaced: ClassifiedEntry[] = [];
  if (rules.reorder) {
    const known = kept.filter((c) => ranks.has(c.entry.itemId));
    const run = longestSortedRun(known.map((c) => ranks.get(c.entry.itemId)!));
    known.forEach((c, i) => {
      const r = ranks.get(c.entry.itemId)!;
      const offEnd = (r.pin === 0 && list[0] !== c.entry) || (r.pin === 2 && list[list.length - 1] !== c.entry);
      if (!run.has(i) || offEnd) misplaced.push(c);
    });
    misplaced.sort((a, b) => compareRanks(ranks.get(a.entry.itemId)!, ranks.get(b.entry.itemId)!));
  }

  const present = new Set(list.map((e) => e.videoId));
  const inserts = expectedOrder(rules, catalog).filter((v) => !present.has(v.videoId));

  let next: Action | null = null;
  if (removals.length) {
    const c = removals[0]!;
    next = { type: 'delete', entry: c.entry, index: entries.indexOf(c.entry), reason: c.kind === 'duplicate' ? 'duplicate' : 'unmatched' };
  }
  const moves: MirrorEntry[] = [];
  const pendingMoves = new Set(misplaced.map((c) => c.entry.itemId));
  for (const c of misplaced) {
    const from = list.indexOf(c.entry);
    pendingMoves.delete(c.entry.itemId);
    const rest = list.filter((e) => e !== c.entry);
    const to = insertIndex(rest, rankOfEntry, ranks.get(c.entry.itemId)!, pendingMoves);
    if (to === from) continue; // already where it would go
    moves.push(c.entry);
    if (!next) next = { type: 'move', entry: c.entry, video: c.video!, from, to };
  }
  if (!next) {
    const v = inserts.find((x) => !skipInserts.has(x.videoId));
    if (v) next = { type: 'insert', video: v, index: insertIndex(list, rankOfEntry, rankOf(v, rules)) };
  }
  return { removals: removals.map((c) => c.entry), moves, inserts, next };
}
