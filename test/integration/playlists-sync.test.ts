/**
 * The playlist sync against the fake YouTube, with the real events database, YouTube client and
 * quota ledger. Quota is measured on the fake's own ledger (what Google would bill), per scenario:
 * steady state = 0 units (also after a restart); one new video into a 120-item playlist = 1 list + 1
 * insert; a removed tag = 1 delete; edits made behind our back are found and repaired with a bounded
 * number of calls; ordering with out-of-order completion, equal starts, pins and unknown entries;
 * manualSortRequired reported and not retried; budgets and backoff; refused videos.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { NodeConfig } from '../../main/core/config.ts';
import { eventsDbPath, openEventsDb, type EventsDb } from '../../main/core/events/db.ts';
import { editInputsOf, modifiableInputsOf } from '../../main/core/events/model.ts';
import { EventOperations } from '../../main/core/events/operations.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';
import { CreatePlaylistBody } from '../../main/playlists/model.ts';
import { createPlaylistSync, type PlaylistSyncRuntime } from '../../main/playlists/setup.ts';
import { PLAYLIST_STATUS_TOPIC, type RunReport } from '../../main/playlists/sync.ts';
import { openYouTube, type YouTubeAccount, type YouTubeStack } from '../../main/youtube/index.ts';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { tempDir } from '../helpers/node.ts';
import { connectAccount, FAST, fakeConfig } from './youtube-fixture.ts';

const S = 1_000_000;
const T0 = Date.UTC(2026, 10, 20, 12) * 1000;
let fake: FakeYouTube;
let dir: string;
let yt: YouTubeStack;
let account: YouTubeAccount;
let config: NodeConfig;
let events: EventsDb;
let repo: EventsRepository;
let ops: EventOperations;
let rt: PlaylistSyncRuntime;
const runtimes: PlaylistSyncRuntime[] = [];
const bus: { topic: string; key?: string; data: any }[] = [];

before(async () => {
  fake = await startFakeYouTube({ dailyQuota: 1_000_000 });
  dir = tempDir('tapedeck-playlists-');
  const ytConfig = fakeConfig(fake, { dailyUnits: 1_000_000 });
  yt = openYouTube(dir, ytConfig, FAST);
  account = await connectAccount(yt.accounts, fake);
  config = NodeConfig.parse({ nodeName: 'pl', youtube: ytConfig, uploadLocations: [
    { name: 'yt', type: 'youtube', account: account.id },
    { name: 'ytu', type: 'youtube', account: account.id, unlistedOnly: true },
  ] });
  events = await openEventsDb(eventsDbPath(dir));
  repo = new EventsRepository(events.db);
  ops = new EventOperations(repo, { titlePrefix: '', descriptionFooter: '', locations: ['yt', 'ytu'], staticTags: [], leadInSeconds: 0 });
  rt = await open();
});
after(async () => {
  for (const r of runtimes) await r.close();
  yt.close();
  await events.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(settings: Record<string, number> = {}): Promise<PlaylistSyncRuntime> {
  const r = await createPlaylistSync(dir, config, {
    youtube: FAST, settings: { checkIntervalMs: 0, fullCheckIntervalMs: 0, ...settings },
    publish: (topic, data, key) => void bus.push({ topic, key, data }),
  });
  runtimes.push(r);
  return r;
}

/** A published event (manual link to a video that exists on the fake), as an operator makes one. */
async function published(startSec: number, tags: string[], o: { videoId?: string } = {}): Promise<{ eventId: string; videoId: string; start: number }> {
  const videoId = o.videoId ?? fake.addVideo({ title: `video at ${startSec}` });
  const ev = await ops.create({ channel: 'desertbus', start: T0 + startSec * S, end: T0 + (startSec + 5) * S, tags });
  const titled = await ops.saveDraft(ev.id, { baseRevision: ev.revision }, { video_title: `Event at ${startSec}` });
  await ops.manualLink(ev.id, { baseRevision: titled.revision }, { video_link: `https://youtu.be/${videoId}` });
  return { eventId: ev.id, videoId, start: startSec };
}

/** A published event that went the cutter's way (EDITED → CLAIMED → FINALIZING → DONE on location yt). */
async function cut(startSec: number, tags: string[], location = 'yt'): Promise<{ eventId: string; videoId: string }> {
  const videoId = fake.addVideo({ title: `cut at ${startSec}` });
  const ev = await ops.create({ channel: 'desertbus', start: T0 + startSec * S, end: T0 + (startSec + 5) * S, tags });
  const sub = await ops.submit(ev.id, { baseRevision: ev.revision }, { video_title: `Cut ${startSec}`, upload_location: location });
  assert.equal(sub.upload_location, location);
  assert.ok(await repo.claimEvent(ev.id, 'cutter1', editInputsOf(sub)), 'claimed');
  assert.equal(await repo.markFinalizing(ev.id, 'cutter1'), 1);
  assert.equal(await repo.markUploaded(ev.id, 'cutter1', { videoId, videoLink: `https://youtu.be/${videoId}`, thumbnailLastWritten: null, needsTranscode: false }), 1);
  return { eventId: ev.id, videoId };
}

/** Change a published event's metadata and let "the updater" finish it (MODIFIED → DONE). */
async function modify(eventId: string, patch: { video_tags?: string[]; public?: boolean }, finish = true): Promise<void> {
  const cur = (await repo.get(eventId))!;
  const m = await ops.modify(eventId, { baseRevision: cur.revision }, patch);
  if (finish) assert.ok(await repo.markUpdated(eventId, modifiableInputsOf(m)), 'updated');
}

async function define(id: string, o: Record<string, unknown>): Promise<void> {
  await rt.store.create(CreatePlaylistBody.parse({ id, name: `Playlist ${id.slice(0, 6)}`, account: account.id, ...o }));
}

/** Run the sync for one playlist and measure what the fake billed and which playlist calls it saw. */
async function measured(run: () => Promise<RunReport>): Promise<{ report: RunReport; units: number; calls: Record<string, number> }> {
  fake.clearRequests();
  const before = fake.quotaSpent().units;
  const report = await run();
  const calls: Record<string, number> = {};
  for (const r of fake.requests()) if (r.op !== 'oauth.refresh') calls[r.op] = (calls[r.op] ?? 0) + 1;
  return { report, units: fake.quotaSpent().units - before, calls };
}

const sync = (id: string, r = rt) => measured(() => r.sync.syncPlaylist(id));
const pages = (n: number) => Math.max(1, Math.ceil(n / 50));

test('first sync fills an empty playlist in start order; with nothing new later runs cost 0 units, also after a restart', async () => {
  const pl = fake.addPlaylist({ title: 'Alpha' });
  const c = await published(300, ['Alpha']);
  const a = await published(100, ['alpha', 'extra']);
  await published(50, ['omega']); // other tag
  const b = await published(200, ['alpha']);
  const viaCutter = await cut(150, ['alpha']);
  await cut(160, ['alpha'], 'ytu'); // uploaded to an unlisted-only location: never added
  await define(pl, { tags: ['alpha'] });

  const first = await sync(pl);
  assert.equal(first.report.error, undefined, first.report.error);
  assert.deepEqual(first.calls, { 'playlistItems.list': 1, 'playlistItems.insert': 4 });
  assert.equal(first.units, 1 + 4 * 50);
  assert.deepEqual(fake.playlistVideoIds(pl), [a.videoId, viaCutter.videoId, b.videoId, c.videoId]);

  const steady = await sync(pl);
  assert.equal(steady.units, 0, 'nothing new: no quota');
  assert.deepEqual(steady.calls, {}, 'nothing new: no request at all');

  const restarted = await open();
  const again = await sync(pl, restarted);
  assert.equal(again.units, 0, 'the mirror survives a restart');
  assert.deepEqual(again.calls, {});

  const st = (await rt.store.getSync(pl))!;
  assert.equal(st.items, 4);
  assert.equal(st.quota_units, 201, 'quota spent today is tracked per playlist');
  assert.equal(st.last_error, null);
  assert.ok(st.last_run_at !== null && st.last_full_at !== null, 'run and fetch times recorded');
  const msg = bus.filter((m) => m.topic === PLAYLIST_STATUS_TOPIC && m.key === pl).at(-1);
  assert.ok(msg, 'playlist.status published with the playlist id as key');
  assert.equal(msg.data.status.items, 4);
  assert.deepEqual(msg.data.status.pending, { inserts: 0, moves: 0, removals: 0 });
  assert.equal(msg.data.status.quota_today.units, 201);
});

let big: string;
const bigEvents: { eventId: string; videoId: string; start: number }[] = [];
/** our videos in the big playlist, in start order */
const bigExpected = () => [...bigEvents].sort((a, b) => a.start - b.start).map((e) => e.videoId);

test('120-item playlist: one new video costs one first-page list and one insert (51 units), placed on page 2', async () => {
  for (let i = 0; i < 120; i++) bigEvents.push(await published(1000 + i * 10, ['beta']));
  big = fake.addPlaylist({ title: 'Beta', videoIds: bigEvents.map((e) => e.videoId) });
  await define(big, { tags: ['beta'] });
  const initial = await sync(big);
  assert.deepEqual(initial.calls, { 'playlistItems.list': 3 }, 'first sync reads the three pages, changes nothing');
  assert.equal(initial.units, 3);

  const fresh = await published(1000 + 60 * 10 + 5, ['beta']);
  const one = await sync(big);
  assert.deepEqual(one.calls, { 'playlistItems.list': 1, 'playlistItems.insert': 1 });
  assert.equal(one.units, 51);
  const order = fake.playlistVideoIds(big);
  assert.equal(order.length, 121);
  assert.equal(order.indexOf(fresh.videoId), 61, 'between the 61st and 62nd videos');
  assert.deepEqual(order.filter((v) => v !== fresh.videoId), bigEvents.map((e) => e.videoId), 'nothing else moved');
  bigEvents.splice(61, 0, fresh);
  assert.equal((await sync(big)).units, 0);
});

test('a tag removed from a published video costs exactly one delete (50 units); nothing while it is MODIFIED', async () => {
  const victim = bigEvents[10]!;
  await modify(victim.eventId, { video_tags: ['no longer beta'] }, false);
  const during = await sync(big);
  assert.equal(during.units, 0, 'a MODIFIED video is left alone');
  assert.ok(fake.playlistVideoIds(big).includes(victim.videoId), 'still listed while modifying');
  assert.ok(await repo.markUpdated(victim.eventId, modifiableInputsOf((await repo.get(victim.eventId))!)), 'updated');

  const removed = await sync(big);
  assert.deepEqual(removed.calls, { 'playlistItems.delete': 1 });
  assert.equal(removed.units, 50);
  assert.ok(!fake.playlistVideoIds(big).includes(victim.videoId), 'gone from the playlist');
  bigEvents.splice(10, 1);

  const unlisted = bigEvents[20]!;
  await modify(unlisted.eventId, { public: false });
  const r2 = await sync(big);
  assert.deepEqual(r2.calls, { 'playlistItems.delete': 1 }, 'made unlisted: removed too');
  bigEvents.splice(20, 1);
  assert.deepEqual(fake.playlistVideoIds(big), bigEvents.map((e) => e.videoId));
  assert.equal((await sync(big)).units, 0);
});

test('edits made behind our back are detected and repaired with a bounded number of calls', async () => {
  const ours = () => fake.playlistVideoIds(big).filter((v) => bigEvents.some((e) => e.videoId === v));
  const items = () => fake.getPlaylist(big)!.items;

  // (a) someone adds a video of their own at index 5; our next new video finds the list changed
  const stranger = fake.addVideo({ title: 'not ours' });
  await yt.api.insertPlaylistItem(account.id, { playlistId: big, videoId: stranger, position: 5 });
  const fresh = await published(1000 + 100 * 10 + 5, ['beta']);
  bigEvents.push(fresh);
  const n1 = items().length;
  const added = await sync(big);
  assert.deepEqual(added.calls, { 'playlistItems.list': pages(n1), 'playlistItems.insert': 1 }, 'first page, then the rest, then one insert');
  assert.equal(added.units, pages(n1) + 50);
  assert.equal(fake.playlistVideoIds(big)[5], stranger, 'the stranger stays where it was put');
  assert.deepEqual(ours(), bigExpected());
  assert.equal((await sync(big)).units, 0);

  // (b) someone deletes one of our entries: a check (e.g. the periodic one) finds it, it is re-added where it was
  const gone = items()[80]!;
  await yt.api.deletePlaylistItem(account.id, gone.id);
  await rt.store.requestSync(big, 'check');
  const n2 = items().length;
  const readded = await sync(big);
  assert.deepEqual(readded.calls, { 'playlistItems.list': pages(n2), 'playlistItems.insert': 1 });
  assert.equal(fake.playlistVideoIds(big)[80], gone.videoId, 're-inserted at its place');

  // (c) someone moves one of ours from page 3 to the top: the first page differs → refetch → one move
  const moved = items()[110]!;
  await yt.api.updatePlaylistItem(account.id, { id: moved.id, playlistId: big, videoId: moved.videoId, position: 1 });
  await rt.store.requestSync(big, 'check');
  const fixed = await sync(big);
  assert.deepEqual(fixed.calls, { 'playlistItems.list': pages(items().length), 'playlistItems.update': 1 });
  assert.equal(fixed.units, pages(items().length) + 50);
  assert.equal(fake.playlistVideoIds(big)[110], moved.videoId, 'moved back');

  // (d) a move beyond the first page is invisible to a first-page check (1 unit) but not to a full check
  const deep = items()[100]!;
  await yt.api.updatePlaylistItem(account.id, { id: deep.id, playlistId: big, videoId: deep.videoId, position: 70 });
  await rt.store.requestSync(big, 'check');
  const cheap = await sync(big);
  assert.deepEqual(cheap.calls, { 'playlistItems.list': 1 });
  await rt.store.requestSync(big, 'full');
  const full = await sync(big);
  assert.deepEqual(full.calls, { 'playlistItems.list': pages(items().length), 'playlistItems.update': 1 });
  assert.equal(fake.playlistVideoIds(big)[100], deep.videoId);
  assert.deepEqual(ours(), bigExpected(), 'our videos in start order again');
  assert.equal((await sync(big)).units, 0);
  assert.equal((await rt.store.getSync(big))!.force, null, 'the sync request was served');
});

test('periodic checks find outside edits even with nothing new, and cost nothing in between', async () => {
  let now = Date.now();
  const clocked = await createPlaylistSync(dir, config, { youtube: FAST, clock: () => now, settings: { checkIntervalMs: 3_600_000, fullCheckIntervalMs: 6 * 3_600_000 } });
  runtimes.push(clocked);
  const pl = fake.addPlaylist({ title: 'Periodic' });
  const v = [await published(5000, ['periodic']), await published(5010, ['periodic'])];
  await define(pl, { tags: ['periodic'] });
  assert.deepEqual((await sync(pl, clocked)).calls, { 'playlistItems.list': 1, 'playlistItems.insert': 2 });
  now += 30 * 60_000;
  assert.equal((await sync(pl, clocked)).units, 0, 'no check due yet');
  const it = fake.getPlaylist(pl)!.items[1]!;
  await yt.api.updatePlaylistItem(account.id, { id: it.id, playlistId: pl, videoId: it.videoId, position: 0 });
  now += 31 * 60_000;
  const checked = await sync(pl, clocked);
  assert.deepEqual(checked.calls, { 'playlistItems.list': 1, 'playlistItems.update': 1 }, 'hourly check: the first page (the whole list) differs, one move');
  assert.deepEqual(fake.playlistVideoIds(pl), v.map((x) => x.videoId));
  now += 10 * 60_000;
  assert.equal((await sync(pl, clocked)).units, 0);
});

test('out-of-order completion, equal start times, pinned first/last and an unknown entry, end to end', async () => {
  const stranger = fake.addVideo({ title: 'trailer' });
  const pl = fake.addPlaylist({ title: 'Gamma', videoIds: [stranger] });
  // the pinned events are set on the playlist as soon as they exist
  const made: Record<string, { eventId: string; videoId: string }> = {};
  await define(pl, { tags: ['gamma'] });
  const runs: number[] = [];
  for (const [name, start] of [['e2', 100], ['last', 0], ['e3', 50], ['first', 900], ['e1', 100]] as const) {
    made[name] = await published(6000 + start, ['gamma']);
    if (name === 'first' || name === 'last') {
      await rt.store.update(pl, { [`${name}_event_id`]: made[name]!.eventId });
    }
    const r = await sync(pl);
    assert.equal(r.report.error, undefined, r.report.error);
    runs.push(r.units);
  }
  // each completion: one first-page list + one insert, never a move
  assert.deepEqual(runs, [51, 51, 51, 51, 51], `runs cost ${runs.join(', ')}`);
  const [e1, e2] = [made.e1!, made.e2!].sort((x, y) => (x.eventId < y.eventId ? -1 : 1));
  assert.deepEqual(fake.playlistVideoIds(pl), [made.first!.videoId, stranger, made.e3!.videoId, e1!.videoId, e2!.videoId, made.last!.videoId]);
  assert.equal((await sync(pl)).units, 0);
});

test('a playlist YouTube sorts automatically is reported and not retried until the operator acts', async () => {
  const pl = fake.addPlaylist({ title: 'Auto sorted', manualSort: false });
  const v = await published(7000, ['delta']);
  await define(pl, { tags: ['delta'] });
  const r1 = await sync(pl);
  assert.match(r1.report.error ?? '', /sorted automatically/);
  const st = (await rt.store.getSync(pl))!;
  assert.match(st.blocked ?? '', /manual order/);
  assert.equal(st.pending_op, null, 'a refused insert is not left pending');
  assert.equal(st.pending_inserts, 1);
  for (let i = 0; i < 3; i++) {
    const again = await sync(pl);
    assert.equal(again.units, 0, 'blocked: no retries');
    assert.deepEqual(again.calls, {});
  }
  fake.setPlaylistOptions(pl, { manualSort: true });
  await rt.store.requestSync(pl, 'check');
  const ok = await sync(pl);
  assert.equal(ok.report.error, undefined, ok.report.error);
  assert.deepEqual(fake.playlistVideoIds(pl), [v.videoId]);
  assert.equal((await rt.store.getSync(pl))!.blocked, null);
});

test('a daily budget per playlist and failure backoff bound what a misbehaving playlist can spend', async () => {
  const budgeted = await open({ dailyUnitBudget: 120 });
  const pl = fake.addPlaylist({ title: 'Budget' });
  for (let i = 0; i < 4; i++) await published(8000 + i, ['epsilon']);
  await define(pl, { tags: ['epsilon'] });
  const r = await sync(pl, budgeted);
  assert.match(r.report.error ?? '', /daily budget of 120 units/);
  assert.deepEqual(r.calls, { 'playlistItems.list': 1, 'playlistItems.insert': 2 }, 'stops before going over');
  assert.equal(r.units, 101);
  const st = (await budgeted.store.getSync(pl))!;
  assert.ok((st.next_attempt_at ?? 0) > Date.now(), 'parked until midnight Pacific');
  assert.equal(st.pending_inserts, 2);
  assert.equal((await sync(pl, budgeted)).units, 0, 'parked: no calls');

  const flaky = fake.addPlaylist({ title: 'Broken' });
  await published(8100, ['zeta']);
  await define(flaky, { tags: ['zeta'] });
  const fault = fake.injectFault({ op: 'playlistItems.list', times: Infinity, action: { type: 'error', status: 503 } });
  try {
    const failed = await sync(flaky);
    assert.ok(failed.report.error, 'the run failed');
    assert.ok((failed.calls['playlistItems.list'] ?? 0) <= 4, `bounded retries: ${JSON.stringify(failed.calls)}`);
    const next = (await rt.store.getSync(flaky))!;
    assert.ok((next.next_attempt_at ?? 0) > Date.now(), 'backing off');
    assert.equal(next.failures, 1);
    const skipped = await sync(flaky);
    assert.equal(skipped.report.skipped, 'backoff');
    assert.deepEqual(skipped.calls, {}, 'no calls while backing off');
  } finally {
    fault.cancel();
  }
});

test('a video YouTube refuses to add (deleted) is left out for a while instead of being retried every run', async () => {
  const pl = fake.addPlaylist({ title: 'Refused' });
  const ok = await published(9000, ['eta']);
  const dead = await published(9010, ['eta']);
  fake.deleteVideo(dead.videoId);
  await define(pl, { tags: ['eta'] });
  const r = await sync(pl);
  assert.equal(r.report.error, undefined, r.report.error);
  assert.deepEqual(r.calls, { 'playlistItems.list': 1, 'playlistItems.insert': 2 });
  assert.deepEqual(fake.playlistVideoIds(pl), [ok.videoId]);
  const st = (await rt.store.getSync(pl))!;
  assert.ok(st.skipped[dead.videoId]! > Date.now(), 'remembered as refused');
  assert.equal(st.pending_inserts, 1, 'still shown as pending');
  assert.equal((await sync(pl)).units, 0, 'not retried on the next run');
});

test('a video we just added that a refetch does not show (YouTube lag) is not added twice within the grace period', async () => {
  let now = Date.now();
  const clocked = await createPlaylistSync(dir, config, { youtube: FAST, clock: () => now, settings: { checkIntervalMs: 0, fullCheckIntervalMs: 0, insertGraceMs: 10 * 60_000 } });
  runtimes.push(clocked);
  const pl = fake.addPlaylist({ title: 'Lag' });
  const v = await published(9500, ['lag']);
  await define(pl, { tags: ['lag'] });
  assert.deepEqual((await sync(pl, clocked)).calls, { 'playlistItems.list': 1, 'playlistItems.insert': 1 });
  // the listing no longer shows our fresh entry, as a lagging YouTube list would
  await yt.api.deletePlaylistItem(account.id, fake.getPlaylist(pl)!.items[0]!.id);
  await clocked.store.requestSync(pl, 'full');
  now += 60_000;
  const held = await sync(pl, clocked);
  assert.deepEqual(held.calls, { 'playlistItems.list': 1 }, 'not added again right away');
  assert.equal(held.report.pending.inserts, 1, 'shown as pending');
  now += 10 * 60_000;
  const later = await sync(pl, clocked);
  assert.deepEqual(later.calls, { 'playlistItems.list': 1, 'playlistItems.insert': 1 }, 'after the grace period it is added again');
  assert.deepEqual(fake.playlistVideoIds(pl), [v.videoId]);
});

test('a playlist YouTube does not know is blocked after one call, not retried every run', async () => {
  const missing = 'PLdoesnotexist0000000000000000000';
  await published(9600, ['theta']);
  await define(missing, { tags: ['theta'] });
  const r = await sync(missing);
  assert.match(r.report.error ?? '', /was not found/);
  assert.deepEqual(r.calls, { 'playlistItems.list': 1 });
  assert.match((await rt.store.getSync(missing))!.blocked ?? '', /not found/);
  const again = await sync(missing);
  assert.deepEqual(again.calls, {}, 'blocked: no more calls');
  assert.equal(again.report.skipped, 'blocked');
});
