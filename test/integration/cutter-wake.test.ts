/**
 * The cutter worker is woken by the node when an event is submitted (EDITED) or its metadata changes
 * after upload (MODIFIED), instead of finding out on its next poll. The worker here polls only every
 * 10 minutes, so every step below can only finish in time if the wake-up works: a submitted event is
 * cut and published, and a title edit of the published video is applied by the updater.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NodeConfig } from '../../main/core/config.ts';
import { createEventsSubsystem } from '../../main/core/events/subsystem.ts';
import { createCutterSubsystem } from '../../main/cutter/index.ts';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { apiJson, createAndSubmit, waitForState } from '../helpers/events.ts';
import { startTestNode, tempDir, type TestNode } from '../helpers/node.ts';

const S = 1_000_000;
const NEVER = 600_000;
let node: TestNode;
let fx: FixtureStore;

before(async () => {
  const dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 12 });
  node = await startTestNode({
    dataDir,
    config: NodeConfig.parse({ nodeName: 'wake-test', uploadLocations: [{ name: 'local', type: 'local', path: 'out', cutType: 'rough' }] }),
    subsystems: [
      createEventsSubsystem({ locations: ['local'] }),
      createCutterSubsystem({
        workerEnv: { TAPEDECK_CUTTER_INTERVALS: JSON.stringify({ idleMs: NEVER, updateMs: NEVER, transcodeMs: NEVER, errorMs: 500, retryMs: 500 }) },
      }),
    ],
  });
});
after(async () => {
  await node?.cleanup();
});

test('a submitted event is cut at once, and a later title edit is applied at once, by a cutter that polls every 10 minutes', async () => {
  // Let the worker start and settle into its (10-minute) idle sleep before anything is submitted.
  await new Promise((r) => setTimeout(r, 3000));
  const t0 = Date.now();
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[fx.start + 1 * S, fx.start + 5 * S]], title: 'Woken', location: 'local' });
  const done = await waitForState(node, ev.id, ['DONE', 'UNEDITED'], 30_000);
  assert.equal(done.state, 'DONE', `cut and published (error: ${String(done.error)})`);
  const tookMs = Date.now() - t0;
  assert.ok(tookMs < 30_000, `done in ${tookMs} ms, long before the next poll`);

  const out = join(node.dataDir, 'out');
  const sidecar = () => JSON.parse(readFileSync(join(out, readdirSync(out).find((f) => f.startsWith(ev.id) && f.endsWith('.json'))!), 'utf8')) as { title: string };
  assert.equal(sidecar().title, 'Woken', 'published title');

  // Edit the published video's title: MODIFIED, which only the updater (also asleep for 10 min) applies.
  const cur = (await apiJson<{ event: { revision: number } }>(node, `/api/db/events/${ev.id}`, 'GET')).body.event;
  const r = await apiJson(node, `/api/db/events/${ev.id}/modify`, 'POST', { baseRevision: cur.revision, video_title: 'Woken twice' });
  assert.equal(r.status, 200, `modify accepted: ${JSON.stringify(r.body)}`);
  const updated = await waitForState(node, ev.id, ['DONE'], 30_000);
  assert.equal(updated.video_title, 'Woken twice', 'the edit is stored');
  const deadline = Date.now() + 20_000;
  while (sidecar().title !== 'Woken twice' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.equal(sidecar().title, 'Woken twice', 'the updater rewrote the published metadata without waiting for its poll');
});
