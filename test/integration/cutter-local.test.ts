/**
 * The cut-and-publish pipeline through the `local` backend, from real recorded segments: EDITED → DONE,
 * output checked with ffprobe, thumbnail written, sidecar metadata; holes; an edit while CLAIMED; two
 * cutters racing for one event.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NodeConfig } from '../../main/core/config.ts';
import { createEventsSubsystem } from '../../main/core/events/subsystem.ts';
import { createCutter, type CutterRuntime } from '../../main/cutter/setup.ts';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { apiJson, createAndSubmit, waitForState } from '../helpers/events.ts';
import { startTestNode, tempDir, type TestNode } from '../helpers/node.ts';

const S = 1_000_000;
let node: TestNode;
let fx: FixtureStore;
let dataDir: string;
const config = NodeConfig.parse({
  nodeName: 'cutter-a', titlePrefix: 'DB - ',
  uploadLocations: [{ name: 'local', type: 'local', path: 'out', cutType: 'full' }, { name: 'rough-local', type: 'local', path: 'out-rough', cutType: 'rough' }],
});
const runtimes: CutterRuntime[] = [];
const fast = { idleMs: 100, errorMs: 200, retryMs: 200, transcodeMs: 200, updateMs: 200 };
const logs: string[] = [];
const io = (name: string) => ({ publish: () => {}, log: (_l: string, m: string) => void logs.push(`${name}: ${m}`), intervals: fast });

before(async () => {
  dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 40 });
  node = await startTestNode({ dataDir, subsystems: [createEventsSubsystem({ locations: ['local', 'rough-local'], titlePrefix: 'DB - ' })] });
});
after(async () => {
  for (const r of runtimes) await r.close();
  await node.cleanup();
});

const probe = (file: string) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', file]).toString()) as { format: { duration: string }; streams: { codec_type: string }[] };

test('EDITED → DONE through the local backend: two ranges with a fade, frame-accurate length, thumbnail, sidecar', async () => {
  const a = fx.start + 1 * S;
  const ranges: [number, number][] = [[a, a + 6 * S], [fx.start + 20 * 2 * S + 3 * S, fx.start + 20 * 2 * S + 9 * S]];
  // ranges avoid the fixture's partial (index 20 covers 40-42 s): second range starts at 43 s.
  const ev = await createAndSubmit(node, fx.channel, { ranges, transitions: [{ type: 'fade', duration: 1 }], title: 'Two ranges', location: 'local' });
  const rt = await createCutter(dataDir, config, io('a'));
  runtimes.push(rt);
  await rt.cutter.start();
  const done = await waitForState(node, ev.id, ['DONE', 'UNEDITED'], 90_000);
  assert.equal(done.state, 'DONE', `error: ${done.error} logs: ${logs.join(' | ')}`);
  assert.match(String(done.video_link), /^file:\/\//);
  const outDir = join(dataDir, 'out');
  const files = readdirSync(outDir);
  const video = files.find((f) => f.startsWith(ev.id) && f.endsWith('.ts'))!;
  const sidecar = JSON.parse(readFileSync(join(outDir, video.replace(/\.ts$/, '.json')), 'utf8')) as { title: string; tags: string[] };
  assert.equal(sidecar.title, 'DB - Two ranges');
  assert.ok(existsSync(join(outDir, video.replace(/\.ts$/, '.png'))), 'thumbnail written next to the video');
  const p = probe(join(outDir, video));
  const expected = 6 + 6 - 1;
  assert.ok(Math.abs(Number(p.format.duration) - expected) <= 1 / 30 + 0.03, `duration ${p.format.duration} vs ${expected}`);
  assert.deepEqual(p.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  const errs = execFileSync('ffmpeg', ['-v', 'error', '-i', join(outDir, video), '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(errs.trim(), '');
  // Work files go right after the DONE write; give that a moment.
  const t0 = Date.now();
  while (readdirSync(join(dataDir, 'cutter', 'work')).length > 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(readdirSync(join(dataDir, 'cutter', 'work')).length, 0, 'work files cleaned up');
});

test('an event over a hole is skipped with a visible reason unless holes are allowed', async () => {
  const hole = fx.start + fx.special.hole * 2 * S;
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[hole - 3 * S, hole + 3 * S]], title: 'Holey', location: 'rough-local' });
  const t0 = Date.now();
  let e: Record<string, unknown> = {};
  while (Date.now() - t0 < 20_000) {
    e = (await apiJson<{ event: Record<string, unknown> }>(node, `/api/db/events/${ev.id}`, 'GET')).body.event;
    if (e.error) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(e.state, 'EDITED', 'left for another node');
  assert.match(String(e.error), /does not have all the video/);
  const allowed = await apiJson<{ event: { revision: number } }>(node, `/api/db/events/${ev.id}/submit`, 'POST', { baseRevision: e.revision, allow_holes: true });
  assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
  const done = await waitForState(node, ev.id, ['DONE', 'UNEDITED'], 60_000);
  assert.equal(done.state, 'DONE', String(done.error));
});

test('an edit arriving while the event is CLAIMED cancels that job; the new version is what gets published', async () => {
  for (const r of runtimes.splice(0)) await r.close();
  const rt = await createCutter(dataDir, { ...config, nodeName: 'cutter-b' }, io('b'));
  runtimes.push(rt);
  const ev = await createAndSubmit(node, fx.channel, { ranges: [[fx.start + 2 * S, fx.start + 8 * S]], title: 'Old title', location: 'rough-local' });
  const { EventsRepository } = await import('../../main/core/events/repository.ts');
  const { openEventsDb, eventsDbPath } = await import('../../main/core/events/db.ts');
  const { editInputsOf } = await import('../../main/core/events/model.ts');
  const db = await openEventsDb(eventsDbPath(dataDir));
  const repo = new EventsRepository(db.db);
  const row = (await repo.get(ev.id))!;
  assert.equal(await repo.claimEvent(ev.id, 'cutter-b', editInputsOf(row)), true);
  const claimed = (await repo.get(ev.id))!;
  // The editor changes the title while the cutter holds the claim.
  const edit = await apiJson<{ event: Record<string, unknown> }>(node, `/api/db/events/${ev.id}/submit`, 'POST', { baseRevision: claimed.revision, video_title: 'New title' });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  assert.equal(edit.body.event.state, 'EDITED');
  await rt.cutter.runJob(claimed, false);
  const after = (await repo.get(ev.id))!;
  assert.equal(after.state, 'EDITED', 'the stale job did not publish');
  assert.equal(after.video_id, null);
  await rt.cutter.start();
  const done = await waitForState(node, ev.id, ['DONE', 'UNEDITED'], 60_000);
  assert.equal(done.state, 'DONE', String(done.error));
  const sidecars = readdirSync(join(dataDir, 'out-rough')).filter((f) => f.startsWith(ev.id) && f.endsWith('.json'));
  assert.equal(sidecars.length, 1);
  assert.equal((JSON.parse(readFileSync(join(dataDir, 'out-rough', sidecars[0]!), 'utf8')) as { title: string }).title, 'DB - New title');
  await db.close();
});

test('two cutters racing for the same events never publish one twice', async () => {
  for (const r of runtimes.splice(0)) await r.close();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    ids.push((await createAndSubmit(node, fx.channel, { ranges: [[fx.start + (2 + i) * S, fx.start + (6 + i) * S]], title: `Race ${i}`, location: 'rough-local' })).id);
  }
  const c1 = await createCutter(dataDir, { ...config, nodeName: 'racer-1' }, io('r1'));
  const c2 = await createCutter(dataDir, { ...config, nodeName: 'racer-2' }, io('r2'));
  runtimes.push(c1, c2);
  await Promise.all([c1.cutter.start(), c2.cutter.start()]);
  const uploaders = new Set<string>();
  for (const id of ids) {
    const done = await waitForState(node, id, ['DONE', 'UNEDITED'], 60_000);
    assert.equal(done.state, 'DONE', String(done.error));
    const history = await apiJson<{ history: { action: string; actor: string }[] }>(node, `/api/db/events/${id}/history`, 'GET');
    const claims = history.body.history.filter((h) => h.action === 'claim');
    assert.equal(claims.length, 1, `event ${id} claimed ${claims.length} times`);
    uploaders.add(claims[0]!.actor);
    const outputs = readdirSync(join(dataDir, 'out-rough')).filter((f) => f.startsWith(id) && f.endsWith('.ts'));
    assert.equal(outputs.length, 1, `exactly one output for ${id}`);
  }
  assert.ok(uploaders.size >= 1);
});
