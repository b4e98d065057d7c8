/**
 * kill -9 of the recorder worker process in the middle of a download (DESIGN §6): the supervisor
 * restarts it, the dead process's temp file is turned into a partial (its hash verifies), every `full`
 * segment's hash verifies, recording resumes within seconds of the restart, and the segments aired
 * while the recorder was down are fetched from the live window: no hole.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { parseSegmentPath, type SegmentInfo } from '../../main/media/segments/names.ts';
import { createRecorderSubsystem, type RecorderTimings } from '../../main/recorder/index.ts';
import { startFakeTwitch } from '../fakes/twitch/index.ts';
import { startTestNode } from '../helpers/node.ts';

const SPEED = 4;
const SEG_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 40_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function listStore(root: string, channel: string): SegmentInfo[] {
  const base = join(root, channel, 'source');
  if (!existsSync(base)) return [];
  const out: SegmentInfo[] = [];
  for (const hour of readdirSync(base).sort()) {
    for (const name of readdirSync(join(base, hour))) out.push(parseSegmentPath(`${channel}/source/${hour}/${name}`));
  }
  return out.sort((a, b) => a.start - b.start);
}

test('kill -9 of the recorder mid-download: hashes verify, temp handled, recording resumes within 5 s', async () => {
  const tw = await startFakeTwitch({ clock: { speed: SPEED }, channels: { crash: { online: false, windowSize: 60, segmentGraceMs: 120_000 } } });
  const timings: Partial<RecorderTimings> = {
    masterFetchIntervalMs: 100, importantMasterFetchIntervalMs: 100, targetDurationScaleMs: 1000 / SPEED,
    playlistPollMinMs: 20, playlistRetryIntervalMs: 100, segmentFetchRetryMs: 100, stopGraceMs: 500,
    segmentFullSoftTimeoutMs: 60_000, segmentFullHardTimeoutMs: 120_000, fetchSuspectTimeMs: 100_000,
  };
  const node = await startTestNode({
    config: { channels: [{ name: 'crash', important: true }], twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash } },
    subsystems: [createRecorderSubsystem({ timings })],
  });
  const root = node.store.root;
  const transitions: string[] = [];
  node.bus.subscribe((m) => {
    if (m.topic === 'stream.transition') transitions.push(`${(m.data as { from: string }).from}>${(m.data as { to: string }).to}`);
  });
  try {
    await tw.waitForRequest((e) => e.kind === 'usher' && e.status === 404, 30_000);
    const ch = tw.channel('crash');
    ch.goOnline();
    const session = ch.state.current()!;
    const nOf = (s: SegmentInfo) => Math.round((s.start / 1000 - session.startMs) / SEG_MS);
    await until(() => listStore(root, 'crash').filter((s) => s.type === 'full').length >= 4, 'first segments');

    // Hold the next segment's download open half-way, so the recorder is killed with a temp file on disk.
    const stalledN = ch.status().liveCount + 1;
    tw.stallNext({ match: (e) => e.channel === 'crash' && e.n === stalledN, mode: 'complete', fraction: 0.5, cutoffMs: 30_000 });
    await until(() => listStore(root, 'crash').some((s) => s.type === 'temp' && nOf(s) === stalledN && readFileSync(join(root, s.path)).length > 0), 'a half-written temp file');
    const before = node.supervisor.status().find((w) => w.name === 'recorder')!;
    const metricsBefore = await (await node.get('/metrics')).text();
    const countBefore = Number(/segments_downloaded\{type="full",channel="crash",quality="source"\} (\d+)/.exec(metricsBefore)![1]);

    const workerEvents: { state: string; pid?: number; at: number }[] = [];
    node.bus.subscribe((m) => {
      if (m.topic === 'worker.status' && m.key === 'recorder') {
        const d = m.data as { state: string; pid?: number };
        workerEvents.push({ state: d.state, pid: d.pid, at: m.time });
      }
    });
    process.kill(before.pid!, 'SIGKILL');
    await until(() => workerEvents.some((e) => e.state === 'running' && e.pid !== before.pid), 'the supervisor to restart the recorder');
    const spawnedAt = workerEvents.find((e) => e.state === 'starting' && e.pid !== before.pid)!.at;
    const readyAt = workerEvents.find((e) => e.state === 'running' && e.pid !== before.pid)!.at;
    const after = node.supervisor.status().find((w) => w.name === 'recorder')!;
    assert.equal(after.restarts, 1);
    assert.equal(after.lastExit?.signal, 'SIGKILL');
    const fullBefore = new Set(listStore(root, 'crash').filter((s) => s.type === 'full').map((s) => s.path));
    await until(() => listStore(root, 'crash').some((s) => s.type === 'full' && !fullBefore.has(s.path)), 'a new full segment', 30_000);
    const resumedAt = Date.now();
    const startup = readyAt - spawnedAt;
    const resume = resumedAt - readyAt;
    console.log(`# recorder restart: process spawned → ready ${startup} ms (node + tsx start-up), ready → first new full segment ${resume} ms; total ${resumedAt - spawnedAt} ms`);
    // The recorder itself resumes well within 5 s once its process runs; the whole restart (including
    // the Node/tsx process start-up, which a loaded 2-core CI box can stretch) gets a generous bound.
    assert.ok(resume < 5000, `recording resumed within 5 s of the restarted recorder coming up (${resume} ms)`);
    assert.ok(resumedAt - spawnedAt < 15_000, `restart to recording within 15 s even on a loaded machine (${resumedAt - spawnedAt} ms)`);

    // Let it record a while, then end the stream and let everything settle.
    await tw.clock.waitUntil(tw.now() + 6 * SEG_MS);
    ch.goOffline();
    await until(async () => {
      const st = (await (await node.get('/api/streams')).json()) as { streams: { channel: string; state: string }[] };
      return st.streams.find((s) => s.channel === 'crash')!.state === 'down';
    }, 'the channel down');
    const endN = session.endN!;
    await until(() => {
      const have = new Set(listStore(root, 'crash').filter((s) => s.type === 'full').map(nOf));
      return Array.from({ length: endN }, (_, n) => n).every((n) => have.has(n));
    }, 'every segment in full');
    await sleep(300);

    const segs = listStore(root, 'crash');
    assert.deepEqual(segs.filter((s) => s.type === 'temp').map((s) => s.path), [], 'no temp file left');
    for (const s of segs) assert.equal(hashBytes(readFileSync(join(root, s.path))), s.hash, `hash verifies: ${s.path}`);
    const byN = new Map<number, string[]>();
    for (const s of segs) byN.set(nOf(s), [...(byN.get(nOf(s)) ?? []), s.type].sort());
    assert.deepEqual([...byN.keys()].sort((a, b) => a - b), Array.from({ length: endN }, (_, n) => n), 'no hole across the crash');
    for (const [n, types] of byN) {
      assert.deepEqual(types, n === stalledN ? ['full', 'partial'] : ['full'], `segment ${n}`);
    }
    const partial = readFileSync(join(root, segs.find((s) => nOf(s) === stalledN && s.type === 'partial')!.path));
    const full = readFileSync(join(root, segs.find((s) => nOf(s) === stalledN && s.type === 'full')!.path));
    assert.ok(partial.length > 0 && partial.length < full.length);
    assert.deepEqual(partial, full.subarray(0, partial.length), 'the dead download\'s bytes, kept as partial');

    assert.deepEqual(transitions, ['down>up', 'up>down'], 'a recorder restart of a second or two raises no stream alert');

    const metricsAfter = await (await node.get('/metrics')).text();
    const countAfter = Number(/segments_downloaded\{type="full",channel="crash",quality="source"\} (\d+)/.exec(metricsAfter)![1]);
    assert.ok(countAfter > countBefore, 'counters live in the main process and survive the worker crash');
  } finally {
    await node.cleanup();
    await tw.close();
  }
});
