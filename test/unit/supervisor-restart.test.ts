/**
 * The supervisor's restart behaviour with REAL child processes (NodeWorkerHost = child_process.fork,
 * the host headless nodes use; the Electron host implements the same interface): growing backoff,
 * crash-loop alert on the bus, healthy runs resetting the backoff, recovery from transient crashes and
 * from a kill -9. Timings are kept small through the RestartPolicy argument.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NodeWorkerHost } from '../../main/core/supervisor/host.ts';
import type { RestartPolicy } from '../../main/core/supervisor/restart-policy.ts';
import { Supervisor } from '../../main/core/supervisor/supervisor.ts';
import { alive, fixture, RecordingBus, waitFor } from './fixtures-supervisor/harness.ts';

// Process start-up (tsx) takes far longer than these delays, so every crash is "short-lived" for a
// 60 s healthyAfterMs, and a 60 s loop window catches the crashes however slow the machine is.
const policy: RestartPolicy = { baseDelayMs: 50, maxDelayMs: 400, healthyAfterMs: 60_000, loopWindowMs: 60_000, loopCrashes: 4 };

// Independent supervisors and processes: run the cases side by side (only lower bounds on time are asserted).
describe('supervisor restarts', { concurrency: true }, () => {
  test('a crashing worker is restarted with growing delays, and a crash loop is announced once', async () => {
    const bus = new RecordingBus();
    const sup = new Supervisor(new NodeWorkerHost(), bus, policy, 2000);
    try {
      sup.start({ name: 'crasher', entry: fixture('crash-worker.ts') });
      const backoffs = () => bus.statuses('crasher').filter((m) => m.data.state === 'backoff');
      await waitFor('five crashes', () => backoffs().length >= 5, 50_000);
      await waitFor('the sixth start', () => bus.statuses('crasher').filter((m) => m.data.state === 'starting').length >= 6, 10_000);
    } finally {
      await sup.stopAll();
    }
    const statuses = bus.statuses('crasher');
    const backoffs = statuses.filter((m) => m.data.state === 'backoff').slice(0, 5);

    // The delay the supervisor chose for each restart: doubling from the base, capped at the maximum.
    const delays = backoffs.map((m) => m.data.nextRestartAt! - m.data.lastExit!.at);
    assert.deepEqual(delays, [50, 100, 200, 400, 400]);
    for (const b of backoffs) assert.equal(b.data.lastExit!.code, 3, 'the real exit code is reported');
    assert.deepEqual(backoffs.map((m) => m.data.restarts), [1, 2, 3, 4, 5]);

    // ...and the relaunch really waited that long.
    const starts = statuses.filter((m) => m.data.state === 'starting');
    for (let i = 0; i < 5; i++) {
      const gap = starts[i + 1]!.time - backoffs[i]!.time;
      assert.ok(gap >= delays[i]! - 2, `restart ${i + 1} came after ${gap} ms, expected >= ${delays[i]}`);
    }
    // Every restart is a new process.
    const pids = starts.map((m) => m.data.pid);
    assert.equal(new Set(pids).size, pids.length, `distinct pids: ${pids.join(',')}`);

    // Crash loop: flagged from the 4th crash on, and alerted exactly once on the bus.
    assert.deepEqual(backoffs.map((m) => m.data.crashLoop), [false, false, false, true, true]);
    const alerts = bus.topic('worker.crashloop');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.key, 'crasher');
    assert.equal((alerts[0]!.data as { name: string }).name, 'crasher');
    assert.ok(alerts[0]!.time <= backoffs[3]!.time && alerts[0]!.time >= backoffs[2]!.time, 'announced at the 4th crash');

    // Still retrying in a crash loop (a transient cause must recover by itself), never giving up.
    assert.ok(starts.length >= 6);
  });

  test('a worker that ran long enough counts as healthy again: its next crash restarts after the base delay', async () => {
    const bus = new RecordingBus();
    const healthy: RestartPolicy = { ...policy, healthyAfterMs: 300, loopCrashes: 100 };
    const sup = new Supervisor(new NodeWorkerHost(), bus, healthy, 2000);
    try {
      // Each run lives > 300 ms from launch to exit, so none of the crashes extends the streak.
      sup.start({ name: 'late', entry: fixture('crash-worker.ts'), env: { CRASH_AFTER_MS: '400' } });
      await waitFor('three crashes', () => bus.statuses('late').filter((m) => m.data.state === 'backoff').length >= 3, 50_000);
    } finally {
      await sup.stopAll();
    }
    const backoffs = bus.statuses('late').filter((m) => m.data.state === 'backoff').slice(0, 3);
    assert.deepEqual(backoffs.map((m) => m.data.nextRestartAt! - m.data.lastExit!.at), [50, 50, 50]);
    assert.equal(bus.topic('worker.crashloop').length, 0);
  });

  test('a transient failure recovers by itself: three crashes, then running with no crash loop', async () => {
    const state = mkdtempSync(join(tmpdir(), 'tapedeck-flaky-'));
    const bus = new RecordingBus();
    const sup = new Supervisor(new NodeWorkerHost(), bus, policy, 2000);
    try {
      sup.start({ name: 'flaky', entry: fixture('flaky-worker.ts'), env: { FIXTURE_STATE_DIR: state, FLAKY_CRASHES: '3' } });
      await waitFor('recovery', () => bus.topic('fixture.recovered').length === 1, 50_000);
      await waitFor('running', () => sup.status()[0]?.state === 'running', 10_000);
      const s = sup.status()[0]!;
      assert.equal(s.restarts, 3);
      assert.equal(s.crashLoop, false);
      assert.equal(s.lastExit?.code, 2);
      assert.deepEqual((bus.topic('fixture.recovered')[0]!.data as { run: number }).run, 4);
      const delays = bus.statuses('flaky').filter((m) => m.data.state === 'backoff').map((m) => m.data.nextRestartAt! - m.data.lastExit!.at);
      assert.deepEqual(delays, [50, 100, 200]);
      assert.equal(bus.topic('worker.crashloop').length, 0);
    } finally {
      await sup.stopAll();
      rmSync(state, { recursive: true, force: true });
    }
  });

  test('a worker killed from outside (kill -9) is restarted', async () => {
    const bus = new RecordingBus();
    const sup = new Supervisor(new NodeWorkerHost(), bus, policy, 2000);
    try {
      sup.start({ name: 'victim', entry: fixture('normal-worker.ts') });
      await waitFor('running', () => sup.status()[0]?.state === 'running');
      const pid = sup.status()[0]!.pid!;
      process.kill(pid, 'SIGKILL');
      await waitFor('restarted and running', () => {
        const s = sup.status()[0]!;
        return s.state === 'running' && s.pid !== pid;
      });
      const s = sup.status()[0]!;
      assert.equal(s.restarts, 1);
      assert.deepEqual([s.lastExit?.code, s.lastExit?.signal], [null, 'SIGKILL']);
      assert.equal(alive(pid), false);
      // The new process is a real, working worker: it answers commands.
      assert.equal(sup.send('victim', 'echo', { hi: 1 }), true);
      await waitFor('echo', () => bus.topic('fixture.echo').length === 1);
      assert.deepEqual(bus.topic('fixture.echo')[0]!.data, { hi: 1 });
    } finally {
      await sup.stopAll();
    }
  });
});
