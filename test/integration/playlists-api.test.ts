/**
 * /api/playlists through a real node: the events subsystem wired with the playlist description hook
 * and the playlists subsystem whose sync worker runs as a supervised process against the fake
 * YouTube. Every 400 leaves everything as it was; status shows on GET and as `playlist.status` on
 * the bus; submitted events list their playlists in the description.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { BusMessage } from '../../main/core/bus/event-bus.ts';
import { createEventsSubsystem } from '../../main/core/events/subsystem.ts';
import { TemplateStore } from '../../main/core/templates/store.ts';
import { openDescriptionPlaylists } from '../../main/playlists/description.ts';
import { createPlaylistsSubsystem } from '../../main/playlists/subsystem.ts';
import { openYouTube, type YouTubeAccount } from '../../main/youtube/index.ts';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { callJson, startTestNode, tempDir, type TestNode } from '../helpers/node.ts';
import { connectAccount, FAST, fakeConfig } from './youtube-fixture.ts';

let node: TestNode;
let dataDir: string;
let fake: FakeYouTube;
let account: YouTubeAccount;
const messages: BusMessage[] = [];
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

before(async () => {
  dataDir = tempDir('tapedeck-plapi-');
  fake = await startFakeYouTube({ dailyQuota: 1_000_000 });
  const ytConfig = fakeConfig(fake, { dailyUnits: 1_000_000 });
  const yt = openYouTube(dataDir, ytConfig, FAST);
  account = await connectAccount(yt.accounts, fake);
  yt.close();
  new TemplateStore(dataDir).put('day-one', PNG, { description: '', attribution: '', crop: [0, 0, 10, 10], location: [0, 0, 10, 10] });
  node = await startTestNode({
    dataDir,
    config: {
      youtube: ytConfig,
      uploadLocations: [
        { name: 'yt', type: 'youtube', account: account.id, cutType: 'full', unlistedOnly: false, categoryId: '20', language: 'en' },
        { name: 'disk', type: 'local', path: 'videos', cutType: 'full', unlistedOnly: false, categoryId: '20', language: 'en' },
      ],
      cutter: false,
    },
    subsystems: [
      createEventsSubsystem({ locations: ['yt', 'disk'], changePollMs: 100 }, { descriptionPlaylists: (ctx) => openDescriptionPlaylists(ctx.dataDir, ctx.config) }),
      createPlaylistsSubsystem({ settings: { intervalMs: 300, checkIntervalMs: 0, fullCheckIntervalMs: 0 } }),
    ],
  });
  node.bus.subscribe((m) => messages.push(m));
});
after(async () => {
  await node.cleanup();
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: unknown, raw?: string) => callJson(node, method, path, body, raw);

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An event published by hand (manual link) through the events API, with tags. */
async function publishedEvent(tags: string[], startIso: string): Promise<{ id: string; videoId: string }> {
  const videoId = fake.addVideo({ title: 'published' });
  const c = await call('POST', '/api/db/events', { channel: 'desertbus', start: startIso, end: startIso.replace(':00.', ':05.'), tags });
  assert.equal(c.status, 201, JSON.stringify(c.json));
  const l = await call('POST', `/api/db/events/${c.json.event.id}/manual-link`, { baseRevision: c.json.event.revision, video_link: `https://youtu.be/${videoId}` });
  assert.equal(l.status, 200, JSON.stringify(l.json));
  return { id: c.json.event.id, videoId };
}

let pl: string;

test('no playlists: empty list and no sync worker running', async () => {
  const r = await call('GET', '/api/playlists');
  assert.deepEqual(r, { status: 200, json: { playlists: [] } });
  const workers = (await call('GET', '/api/workers')).json as { name: string }[];
  assert.ok(!workers.some((w) => w.name === 'playlists'), 'no worker before the first playlist');
});

test('bad requests get a 400 JSON error and change nothing', async () => {
  pl = fake.addPlaylist({ title: 'Day 1' });
  const ev = await publishedEvent(['other'], '2026-11-20T10:00:00.000000Z');
  const good = { id: pl, name: 'Day 1', account: account.id, tags: ['Day 1'] };
  const cases: [string, unknown, RegExp][] = [
    ['missing name', { id: pl, account: account.id }, /name/],
    ['bad id', { ...good, id: 'PL bad id!' }, /id/],
    ['unknown key', { ...good, colour: 'red' }, /colour|Unrecognized/i],
    ['tags not a list', { ...good, tags: 'day 1' }, /tags/],
    ['empty tag', { ...good, tags: ['  '] }, /tags/],
    ['neither account nor location', { id: pl, name: 'x' }, /account or location/],
    ['unknown account', { ...good, account: 'nobody' }, /no connected YouTube account "nobody"/],
    ['unknown location', { id: pl, name: 'x', location: 'nowhere' }, /no upload location "nowhere"/],
    ['local location', { id: pl, name: 'x', location: 'disk' }, /not a YouTube location/],
    ['unknown first event', { ...good, first_event_id: '00000000-0000-4000-8000-000000000000' }, /first_event_id: no event/],
    ['same first and last', { ...good, first_event_id: ev.id, last_event_id: ev.id }, /must be different/],
    ['unknown template', { ...good, default_template: 'nope' }, /no thumbnail template "nope"/],
    ['name with <', { ...good, name: 'a <b>' }, /name/],
  ];
  for (const [what, body, msg] of cases) {
    const r = await call('POST', '/api/playlists', body);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, msg, what);
  }
  for (const raw of ['{not json', '[]', '"x"']) {
    const r = await call('POST', '/api/playlists', undefined, raw);
    assert.equal(r.status, 400, raw);
    assert.match(r.json.error, /JSON object/);
  }
  assert.equal((await call('GET', '/api/playlists/PL%20x')).status, 400);
  assert.equal((await call('GET', `/api/playlists/${pl}`)).status, 404);
  assert.deepEqual((await call('GET', '/api/playlists')).json, { playlists: [] }, 'nothing was created');
});

test('create, then the worker starts and syncs; status on GET and on the bus', async () => {
  const ev = await publishedEvent(['day 1', 'speedrun'], '2026-11-20T11:00:00.000000Z');
  const r = await call('POST', '/api/playlists', {
    id: pl, name: 'Day 1', account: account.id, tags: ['Day 1'], show_in_description: true, default_template: 'day-one',
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const p = r.json.playlist;
  assert.equal(p.id, pl);
  assert.equal(p.url, `https://youtube.com/playlist?list=${pl}`);
  assert.deepEqual(p.tags, ['day 1'], 'tags are stored lowercased');
  assert.equal(p.remove_unmatched, true);
  assert.equal(p.reorder, true);
  assert.equal(p.revision, 1);
  assert.equal(p.status.state, 'new');
  assert.equal((await call('POST', '/api/playlists', { id: pl, name: 'again', account: account.id })).status, 409);

  await until('the video in the playlist', () => fake.playlistVideoIds(pl).includes(ev.videoId));
  const synced = await until('status with the item', async () => {
    const g = (await call('GET', '/api/playlists')).json.playlists[0];
    return g.status.items === 1 && g.status.last_run_at ? g : undefined;
  });
  assert.equal(synced.status.state, 'ok');
  assert.deepEqual(synced.status.pending, { inserts: 0, moves: 0, removals: 0 });
  assert.equal(synced.status.last_error, null);
  assert.equal(synced.status.quota_today.units, 51, 'one list + one insert');
  assert.equal(synced.status.quota_today.budget, 5000);
  assert.match(synced.status.last_run_at, /^\d{4}-\d\d-\d\dT/);
  const bus = await until('playlist.status on the bus', () => messages.filter((m) => m.topic === 'playlist.status' && m.key === pl && (m.data as any).status.items === 1).at(-1));
  assert.equal((bus.data as any).id, pl);
  const workers = (await call('GET', '/api/workers')).json as { name: string; state: string }[];
  assert.ok(workers.some((w) => w.name === 'playlists' && w.state === 'running'), JSON.stringify(workers));

  const items = await call('GET', `/api/playlists/${pl}/items`);
  assert.equal(items.status, 200);
  assert.deepEqual(items.json.items.map((i: any) => [i.position, i.video_id, i.kind, i.event_id]), [[0, ev.videoId, 'desired', ev.id]]);
  assert.deepEqual(items.json.expected.map((e: any) => e.video_id), [ev.videoId]);
  assert.deepEqual(items.json.pending, { inserts: [], moves: [], removals: [] });
  assert.deepEqual((await call('GET', '/api/playlists/default-template?tag=Day%201&tag=x')).json, { template: 'day-one' });
  assert.deepEqual((await call('GET', '/api/playlists/default-template?tag=x')).json, { template: null });
});

test('update: partial PUT, stale baseRevision → 409, invalid → 400 unchanged; new tags are synced', async () => {
  const before = (await call('GET', `/api/playlists/${pl}`)).json.playlist;
  const bad = await call('PUT', `/api/playlists/${pl}`, { account: null });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /account or location/);
  assert.equal((await call('PUT', `/api/playlists/${pl}`, { id: 'PLother' })).status, 400, 'the YouTube id cannot change');
  assert.equal((await call('PUT', `/api/playlists/${pl}`, { baseRevision: 99, name: 'x' })).status, 409);
  const definition = (p: any) => ({ ...p, status: undefined }); // the worker keeps updating the status
  assert.deepEqual(definition((await call('GET', `/api/playlists/${pl}`)).json.playlist), definition(before), 'unchanged');
  assert.equal((await call('PUT', '/api/playlists/PLnotmanaged', { name: 'x' })).status, 404);

  const extra = await publishedEvent(['day 1'], '2026-11-20T09:00:00.000000Z'); // earlier than the first video
  const up = await call('PUT', `/api/playlists/${pl}`, { baseRevision: before.revision, name: 'Day one', tags: ['DAY 1'] });
  assert.equal(up.status, 200, JSON.stringify(up.json));
  assert.equal(up.json.playlist.revision, before.revision + 1);
  assert.equal(up.json.playlist.name, 'Day one');
  await until('the earlier video first', () => fake.playlistVideoIds(pl)[0] === extra.videoId);
  assert.equal(fake.playlistVideoIds(pl).length, 2);
  // and the worker has recorded it (the run is over)
  const st = await until('status with both items', async () => {
    const s = (await call('GET', `/api/playlists/${pl}`)).json.playlist.status;
    return s.items === 2 && s.pending.inserts === 0 && s.quota_today.units === 102 ? s : undefined;
  });
  assert.equal(st.state, 'ok');
});

test('POST sync asks the worker for a check now (a 1-unit first page when nothing changed)', async () => {
  const before = (await call('GET', `/api/playlists/${pl}`)).json.playlist.status;
  const r = await call('POST', `/api/playlists/${pl}/sync`);
  assert.equal(r.status, 202, JSON.stringify(r.json));
  const after = await until('a checked status', async () => {
    const s = (await call('GET', `/api/playlists/${pl}`)).json.playlist.status;
    return s.last_checked_at !== before.last_checked_at ? s : undefined;
  });
  assert.equal(after.quota_today.units, before.quota_today.units + 1);
  assert.equal((await call('POST', `/api/playlists/${pl}/sync`, { full: 'yes' })).status, 400);
  assert.equal((await call('POST', '/api/playlists/PLnotmanaged/sync', {})).status, 404);
});

test('submitting an event lists the show-in-description playlists in its description', async () => {
  const c = await call('POST', '/api/db/events', { channel: 'desertbus', start: '2026-11-20T12:00:00.000000Z', end: '2026-11-20T12:00:05.000000Z', tags: ['day 1'] });
  const s = await call('POST', `/api/db/events/${c.json.event.id}/submit`, {
    baseRevision: c.json.event.revision, video_title: 'Run', video_description: 'A run.', video_tags: ['Day 1'], upload_location: 'yt',
  });
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.equal(s.json.event.video_description, `A run.\n\nPlaylists:\n- Day one [https://youtube.com/playlist?list=${pl}]`);
  const o = await call('POST', '/api/db/events', { channel: 'desertbus', start: '2026-11-20T13:00:00.000000Z', end: '2026-11-20T13:00:05.000000Z', tags: ['other'] });
  const s2 = await call('POST', `/api/db/events/${o.json.event.id}/submit`, {
    baseRevision: o.json.event.revision, video_title: 'Other', video_description: 'Not in it.', video_tags: ['other'], upload_location: 'yt',
  });
  assert.equal(s2.json.event.video_description, 'Not in it.');
  const l = await call('POST', '/api/db/events', { channel: 'desertbus', start: '2026-11-20T14:00:00.000000Z', end: '2026-11-20T14:00:05.000000Z', tags: ['day 1'] });
  const s3 = await call('POST', `/api/db/events/${l.json.event.id}/submit`, {
    baseRevision: l.json.event.revision, video_title: 'Local', video_description: 'On disk.', video_tags: ['day 1'], upload_location: 'disk',
  });
  assert.equal(s3.status, 200, JSON.stringify(s3.json));
  assert.equal(s3.json.event.video_description, 'On disk.', 'a local upload lists no YouTube playlist');
});

test('a location instead of an account; delete stops managing (YouTube untouched)', async () => {
  const other = fake.addPlaylist({ title: 'Everything' });
  const r = await call('POST', '/api/playlists', { id: other, name: 'Everything', location: 'yt' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.playlist.account, null);
  await until('everything synced', () => fake.playlistVideoIds(other).length >= 3 && fake.playlistVideoIds(other));
  const count = fake.playlistVideoIds(pl).length;
  const d = await call('DELETE', `/api/playlists/${pl}`);
  assert.deepEqual(d, { status: 200, json: { ok: true } });
  assert.equal((await call('GET', `/api/playlists/${pl}`)).status, 404);
  assert.equal((await call('DELETE', `/api/playlists/${pl}`)).status, 404);
  assert.equal(fake.playlistVideoIds(pl).length, count, 'the YouTube playlist is left as it was');
  assert.deepEqual((await call('GET', '/api/playlists')).json.playlists.map((p: any) => p.id), [other]);
});
