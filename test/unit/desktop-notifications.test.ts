/**
 * The desktop notification decision function (main/desktop/notifications.ts): what is notified, hold
 * times, flapping streams, cooldowns, coalescing, and the scheduler driven by an injected clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decideNotifications, emptyNotifyState, formatDuration, NotificationScheduler, type Clock, type NotifyConfig,
  type NotifyState, type ShellNotification,
} from '../../main/desktop/notifications.ts';
import type { BusInput } from '../../main/desktop/inputs.ts';

const S = 1000;
const MIN = 60 * S;
const cfg: NotifyConfig = {
  holdMs: 30 * S, problemCooldownMs: 10 * MIN, repeatCooldownMs: 60 * MIN, coalesceMs: 5 * S,
  formatTime: (t) => `T${t}`,
};

/** Drives the pure function along a timeline, remembering everything it said and when. */
class Timeline {
  state: NotifyState = emptyNotifyState();
  said: { at: number; n: ShellNotification }[] = [];
  wakeAt: number | null = null;

  private step(input: BusInput | null, at: number) {
    const d = decideNotifications(this.state, input, at, cfg);
    this.state = d.state;
    this.wakeAt = d.wakeAt;
    for (const n of d.notifications) this.said.push({ at, n });
    return d.notifications;
  }

  send(at: number, topic: string, data: unknown) {
    // A real scheduler would have woken up in between: honour pending wake-ups first.
    this.until(at);
    return this.step({ topic, data }, at);
  }

  stream(at: number, channel: string, to: string, important = true) {
    return this.send(at, 'stream.transition', { channel, important, from: null, to });
  }

  /** Fire every wake-up up to and including `at`. */
  until(at: number) {
    let guard = 0;
    while (this.wakeAt !== null && this.wakeAt <= at) {
      assert.ok(guard++ < 1000, 'wake-up loop');
      this.step(null, this.wakeAt);
    }
  }

  kinds() {
    return this.said.map((s) => `${s.n.kind}@${s.at / S}`);
  }
}

test('an important channel going down is notified only after the hold time, once', () => {
  const t = new Timeline();
  assert.deepEqual(t.stream(0, 'main', 'up'), []);
  t.until(100 * S);
  assert.equal(t.said.length, 0, 'a stream coming up at start-up is not news');
  assert.deepEqual(t.stream(100 * S, 'main', 'down'), []);
  assert.equal(t.wakeAt, 130 * S, 'wakes when the hold ends');
  t.until(129 * S);
  assert.equal(t.said.length, 0);
  t.until(130 * S);
  assert.deepEqual(t.kinds(), ['stream-down@130']);
  const n = t.said[0]!.n;
  assert.equal(n.route, '/streams/main');
  assert.equal(n.urgency, 'critical');
  assert.match(n.title, /main/);
  assert.match(n.body, /30 s/);
  t.until(10_000 * S);
  assert.equal(t.said.length, 1, 'no repeats while it stays down');
  assert.equal(t.wakeAt, null);
});

test('down→up→down inside the hold produces exactly one notification', () => {
  const t = new Timeline();
  t.stream(0, 'main', 'up');
  t.stream(100 * S, 'main', 'down');
  t.stream(105 * S, 'main', 'up');
  t.stream(110 * S, 'main', 'down');
  t.until(1000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@140'], 'one notification, once the last "down" has held');
});

test('a stream reported down that blips up briefly says nothing; a held recovery says "back up" once', () => {
  const t = new Timeline();
  t.stream(0, 'main', 'down');
  t.until(30 * S);
  assert.deepEqual(t.kinds(), ['stream-down@30']);
  t.stream(40 * S, 'main', 'up');
  t.stream(50 * S, 'main', 'down'); // up for 10 s < hold
  t.until(500 * S);
  assert.deepEqual(t.kinds(), ['stream-down@30'], 'the blip is not news');
  t.stream(600 * S, 'main', 'up');
  t.until(1000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@30', 'stream-up@630']);
  assert.equal(t.said[1]!.n.urgency, 'normal');
  assert.match(t.said[1]!.n.title, /back up/);
});

test('a stream flapping slower than the hold time is rate-limited by the problem cooldown', () => {
  const t = new Timeline();
  t.stream(0, 'main', 'up');
  // Each cycle: down for 60 s, up for 60 s (both longer than the 30 s hold).
  for (let c = 0; c < 4; c++) {
    t.stream((100 + c * 120) * S, 'main', 'down');
    t.stream((160 + c * 120) * S, 'main', 'up');
  }
  t.until(1000 * S);
  // The first incident and its recovery are told. The later incidents start inside the 10 min cooldown
  // that began at 130 s, so they wait for 730 s; by then the stream has been up since 520 s: nothing.
  assert.deepEqual(t.kinds(), ['stream-down@130', 'stream-up@190']);
  // Down again after the cooldown: told, and the message says it has been flapping.
  t.stream(1100 * S, 'main', 'down');
  t.until(2000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@130', 'stream-up@190', 'stream-down@1130']);
});

test('a new incident inside the cooldown is deferred to its end, and sent if the stream is still down', () => {
  const t = new Timeline();
  t.stream(0, 'main', 'up');
  t.stream(100 * S, 'main', 'down');
  t.stream(200 * S, 'main', 'up');
  t.stream(300 * S, 'main', 'down'); // still down when the cooldown (from 130 s) ends at 730 s
  t.until(2000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@130', 'stream-up@230', 'stream-down@730']);
  assert.match(t.said[2]!.n.body, /dropped 2 times/);
});

test('recoveries are never delayed by the cooldown', () => {
  const t = new Timeline();
  t.stream(0, 'main', 'down');
  t.stream(100 * S, 'main', 'up');
  t.until(1000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@30', 'stream-up@130']);
});

test('non-important channels: offline is normal, a stalled recorder is still worth a (normal) notification', () => {
  const t = new Timeline();
  t.stream(0, 'side', 'up', false);
  t.stream(10 * S, 'side', 'down', false);
  t.until(500 * S);
  assert.equal(t.said.length, 0);
  t.stream(500 * S, 'side', 'stalled', false);
  t.until(600 * S);
  assert.deepEqual(t.kinds(), ['stream-stalled@530']);
  assert.equal(t.said[0]!.n.urgency, 'normal');
  t.stream(700 * S, 'side', 'up', false);
  t.until(800 * S);
  assert.deepEqual(t.kinds(), ['stream-stalled@530', 'stream-up@730']);
});

test('an important recorder that stalls and then loses the stream escalates without waiting for a cooldown', () => {
  const t = new Timeline();
  t.stream(0, 'main', 'up');
  t.stream(10 * S, 'main', 'stalled');
  t.stream(60 * S, 'main', 'down');
  t.until(500 * S);
  assert.deepEqual(t.kinds(), ['stream-stalled@40', 'stream-down@90']);
  assert.equal(t.said[0]!.n.urgency, 'critical');
});

test('channels going down together are coalesced into one notification', () => {
  const t = new Timeline();
  for (const c of ['a', 'b', 'c']) t.stream(0, c, 'up');
  t.stream(100 * S, 'a', 'down');
  t.stream(101 * S, 'b', 'down');
  t.stream(103 * S, 'c', 'down');
  t.until(1000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@130']);
  const n = t.said[0]!.n;
  assert.equal(n.title, '3 streams down');
  assert.equal(n.body, 'a, b, c');
  assert.equal(n.route, '/streams');
  // ...but one going down much later is its own notification.
  t.stream(1000 * S, 'd', 'up');
  t.stream(1100 * S, 'd', 'down');
  t.until(2000 * S);
  assert.deepEqual(t.kinds(), ['stream-down@130', 'stream-down@1130']);
  assert.equal(t.said[1]!.n.route, '/streams/d');
});

test('stream.status and state synonyms drive the same decisions; unknown states never alert', () => {
  const t = new Timeline();
  t.send(0, 'stream.status', { channel: 'main', important: true, state: 'live' });
  t.send(10 * S, 'stream.status', { channel: 'main', important: true, state: 'starting' });
  t.until(500 * S);
  assert.equal(t.said.length, 0, 'unknown is neither a problem nor news');
  t.send(500 * S, 'stream.status', { channel: 'main', state: 'offline' }); // importance remembered
  t.until(600 * S);
  assert.deepEqual(t.kinds(), ['stream-down@530']);
});

test('upload failures: only non-retryable ones, once per upload within the repeat cooldown', () => {
  const t = new Timeline();
  assert.deepEqual(t.send(0, 'upload.failed', { eventId: 42, retryable: true, error: '503' }), []);
  const [n] = t.send(1 * S, 'upload.failed', { eventId: 42, retryable: false, title: 'Hour 3 highlights', error: 'video rejected' });
  assert.equal(n?.kind, 'upload-failed');
  assert.equal(n?.route, '/events/42');
  assert.match(n!.body, /Hour 3 highlights.*video rejected/);
  assert.deepEqual(t.send(2 * S, 'upload.failed', { eventId: 42, retryable: false }), [], 'same upload: not repeated');
  assert.equal(t.send(3 * S, 'upload.failed', { eventId: 43, retryable: false }).length, 1, 'another upload is news');
  assert.equal(t.send(61 * MIN, 'upload.failed', { eventId: 42, retryable: false }).length, 1, 'after the cooldown it may repeat');
  assert.equal(t.send(62 * MIN, 'upload.failed', { retryable: false }).at(0)?.route, '/uploads');
});

test('quota parked is told once until quota.resumed re-arms it', () => {
  const t = new Timeline();
  const [n] = t.send(0, 'quota.parked', { until: 5000 });
  assert.equal(n?.kind, 'quota-parked');
  assert.equal(n?.route, '/uploads');
  assert.match(n!.body, /T5000/);
  assert.deepEqual(t.send(1 * S, 'quota.parked', { until: 5000 }), []);
  t.send(2 * S, 'quota.resumed', {});
  assert.equal(t.send(3 * S, 'quota.parked', { until: '2026-11-20T08:00:00Z' }).length, 1);
  assert.match(t.said[1]!.n.body, new RegExp(`T${Date.parse('2026-11-20T08:00:00Z')}`));
});

test('an account to reconnect is told once until it is connected again', () => {
  const t = new Timeline();
  const [n] = t.send(0, 'account.needs_reconnect', { account: 'charity@example.org', reason: 'invalid_grant' });
  assert.equal(n?.kind, 'account-reconnect');
  assert.equal(n?.route, '/accounts');
  assert.match(n!.body, /charity@example.org.*invalid_grant/);
  assert.deepEqual(t.send(1 * S, 'account.needs_reconnect', { account: 'charity@example.org' }), []);
  t.send(2 * S, 'account.connected', { account: 'charity@example.org' });
  assert.equal(t.send(3 * S, 'account.needs_reconnect', { account: 'charity@example.org' }).length, 1);
});

test('a worker crash loop is told once until the worker runs normally again', () => {
  const t = new Timeline();
  assert.equal(t.send(0, 'worker.crashloop', { name: 'recorder', crashes: 5 }).at(0)?.route, '/workers');
  assert.deepEqual(t.send(1 * S, 'worker.crashloop', { name: 'recorder', crashes: 6 }), []);
  t.send(2 * S, 'worker.status', { name: 'recorder', state: 'running', crashLoop: true });
  assert.deepEqual(t.send(3 * S, 'worker.crashloop', { name: 'recorder' }), [], 'still flagged as looping: not re-armed');
  t.send(4 * S, 'worker.status', { name: 'recorder', state: 'running', crashLoop: false });
  assert.equal(t.send(5 * S, 'worker.crashloop', { name: 'recorder' }).length, 1);
});

test('malformed or unrelated messages are ignored, never thrown on', () => {
  const t = new Timeline();
  for (const [topic, data] of [
    ['stream.transition', { to: 'down' }], ['stream.status', null], ['upload.failed', { error: 'x' }],
    ['account.needs_reconnect', {}], ['quota.parked', 'soon'], ['worker.crashloop', 7], ['upload.progress', { pct: 5 }],
  ] as const) t.send(0, topic, data);
  t.until(10_000 * S);
  assert.equal(t.said.length, 0);
});

test('the decision function is pure: it never mutates the state it is given', () => {
  const deepFreeze = <T>(o: T): T => {
    if (o && typeof o === 'object') {
      for (const v of Object.values(o)) deepFreeze(v);
      Object.freeze(o);
    }
    return o;
  };
  const t = new Timeline();
  t.stream(0, 'main', 'up');
  t.send(0, 'upload.failed', { eventId: 1, retryable: false });
  const frozen = deepFreeze(t.state);
  const snapshot = JSON.stringify(frozen);
  // Strict-mode code throws on any write to a frozen object.
  const d1 = decideNotifications(frozen, { topic: 'stream.transition', data: { channel: 'main', important: true, to: 'down' } }, 10 * S, cfg);
  const d2 = decideNotifications(d1.state, null, 40 * S, cfg);
  assert.equal(d2.notifications.length, 1);
  assert.equal(JSON.stringify(frozen), snapshot);
  assert.deepEqual(decideNotifications(frozen, null, 40 * S, cfg).notifications, [], 'the old state still says nothing happened');
});

test('formatDuration', () => {
  assert.equal(formatDuration(45_400), '45 s');
  assert.equal(formatDuration(3 * MIN), '3 min');
  assert.equal(formatDuration(65 * MIN), '1 h 5 min');
  assert.equal(formatDuration(120 * MIN), '2 h');
});

test('NotificationScheduler wakes itself up with the injected clock and stops on close()', () => {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextId = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => void timers.delete(h as number),
  };
  const advance = (to: number) => {
    for (;;) {
      const due = [...timers.entries()].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = to;
  };
  const shown: { at: number; n: ShellNotification }[] = [];
  const s = new NotificationScheduler((n) => shown.push({ at: now, n }), cfg, clock);
  s.handle({ topic: 'stream.transition', data: { channel: 'main', important: true, from: 'up', to: 'down' } });
  assert.equal(timers.size, 1, 'a wake-up is pending for the hold');
  advance(29 * S);
  assert.equal(shown.length, 0);
  advance(31 * S);
  assert.deepEqual(shown.map((x) => [x.n.kind, x.at]), [['stream-down', 30 * S]]);
  assert.equal(timers.size, 0);

  s.handle({ topic: 'stream.transition', data: { channel: 'main', important: true, from: 'down', to: 'up' } });
  assert.equal(timers.size, 1);
  s.close();
  assert.equal(timers.size, 0, 'close() cancels the pending wake-up');
  advance(1000 * S);
  assert.equal(shown.length, 1);

  // A throwing emitter does not break the scheduler.
  const s2 = new NotificationScheduler(() => {
    throw new Error('display failed');
  }, cfg, clock);
  const errors: unknown[] = [];
  const origError = console.error;
  console.error = (...a: unknown[]) => void errors.push(a);
  try {
    s2.handle({ topic: 'worker.crashloop', data: { name: 'cutter' } });
  } finally {
    console.error = origError;
  }
  assert.equal(errors.length, 1);
});
