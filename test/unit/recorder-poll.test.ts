/**
 * The media playlist poll schedule (poll-schedule.ts) against a simulated origin that lists segment k
 * at end_k + lag (plus jitter), on a virtual clock: how long after a segment is listed the schedule
 * sees it, how many polls that costs, and that it falls back to wubloader's cadence when segments stop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollSchedule } from '../../main/recorder/poll-schedule.ts';

const SEG_MS = 2000;
const T0_US = 1_700_000_000_000_000;

interface Sim {
  /** ms after publication each segment was first seen */
  waits: number[];
  polls: number;
  /** the longest gap between two polls */
  maxGap: number;
  /** the delays returned while segments were not flowing */
  stalledDelays: number[];
}

/**
 * Run `seconds` of a live stream whose segment k (start T0 + k·2 s) is listed at wall time
 * k·2000 + 2000 + lag + jitter(k) ms; the first poll happens at `firstPoll` ms. From `stopAfter` ms on
 * nothing new is listed.
 */
function simulate(o: { lag: number; jitter?: (k: number) => number; seconds: number; firstPoll?: number; stopAfter?: number; scaleMs?: number; rtt?: number }): Sim {
  const scale = o.scaleMs ?? 1000;
  const k2ms = (ms: number) => (ms * scale) / 1000;
  const s = new PollSchedule({ scaleMs: scale, minMs: 20, maxMs: 10_000, jitter: 0.1 });
  const published = (k: number) => k2ms(k * SEG_MS + SEG_MS) + o.lag + (o.jitter?.(k) ?? 0);
  const rtt = o.rtt ?? 2;
  let now = o.firstPoll ?? 0;
  let seen = -1;
  const waits: number[] = [];
  const stalledDelays: number[] = [];
  let polls = 0;
  let maxGap = 0;
  while (now < k2ms(o.seconds * 1000)) {
    polls++;
    const startedAt = now;
    const serverAt = now + rtt / 2;
    let newest = -1;
    for (let k = 0; published(k) <= serverAt && (o.stopAfter === undefined || published(k) <= o.stopAfter); k++) newest = k;
    const at = now + rtt;
    const changed = newest > seen;
    for (let k = seen + 1; k <= newest; k++) if (k > 0 && polls > 1) waits.push(at - published(k));
    seen = Math.max(seen, newest);
    const edge = newest < 0 ? null : { endUs: T0_US + (newest + 1) * SEG_MS * 1000, duration: SEG_MS / 1000 };
    // stream time starts at T0 for the simulation's wall 0: shift the origin's clock accordingly
    const delay = s.next({ startedAt: startedAt + k2ms(T0_US / 1000), at: at + k2ms(T0_US / 1000), changed, edge, targetDuration: SEG_MS / 1000 }, at + k2ms(T0_US / 1000));
    if (o.stopAfter !== undefined && at > o.stopAfter + k2ms(3 * SEG_MS)) stalledDelays.push(delay);
    assert.ok(delay >= 20 && Number.isFinite(delay), `delay ${delay} within bounds`);
    maxGap = Math.max(maxGap, delay + rtt);
    now = at + delay;
  }
  return { waits, polls, maxGap, stalledDelays };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

test('steady origin: segments seen within ~precision of being listed, about one poll per segment', () => {
  for (const lag of [0, 350, 1700, -40_000]) {
    for (const firstPoll of [0, 700, 1999]) {
      const r = simulate({ lag, seconds: 120, firstPoll });
      const settled = r.waits.slice(8);
      assert.ok(pct(settled, 95) <= 120, `lag ${lag}, first poll ${firstPoll}: p95 wait ${pct(settled, 95)} ms`);
      assert.ok(r.polls <= 60 * 1.5 + 10, `lag ${lag}: ${r.polls} polls for 60 segments`);
      assert.ok(r.maxGap <= SEG_MS + 5, `never slower than the target-duration cadence (${r.maxGap} ms)`);
    }
  }
});

test('jittery origin: bounded waits and poll counts', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const jit = new Map<number, number>();
  const jitter = (k: number) => {
    if (!jit.has(k)) jit.set(k, rand() * 300);
    return jit.get(k)!;
  };
  const r = simulate({ lag: 800, jitter, seconds: 300 });
  const settled = r.waits.slice(8);
  assert.ok(pct(settled, 95) <= 500, `p95 wait ${pct(settled, 95)} ms with 300 ms jitter`);
  assert.ok(pct(settled, 50) <= 250, `p50 wait ${pct(settled, 50)} ms with 300 ms jitter`);
  assert.ok(r.polls <= 150 * 3, `${r.polls} polls for 150 segments`);
});

test('a faster test clock scales everything', () => {
  const r = simulate({ lag: 30, seconds: 120, scaleMs: 125 });
  assert.ok(pct(r.waits.slice(8), 95) <= 30, `p95 wait ${pct(r.waits.slice(8), 95)} ms at 8x`);
});

test('segments stop: back to half the target duration (jittered), not a tight loop', () => {
  const r = simulate({ lag: 100, seconds: 60, stopAfter: 20_000 });
  assert.ok(r.stalledDelays.length > 5, 'polled while stalled');
  for (const d of r.stalledDelays) assert.ok(d >= 900 && d <= 1100, `stalled poll delay ${d}`);
});

test('a lag that jumps (origin restarted its clock) is relearnt', () => {
  const r = simulate({ lag: 0, jitter: (k) => (k >= 20 ? 1500 : 0), seconds: 120 });
  const after = r.waits.slice(30);
  assert.ok(pct(after, 95) <= 120, `p95 wait after the jump ${pct(after, 95)} ms`);
});
