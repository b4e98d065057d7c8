/**
 * The cutter worker is woken by the node when an event is submitted (EDITED) or its metadata changes
 * after upload (MODIFIED), instead of finding out on its next poll. The worker here polls only every
 * 10 minutes, so every step below can only finish in time if the wake-up works: a submitted event is
 * cut and published, and a title edit of the published video is applied by the updater. And the one
 * pause that must not be cut short: after a retryable failure the same event is claimed again only
 * after retryMs, although the node sees it become EDITED again.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const RETRY_MS = 3000;
let node: TestNode;
let fx: FixtureStore;

before(async () => {
  const dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 12 });
  // An upload location that always fails retryably: its folder would have to be inside a file.
  writeFileSync(join(dataDir, 'not-a-folder'), 'x');
  node = await startTestNode({
    dataDir,
    config: NodeConfig.parse({ nodeName: 'wake-test', uploadLocations: [
      { name: 'local', type: 'local', path: 'out', cutType: 'rough' },
      { name: 'broken', type: 'local', path: 'not-a-folder/out', cutType: 'rough' },
    ] }),
    subsystems: [
      createEventsSubsystem({ locations: ['local', 'broken'] }),
      createCutterSubsystem({
        workerEnv: { TAPEDECK_CUTTER_INTERVALS: JSON.stringify({ idleMs: NEVER, updateMs: NEVER, transcodeMs: NEVER, errorMs: 500, retryMs: RETRY_MS }) },
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

test('after a retryable failure the event is claimed again only after retryMs, not at once (nor when the node wakes the cutter)', async () => {
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[fx.start + 1 * S, fx.start + 3 * S]], title: 'Always fails', location: 'broken' });
  type Entry = { action: string; changed_at: string };
  let history: Entry[] = [];
  const claims = () => history.filter((h) => h.action === 'claim');
  const deadline = Date.now() + 30_000;
  while (claims().length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    history = (await apiJson<{ history: Entry[] }>(node, `/api/db/events/${ev.id}/history`, 'GET')).body.history;
  }
  const at = (h: Entry) => Date.parse(h.changed_at);
  const [first, second] = claims().sort((a, b) => at(a) - at(b));
  assert.ok(first && second, `claimed twice within 30 s: ${JSON.stringify(history.map((h) => h.action))}`);
  const failed = history.find((h) => h.action === 'retryable-error' && at(h) >= at(first) && at(h) <= at(second));
  assert.ok(failed, `a retryable error between the two claims: ${JSON.stringify(history)}`);
  const pause = at(second) - at(failed);
  assert.ok(pause >= RETRY_MS - 300, `claimed again ${pause} ms after the retryable error (retryMs ${RETRY_MS})`);
});
