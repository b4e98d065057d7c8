/**
 * The playlist block in video descriptions: the pure function (which playlists, the exact lines,
 * replacing instead of appending, leaving the editor's text alone) and the events hook — submit and
 * modify through the real EventOperations over real events and playlists databases, with the
 * 5000-byte limit counting the block.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventsDbPath, openEventsDb, type EventsDb } from '../../main/core/events/db.ts';
import { modifiableInputsOf } from '../../main/core/events/model.ts';
import { EventOperations, type OperationsOptions } from '../../main/core/events/operations.ts';
import {
  PLAYLIST_BLOCK_HEADER, playlistBlock, playlistsForTags, splitPlaylistBlock, withPlaylistBlock, type DescriptionPlaylist,
} from '../../main/core/events/playlist-lines.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';
import { finalDescription, utf8Bytes, ValidationError } from '../../main/core/events/validation.ts';
import { openPlaylistsDb, type PlaylistsDb } from '../../main/playlists/db.ts';
import { openDescriptionPlaylists } from '../../main/playlists/description.ts';
import { CreatePlaylistBody, defaultTemplateFor } from '../../main/playlists/model.ts';
import { PlaylistStore } from '../../main/playlists/store.ts';

const day1: DescriptionPlaylist = { id: 'PLday1aaaaaaaaaaaaaaaaaaaaaaaaaaaa', name: 'Day 1', tags: ['day 1'] };
const runs: DescriptionPlaylist = { id: 'PLrunsbbbbbbbbbbbbbbbbbbbbbbbbbbbb', name: 'Day 1 speedruns', tags: ['Day 1', 'speedrun'] };
const all: DescriptionPlaylist = { id: 'PLallcccccccccccccccccccccccccccccc', name: 'Everything', tags: [] };

test('lists playlists whose tags are all on the event, case-insensitive; no tags = every event', () => {
  assert.deepEqual(playlistsForTags([day1, runs, all], ['DAY 1']).map((p) => p.name), ['Day 1', 'Everything']);
  assert.deepEqual(playlistsForTags([day1, runs, all], ['speedrun', 'day 1 ']).map((p) => p.name), ['Day 1', 'Day 1 speedruns', 'Everything']);
  assert.deepEqual(playlistsForTags([day1, runs], []), []);
});

test('the block is the header and one "- name [link]" line per playlist, after a blank line', () => {
  assert.equal(playlistBlock([day1, all]), `${PLAYLIST_BLOCK_HEADER}\n- Day 1 [https://youtube.com/playlist?list=${day1.id}]\n- Everything [https://youtube.com/playlist?list=${all.id}]`);
  assert.equal(playlistBlock([]), '');
  const d = withPlaylistBlock('A great run.', [day1, runs], ['day 1']);
  assert.equal(d, `A great run.\n\n${PLAYLIST_BLOCK_HEADER}\n- Day 1 [https://youtube.com/playlist?list=${day1.id}]`);
  assert.equal(withPlaylistBlock('', [day1], ['day 1']), playlistBlock([day1]), 'an empty description gets just the block');
});

test('the block is replaced, never duplicated, and removed when no playlist applies; editor text is kept', () => {
  const once = withPlaylistBlock('Text\n', [day1, runs], ['day 1']);
  assert.equal(withPlaylistBlock(once, [day1, runs], ['day 1']), once, 'idempotent');
  const more = withPlaylistBlock(once, [day1, runs], ['day 1', 'speedrun']);
  assert.equal(more, `Text\n\n${playlistBlock([day1, runs])}`);
  assert.equal(withPlaylistBlock(more, [day1, runs], ['other']), 'Text', 'no playlist applies: block removed');
  // without a block and without playlists the text comes back byte for byte
  const raw = 'Line one\n\n- My favourite [https://youtube.com/playlist?list=PLmine]\n  ';
  assert.equal(withPlaylistBlock(raw, [], ['x']), raw);
  // an editor's own list of links (no header) is theirs, not ours
  assert.deepEqual(splitPlaylistBlock(raw), { body: raw, block: null });
  assert.equal(withPlaylistBlock(raw, [day1], ['day 1']), `Line one\n\n- My favourite [https://youtube.com/playlist?list=PLmine]\n\n${playlistBlock([day1])}`);
  // a header glued to the text above is not our block either
  const glued = `Text\n${playlistBlock([day1])}`;
  assert.equal(splitPlaylistBlock(glued).block, null);
  // a playlist renamed since: the old block is replaced by the new names
  const renamed = withPlaylistBlock(once, [{ ...day1, name: 'Day One' }], ['day 1']);
  assert.equal(renamed, `Text\n\n${PLAYLIST_BLOCK_HEADER}\n- Day One [https://youtube.com/playlist?list=${day1.id}]`);
});

test('defaultTemplateFor picks the most specific playlist whose tags are on the event', () => {
  const base = { account: 'a', location: null, first_event_id: null, last_event_id: null, show_in_description: false, remove_unmatched: true, reorder: true, enabled: true, revision: 1, created_at: 0, updated_at: 0 };
  const defs = [
    { ...base, id: 'PLa', name: 'A', tags: ['day 1'], default_template: 'day1' },
    { ...base, id: 'PLb', name: 'B', tags: ['day 1', 'speedrun'], default_template: 'runs' },
    { ...base, id: 'PLc', name: 'C', tags: [], default_template: null },
  ];
  assert.equal(defaultTemplateFor(defs, ['Day 1']), 'day1');
  assert.equal(defaultTemplateFor(defs, ['speedrun', 'day 1']), 'runs');
  assert.equal(defaultTemplateFor(defs, ['other']), null);
});

// ---- the events hook, over real databases ----

let dir: string;
let events: EventsDb;
let playlists: PlaylistsDb;
let store: PlaylistStore;
let repo: EventsRepository;
let source: ReturnType<typeof openDescriptionPlaylists>;
const T0 = Date.UTC(2026, 10, 20, 12) * 1000;
const rules = (o: Partial<OperationsOptions> = {}): OperationsOptions => ({
  titlePrefix: '', descriptionFooter: 'Footer!', locations: ['yt'], staticTags: [], leadInSeconds: 0, ...o,
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-pldesc-'));
  events = await openEventsDb(eventsDbPath(dir));
  repo = new EventsRepository(events.db);
  playlists = await openPlaylistsDb(dir);
  store = new PlaylistStore(playlists.db);
  const mk = (id: string, name: string, tags: string[], o: Record<string, unknown> = {}) =>
    store.create(CreatePlaylistBody.parse({ id, name, tags, account: 'acct', show_in_description: true, ...o }));
  await mk(day1.id, 'Day 1', ['day 1']);
  await mk(runs.id, 'Speedruns', ['speedrun']);
  await mk('PLhiddendddddddddddddddddddddddddd', 'Not shown', ['day 1'], { show_in_description: false });
  await mk('PLdisabledeeeeeeeeeeeeeeeeeeeeeeee', 'Disabled', ['day 1'], { enabled: false });
  source = openDescriptionPlaylists(dir);
});
after(async () => {
  await source.close();
  await playlists.close();
  await events.close();
  rmSync(dir, { recursive: true, force: true });
});

async function draft(ops: EventOperations, tags: string[], description: string) {
  const ev = await ops.create({ channel: 'desertbus', start: T0, end: T0 + 10_000_000, tags });
  return { ev, patch: { video_title: 'A run', video_description: description, video_tags: tags } };
}

const line = (p: { id: string }, name: string) => `- ${name} [https://youtube.com/playlist?list=${p.id}]`;

test('submit lists the show-in-description playlists matching the tags; modify keeps the block consistent', async () => {
  const ops = new EventOperations(repo, rules({ descriptionPlaylists: () => source.list() }));
  const { ev, patch } = await draft(ops, ['Day 1'], 'What happened.');
  const sub = await ops.submit(ev.id, { baseRevision: ev.revision }, patch);
  assert.equal(sub.video_description, `What happened.\n\n${PLAYLIST_BLOCK_HEADER}\n${line(day1, 'Day 1')}`, 'hidden and disabled playlists are not listed');
  // the cutter uploads finalDescription(video_description): block, then the footer
  assert.equal(finalDescription(sub.video_description!, rules()), `${sub.video_description}\n\nFooter!`);

  // pulled back and submitted again with the description as loaded: still one block
  const back = await ops.cancel(ev.id, { baseRevision: sub.revision });
  const again = await ops.submit(ev.id, { baseRevision: back.revision }, { video_description: back.video_description });
  assert.equal(again.video_description, sub.video_description);

  // published (as the cutter would record it); then tags change → the block follows
  const published = await repo.updateIfRevision(ev.id, again.revision, { state: 'DONE', video_id: 'BBBBBBBBBBB', video_link: 'https://youtu.be/BBBBBBBBBBB', upload_time: T0 }, 'test-publish', null);
  assert.ok(published, 'published');
  const mod = await ops.modify(ev.id, { baseRevision: published.revision }, { video_tags: ['day 1', 'speedrun'] });
  assert.equal(mod.video_description, `What happened.\n\n${PLAYLIST_BLOCK_HEADER}\n${line(day1, 'Day 1')}\n${line(runs, 'Speedruns')}`);
  assert.ok(await repo.markUpdated(ev.id, modifiableInputsOf(mod)), 'updater done');
  const cur = (await repo.get(ev.id))!;
  const none = await ops.modify(ev.id, { baseRevision: cur.revision }, { video_tags: ['other'], video_description: cur.video_description });
  assert.equal(none.video_description, 'What happened.', 'no playlist applies any more: the block is gone');

  // a playlist shown in descriptions from now on appears at the next modification
  await store.update(runs.id, { tags: ['other'] });
  const cur2 = (await repo.get(ev.id))!;
  const later = await ops.modify(ev.id, { baseRevision: cur2.revision }, { video_title: 'A run, renamed' });
  assert.equal(later.video_description, `What happened.\n\n${PLAYLIST_BLOCK_HEADER}\n${line(runs, 'Speedruns')}`);
  await store.update(runs.id, { tags: ['speedrun'] });
});

test('the 5000-byte description limit includes the playlist block (and the footer); a refused edit changes nothing', async () => {
  const ops = new EventOperations(repo, rules({ descriptionPlaylists: () => source.list() }));
  const block = `\n\n${PLAYLIST_BLOCK_HEADER}\n${line(day1, 'Day 1')}`;
  const footer = '\n\nFooter!';
  const room = 5000 - utf8Bytes(block) - utf8Bytes(footer);
  const { ev, patch } = await draft(ops, ['day 1'], 'é'.repeat(Math.floor(room / 2)) + (room % 2 ? 'x' : ''));
  const ok = await ops.submit(ev.id, { baseRevision: ev.revision }, patch);
  assert.equal(utf8Bytes(finalDescription(ok.video_description!, rules())), 5000, 'exactly at the limit');

  const { ev: ev2, patch: p2 } = await draft(ops, ['day 1'], patch.video_description + 'y');
  await assert.rejects(ops.submit(ev2.id, { baseRevision: ev2.revision }, p2), (e: unknown) => {
    assert.ok(e instanceof ValidationError, 'a validation error');
    assert.match(e.message, /5001 bytes/);
    return true;
  });
  const unchanged = (await repo.get(ev2.id))!;
  assert.equal(unchanged.state, 'UNEDITED');
  assert.equal(unchanged.revision, ev2.revision, 'nothing written');
  // the same text without a matching playlist fits
  const { ev: ev3, patch: p3 } = await draft(ops, ['no playlist'], patch.video_description + 'y');
  assert.equal((await ops.submit(ev3.id, { baseRevision: ev3.revision }, p3)).state, 'EDITED');
});

test('without the hook descriptions are untouched; a failing playlist source does not block edits', async () => {
  const plain = new EventOperations(repo, rules());
  const { ev, patch } = await draft(plain, ['day 1'], 'Just text');
  assert.equal((await plain.submit(ev.id, { baseRevision: ev.revision }, patch)).video_description, 'Just text');

  const broken = new EventOperations(repo, rules({ descriptionPlaylists: () => Promise.reject(new Error('db gone')) }));
  const quiet = console.error;
  console.error = () => {};
  try {
    const { ev: e2, patch: p2 } = await draft(broken, ['day 1'], 'Other text');
    assert.equal((await broken.submit(e2.id, { baseRevision: e2.revision }, p2)).video_description, 'Other text');
  } finally {
    console.error = quiet;
  }
});

test('only public events on playlist locations get the block (their videos are the only ones ever added)', async () => {
  const ops = new EventOperations(repo, rules({ locations: ['yt', 'disk'], descriptionPlaylists: () => source.list(), descriptionPlaylistLocations: ['yt'] }));
  const { ev, patch } = await draft(ops, ['day 1'], 'Local.');
  const local = await ops.submit(ev.id, { baseRevision: ev.revision }, { ...patch, upload_location: 'disk' });
  assert.equal(local.video_description, 'Local.', 'a local upload is in no YouTube playlist');
  const { ev: e2, patch: p2 } = await draft(ops, ['day 1'], 'Hidden.');
  const hidden = await ops.submit(e2.id, { baseRevision: e2.revision }, { ...p2, upload_location: 'yt', public: false });
  assert.equal(hidden.video_description, 'Hidden.', 'unlisted videos are not added to playlists');
  const pub = await repo.updateIfRevision(e2.id, hidden.revision, { state: 'DONE', video_id: 'CCCCCCCCCCC', video_link: 'https://youtu.be/CCCCCCCCCCC', upload_time: T0 }, 'test-publish', null);
  assert.ok(pub, 'published');
  const mod = await ops.modify(e2.id, { baseRevision: pub.revision }, { public: true });
  assert.equal(mod.video_description, `Hidden.\n\n${PLAYLIST_BLOCK_HEADER}\n${line(day1, 'Day 1')}`, 'made public: listed');
  const back = (await repo.get(e2.id))!;
  const again = await ops.modify(e2.id, { baseRevision: back.revision }, { public: false });
  assert.equal(again.video_description, 'Hidden.', 'made unlisted again: the block goes');
});
