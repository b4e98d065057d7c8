/**
 * Stopping workers with REAL child processes: a graceful stop (stop message, exit 0, no restart), a
 * worker that hangs on stop (SIGKILL after the grace period), stopping during backoff (no relaunch), and
 * the bus/command plumbing a running worker gets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeWorkerHost } from '../../main/core/supervisor/host.ts';
import type { RestartPolicy } from '../../main/core/supervisor/restart-policy.ts';
import { Supervisor } from '../../main/core/supervisor/supervisor.ts';
import { alive, fixture, RecordingBus, sleep, waitFor } from './fixtures-supervisor/harness.ts';

const policy: RestartPolicy = { baseDelayMs: 50, maxDelayMs: 400, healthyAfterMs: 60_000, loopWindowMs: 60_000, loopCrashes: 4 };

test('a running worker publishes on the bus, takes commands, and stops gracefully without a restart', async () => {
  const bus = new RecordingBus();
  const sup = new Supervisor(new NodeWorkerHost(), bus, policy, 10_000);
  sup.start({ name: 'normal', entry: fixture('normal-worker.ts'), env: { FIXTURE_TAG: 'abc' } });
  try {
    await waitFor('running', () => sup.status()[0]?.state === 'running');
    const pid = sup.status()[0]!.pid!;
    // Bus messages from the worker are republished on the node's bus, key included.
    const hello = bus.topic('fixture.hello');
    assert.equal(hello.length, 1);
    assert.equal(hello[0]!.key, String(pid));
    assert.deepEqual(hello[0]!.data, { pid, worker: 'normal', tag: 'abc' });
    assert.ok(sup.status()[0]!.recentLogs.some((l) => l.message === `normal worker ${pid} up`));
    assert.equal(sup.send('normal', 'echo', { n: 42 }), true);
    assert.equal(sup.send('nobody', 'echo'), false);
    await waitFor('echo', () => bus.topic('fixture.echo').length === 1);
    assert.deepEqual(bus.topic('fixture.echo')[0]!.data, { n: 42 });

    const t0 = Date.now();
    await sup.stop('normal');
    const took = Date.now() - t0;
    assert.ok(took < 8000, `a cooperative worker stops well inside the grace period (took ${took} ms)`);
    const last = bus.statuses('normal').at(-1)!.data;
    assert.equal(last.state, 'stopped');
    assert.deepEqual([last.lastExit?.code, last.lastExit?.signal], [0, null]);
    assert.equal(alive(pid), false);
    assert.deepEqual(sup.status(), [], 'a stopped worker is forgotten');
    await sleep(300);
    assert.equal(bus.statuses('normal').filter((m) => m.data.state === 'starting').length, 1, 'never restarted');
  } finally {
    await sup.stopAll();
  }
});

test('a worker that hangs on stop is SIGKILLed after the grace period', async () => {
  const bus = new RecordingBus();
  const grace = 400;
  const sup = new Supervisor(new NodeWorkerHost(), bus, policy, grace);
  sup.start({ name: 'stubborn', entry: fixture('hang-worker.ts') });
  try {
    await waitFor('running', () => sup.status()[0]?.state === 'running');
    const pid = sup.status()[0]!.pid!;
    const t0 = Date.now();
    await sup.stop('stubborn');
    const took = Date.now() - t0;
    assert.ok(took >= grace - 5, `waited the grace period first (took ${took} ms)`);
    assert.ok(took < grace + 5000, `then killed promptly (took ${took} ms)`);
    const last = bus.statuses('stubborn').at(-1)!.data;
    assert.equal(last.state, 'stopped');
    assert.deepEqual([last.lastExit?.code, last.lastExit?.signal], [null, 'SIGKILL']);
    assert.equal(alive(pid), false);
    assert.ok(last.recentLogs.some((l) => /hanging on purpose/.test(l.message)), 'the stop request did reach the worker');
    await sleep(300);
    assert.equal(bus.statuses('stubborn').filter((m) => m.data.state === 'starting').length, 1, 'a killed-on-stop worker is not restarted');
  } finally {
    await sup.stopAll();
  }
});

test('stopping a worker while it waits to restart cancels the restart', async () => {
  const bus = new RecordingBus();
  // A long backoff, so the stop surely lands while the restart is pending.
  const sup = new Supervisor(new NodeWorkerHost(), bus, { ...policy, baseDelayMs: 2000, maxDelayMs: 2000 }, 2000);
  sup.start({ name: 'crasher', entry: fixture('crash-worker.ts') });
  try {
    await waitFor('backoff', () => sup.status()[0]?.state === 'backoff');
    const t0 = Date.now();
    await sup.stop('crasher');
    assert.ok(Date.now() - t0 < 500, 'nothing to wait for: no process is running');
    await sleep(2500);
    assert.equal(bus.statuses('crasher').filter((m) => m.data.state === 'starting').length, 1, 'no relaunch after stop');
    assert.equal(bus.statuses('crasher').at(-1)!.data.state, 'stopped');
  } finally {
    await sup.stopAll();
  }
});

test('stopAll stops every worker, including the ones that need a SIGKILL', async () => {
  const bus = new RecordingBus();
  const sup = new Supervisor(new NodeWorkerHost(), bus, policy, 400);
  sup.start({ name: 'a', entry: fixture('normal-worker.ts') });
  sup.start({ name: 'b', entry: fixture('hang-worker.ts') });
  assert.throws(() => sup.start({ name: 'a', entry: fixture('normal-worker.ts') }), /already started/);
  await waitFor('both running', () => sup.status().length === 2 && sup.status().every((s) => s.state === 'running'));
  const pids = sup.status().map((s) => s.pid!);
  await sup.stopAll();
  for (const pid of pids) assert.equal(alive(pid), false);
  assert.deepEqual(sup.status(), []);
  assert.deepEqual(bus.statuses('a').at(-1)!.data.lastExit?.code, 0);
  assert.deepEqual(bus.statuses('b').at(-1)!.data.lastExit?.signal, 'SIGKILL');
});
