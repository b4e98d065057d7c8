/**
 * Fair, paced scheduling of API calls (seed 003): accounts alternate (A1 B1 A2 B2 …) instead of one
 * busy account going first, and call starts are spaced by the minimum interval. A virtual clock makes
 * the pacing assertions exact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairScheduler } from '../../main/youtube/index.ts';

function virtualTime() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
      await Promise.resolve();
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

describe('fair scheduler', () => {
  it('alternates between accounts and spaces call starts by the minimum interval', async () => {
    const vt = virtualTime();
    const s = new FairScheduler({ minIntervalMs: 100, now: vt.now, sleep: vt.sleep });
    const log: Array<[string, number]> = [];
    const call = (acct: string, n: number) => s.run(acct, async () => {
      log.push([`${acct}${n}`, vt.now()]);
      return `${acct}${n}`;
    });
    // Account A queues a burst of five before B asks for two.
    const all = [1, 2, 3, 4, 5].map((i) => call('A', i)).concat([1, 2].map((i) => call('B', i)));
    assert.deepEqual(await Promise.all(all), ['A1', 'A2', 'A3', 'A4', 'A5', 'B1', 'B2']);
    assert.deepEqual(log.map(([k]) => k), ['A1', 'B1', 'A2', 'B2', 'A3', 'A4', 'A5']);
    const starts = log.map(([, t]) => t);
    for (let i = 1; i < starts.length; i++) assert.equal(starts[i]! - starts[i - 1]!, 100, `gap before ${log[i]![0]}`);
  });

  it('a third account joining later gets its turn in the rotation', async () => {
    const vt = virtualTime();
    const s = new FairScheduler({ minIntervalMs: 10, now: vt.now, sleep: vt.sleep });
    const order: string[] = [];
    const call = (k: string) => s.run(k, async () => {
      order.push(k);
      if (order.length === 2) void s.run('C', async () => void order.push('C'));
    });
    await Promise.all(['A', 'A', 'A', 'B', 'B', 'B'].map(call));
    await s.run('A', async () => undefined);
    assert.deepEqual(order, ['A', 'B', 'C', 'A', 'B', 'A', 'B']);
  });

  it('does not wait when calls are already far apart, and propagates failures per call', async () => {
    const vt = virtualTime();
    const s = new FairScheduler({ minIntervalMs: 50, now: vt.now, sleep: vt.sleep });
    await s.run('A', async () => 1);
    vt.advance(500);
    await assert.rejects(s.run('A', async () => {
      throw new Error('boom');
    }), /boom/);
    assert.deepEqual(vt.sleeps, [], 'no pacing sleep needed');
    assert.equal(await s.run('B', async () => 2), 2, 'a failure does not jam the queue');
    assert.equal(s.pending, 0);
  });

  it('rejects a queued call whose signal was aborted, without running it', async () => {
    const vt = virtualTime();
    const s = new FairScheduler({ minIntervalMs: 10, now: vt.now, sleep: vt.sleep });
    const ac = new AbortController();
    let ran = false;
    const first = s.run('A', async () => {
      ac.abort(new Error('job cancelled'));
    });
    const second = s.run('A', async () => {
      ran = true;
    }, ac.signal);
    const refused = assert.rejects(second, /job cancelled/);
    await first;
    await refused;
    assert.equal(ran, false);
  });

  it('paces with the real clock too (lower bound only)', async () => {
    const s = new FairScheduler({ minIntervalMs: 30 });
    const starts: number[] = [];
    await Promise.all([0, 1, 2].map((i) => s.run(i % 2 ? 'B' : 'A', async () => void starts.push(Date.now()))));
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 30, `gap ${starts[i]! - starts[i - 1]!}`);
  });
});
