/**
 * The sync worker's loop: it runs, sleeps, is woken at once by wake() (a playlist changed or the
 * operator pressed Sync), and stops promptly. A playlist whose account is not connected is reported
 * every run without any YouTube call (so the runs are visible in its status without a fake).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NodeConfig } from '../../main/core/config.ts';
import { createPlaylistSync, type PlaylistSyncRuntime } from '../../main/playlists/setup.ts';
import { CreatePlaylistBody } from '../../main/playlists/model.ts';

let dir: string;
let rt: PlaylistSyncRuntime;
const published: { topic: string; key?: string; data: any }[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-plloop-'));
  const config = NodeConfig.parse({ youtube: { secretStore: 'file' }, uploadLocations: [{ name: 'yt', type: 'youtube' }] });
  rt = await createPlaylistSync(dir, config, { settings: { intervalMs: 60_000 }, publish: (topic, data, key) => void published.push({ topic, key, data }) });
  await rt.store.create(CreatePlaylistBody.parse({ id: 'PLloop', name: 'Loop', account: 'not-connected' }));
  await rt.store.create(CreatePlaylistBody.parse({ id: 'PLloop2', name: 'Loop 2', location: 'yt' }));
});
after(async () => {
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
});

const lastRun = async () => (await rt.store.getSync('PLloop'))!.last_run_at;

async function until(what: string, fn: () => Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('runs at start, sleeps for the interval, and wake() runs it again at once', async () => {
  rt.sync.start();
  await until('the first run', async () => (await lastRun()) !== null);
  const first = await lastRun();
  const st = (await rt.store.getSync('PLloop'))!;
  assert.match(st.last_error ?? '', /"not-connected" is not connected/);
  assert.equal(st.blocked, null, 'not blocked: connecting the account is enough');
  assert.match((await rt.store.getSync('PLloop2'))!.last_error ?? '', /location "yt" has no YouTube account/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await lastRun(), first, 'sleeping (interval 60 s)');
  await new Promise((r) => setTimeout(r, 5)); // make sure the clock moved
  rt.sync.wake();
  await until('a run after wake()', async () => (await lastRun())! > first!, 3000);
  const msg = published.find((m) => m.topic === 'playlist.status' && m.key === 'PLloop');
  assert.ok(msg, 'status published');
  assert.equal(msg.data.status.state, 'error');
});

test('stop() ends the loop promptly even in the middle of a long sleep', async () => {
  const t0 = Date.now();
  await rt.sync.stop();
  assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
  const after = await lastRun();
  await new Promise((r) => setTimeout(r, 200));
  rt.sync.wake();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await lastRun(), after, 'no runs after stop');
});
