/**
 * Crash safety of the playlist sync: the real worker process is killed with SIGKILL right after
 * YouTube accepted a change and before the local mirror recorded it (the worker's
 * TAPEDECK_PLAYLISTS_CRASH_AFTER hook). The next run must not repeat the change.
 *
 * The scenario is built so that the cheap first-page check alone would be fooled: after the crash
 * someone removes another entry beyond the first page, so the playlist's total and first page match
 * the stale mirror again. Only the change recorded as pending before the call makes the next run
 * refetch the playlist instead of inserting the video a second time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NodeConfig } from '../../main/core/config.ts';
import { eventsDbPath, openEventsDb, type EventsDb } from '../../main/core/events/db.ts';
import { EventOperations } from '../../main/core/events/operations.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';
import { openPlaylistsDb, type PlaylistsDb } from '../../main/playlists/db.ts';
import { CreatePlaylistBody } from '../../main/playlists/model.ts';
import { createPlaylistSync } from '../../main/playlists/setup.ts';
import { PlaylistStore } from '../../main/playlists/store.ts';
import { openYouTube, type YouTubeAccount, type YouTubeStack } from '../../main/youtube/index.ts';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { tempDir } from '../helpers/node.ts';
import { connectAccount, FAST, fakeConfig } from './youtube-fixture.ts';

const WORKER = fileURLToPath(new URL('../../main/playlists/worker.ts', import.meta.url));
const S = 1_000_000;
const T0 = Date.UTC(2026, 10, 21, 12) * 1000;
const QUIET = { checkIntervalMs: 0, fullCheckIntervalMs: 0 };
let fake: FakeYouTube;
let dir: string;
let yt: YouTubeStack;
let account: YouTubeAccount;
let config: NodeConfig;
let events: EventsDb;
let ops: EventOperations;
let pdb: PlaylistsDb;
let store: PlaylistStore;
let pl: string;
const starts = new Map<string, number>();

before(async () => {
  fake = await startFakeYouTube({ dailyQuota: 1_000_000 });
  dir = tempDir('tapedeck-plcrash-');
  const ytConfig = fakeConfig(fake, { dailyUnits: 1_000_000 });
  yt = openYouTube(dir, ytConfig, FAST);
  account = await connectAccount(yt.accounts, fake);
  config = NodeConfig.parse({ nodeName: 'crashy', youtube: ytConfig, uploadLocations: [{ name: 'yt', type: 'youtube', account: account.id }] });
  events = await openEventsDb(eventsDbPath(dir));
  ops = new EventOperations(new EventsRepository(events.db), { titlePrefix: '', descriptionFooter: '', locations: ['yt'], staticTags: [], leadInSeconds: 0 });
  pdb = await openPlaylistsDb(dir);
  store = new PlaylistStore(pdb.db);
});
after(async () => {
  yt.close();
  await pdb.close();
  await events.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function published(startSec: number): Promise<string> {
  const videoId = fake.addVideo({ title: `at ${startSec}` });
  const ev = await ops.create({ channel: 'desertbus', start: T0 + startSec * S, end: T0 + (startSec + 5) * S, tags: ['crash'] });
  await ops.manualLink(ev.id, { baseRevision: ev.revision }, { video_link: `https://youtu.be/${videoId}` });
  starts.set(videoId, startSec);
  return videoId;
}

/** Run the worker process until it exits (or kill it after `ms`). */
function runWorker(env: Record<string, string>, ms = 40_000): Promise<{ code: number | null; signal: string | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env, TAPEDECK_DATA: dir, TAPEDECK_CONFIG: JSON.stringify(config), TAPEDECK_WORKER: 'playlists',
      TAPEDECK_PLAYLISTS: JSON.stringify({ ...QUIET, intervalMs: 300 }), ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, output });
  }));
}

async function recover(): Promise<{ calls: Record<string, number> }> {
  const rt = await createPlaylistSync(dir, config, { youtube: FAST, settings: QUIET });
  try {
    fake.clearRequests();
    const report = await rt.sync.syncPlaylist(pl);
    assert.equal(report.error, undefined, report.error);
    const calls: Record<string, number> = {};
    for (const r of fake.requests()) if (r.op.startsWith('playlist')) calls[r.op] = (calls[r.op] ?? 0) + 1;
    return { calls };
  } finally {
    await rt.close();
  }
}

const ours = () => fake.playlistVideoIds(pl).filter((v) => starts.has(v));
const inStartOrder = () => [...starts.keys()].sort((a, b) => starts.get(a)! - starts.get(b)!);

test('kill -9 between a YouTube insert and the mirror update: the next run refetches and adds nothing twice', async () => {
  const vids: string[] = [];
  for (let i = 0; i < 60; i++) vids.push(await published(i * 10));
  const stranger = fake.addVideo({ title: 'added by a person' });
  pl = fake.addPlaylist({ title: 'Crash', videoIds: [...vids.slice(0, 55), stranger, ...vids.slice(55)] });
  await store.create(CreatePlaylistBody.parse({ id: pl, name: 'Crash test', tags: ['crash'], account: account.id }));
  assert.deepEqual((await recover()).calls, { 'playlistItems.list': 2 }, 'initial sync: read two pages, nothing to change');

  const x = await published(565);
  const crashed = await runWorker({ TAPEDECK_PLAYLISTS_CRASH_AFTER: 'insert' });
  assert.equal(crashed.signal, 'SIGKILL', `worker died by SIGKILL (code ${crashed.code}):\n${crashed.output}`);
  const afterCrash = fake.playlistVideoIds(pl);
  assert.equal(afterCrash.filter((v) => v === x).length, 1, 'YouTube got the insert');
  assert.equal(afterCrash.indexOf(x), 58, 'on page 2');
  const st = (await store.getSync(pl))!;
  assert.equal(st.pending_op?.op, 'insert', 'the insert was recorded as pending before the call');
  assert.equal(st.pending_op?.videoId, x);
  assert.equal(st.mirror!.some((e) => e.videoId === x), false, 'the mirror never heard of it');

  // someone removes the stranger: total and first page now match the stale mirror again
  const strangerItem = fake.getPlaylist(pl)!.items.find((i) => i.videoId === stranger)!;
  await yt.api.deletePlaylistItem(account.id, strangerItem.id);
  assert.equal(fake.getPlaylist(pl)!.items.length, st.mirror!.length, 'a first-page check alone would see the same total');
  assert.deepEqual(fake.playlistVideoIds(pl).slice(0, 50), st.mirror!.slice(0, 50).map((e) => e.videoId), '...and the same first page');

  const rec = await recover();
  assert.deepEqual(rec.calls, { 'playlistItems.list': 2 }, 'full refetch, no second insert');
  assert.equal(fake.playlistVideoIds(pl).filter((v) => v === x).length, 1, 'exactly one entry');
  assert.deepEqual(ours(), inStartOrder());
  const st2 = (await store.getSync(pl))!;
  assert.equal(st2.pending_op, null);
  assert.equal(st2.mirror!.length, 61);
  assert.deepEqual((await recover()).calls, {}, 'then steady: no calls');
});

test('kill -9 between a YouTube move and the mirror update: the move is not repeated', async () => {
  // a person moves one of ours to the top; the worker repairs it and is killed right after the move
  const items = fake.getPlaylist(pl)!.items;
  const m = items[40]!;
  await yt.api.updatePlaylistItem(account.id, { id: m.id, playlistId: pl, videoId: m.videoId, position: 0 });
  await store.requestSync(pl, 'check');
  const crashed = await runWorker({ TAPEDECK_PLAYLISTS_CRASH_AFTER: 'move' });
  assert.equal(crashed.signal, 'SIGKILL', `worker died by SIGKILL (code ${crashed.code}):\n${crashed.output}`);
  assert.equal(fake.playlistVideoIds(pl)[40], m.videoId, 'YouTube has it back in place');
  assert.equal((await store.getSync(pl))!.pending_op?.op, 'move');
  const rec = await recover();
  assert.deepEqual(rec.calls, { 'playlistItems.list': 2 }, 'refetch only; nothing left to move');
  assert.deepEqual(ours(), inStartOrder());
});

test('the worker runs clean without the hook: a new video is added once and the process stops on SIGTERM', async () => {
  const y = await published(1234);
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, TAPEDECK_DATA: dir, TAPEDECK_CONFIG: JSON.stringify(config), TAPEDECK_WORKER: 'playlists', TAPEDECK_PLAYLISTS: JSON.stringify({ ...QUIET, intervalMs: 200 }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const t0 = Date.now();
    while (!fake.playlistVideoIds(pl).includes(y) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fake.playlistVideoIds(pl).includes(y), `added by the worker:\n${output}`);
    await new Promise((r) => setTimeout(r, 700)); // a few more idle runs
    assert.equal(fake.playlistVideoIds(pl).filter((v) => v === y).length, 1);
    assert.deepEqual(ours(), inStartOrder());
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `clean exit:\n${output}`);
});
