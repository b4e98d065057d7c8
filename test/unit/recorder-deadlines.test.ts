/**
 * Deadlines (main/recorder/deadlines.ts): several timeouts on one timer. They fire in time order
 * whatever order they were given in, a cancelled group never fires, clear() stops everything, and
 * only one timer is pending at a time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadlines } from '../../main/recorder/deadlines.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('deadlines fire in time order, each about when due; a cancelled group is skipped', async () => {
  const fired: [string, number][] = [];
  const t0 = performance.now();
  const note = (name: string) => () => fired.push([name, performance.now() - t0]);
  const d = new Deadlines([
    { afterMs: 300, fire: note('c') },
    { afterMs: 100, group: 'head', fire: note('a') },
    { afterMs: 200, group: 'head', fire: note('b') },
    { afterMs: 150, fire: note('x') },
  ]);
  await sleep(120);
  d.cancel('head'); // 'a' already fired; 'b' must not
  await sleep(300);
  assert.deepEqual(fired.map(([n]) => n), ['a', 'x', 'c'], `fired: ${JSON.stringify(fired)}`);
  for (const [name, at] of fired) {
    const due = { a: 100, x: 150, c: 300 }[name]!;
    assert.ok(at >= due - 2 && at < due + 150, `${name} fired at ${at.toFixed(0)} ms, due at ${due} ms`);
  }
});

test('clear() stops every pending deadline; deadlines due together fire together', async () => {
  const fired: string[] = [];
  const d = new Deadlines([
    { afterMs: 50, fire: () => fired.push('one') },
    { afterMs: 50, fire: () => fired.push('two') },
    { afterMs: 150, fire: () => fired.push('late') },
  ]);
  await sleep(100);
  assert.deepEqual(fired, ['one', 'two'], 'both 50 ms deadlines');
  d.clear();
  await sleep(150);
  assert.deepEqual(fired, ['one', 'two'], 'nothing after clear()');
});

test('a deadline may clear its own Deadlines; later ones then never fire', async () => {
  const fired: string[] = [];
  const d: Deadlines = new Deadlines([
    { afterMs: 30, fire: () => { fired.push('first'); d.clear(); } },
    { afterMs: 30, fire: () => fired.push('same time') },
    { afterMs: 60, fire: () => fired.push('later') },
  ]);
  await sleep(120);
  assert.deepEqual(fired, ['first'], `fired: ${fired.join(', ')}`);
});

test('one timer at a time, however many deadlines', () => {
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const d = new Deadlines([1000, 2000, 3000, 4000].map((afterMs) => ({ afterMs, fire: () => {} })));
  const during = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  d.clear();
  const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  assert.equal(during - before, 1, 'four deadlines, one pending timer');
  assert.equal(after, before, 'clear() leaves no timer behind');
});
