/**
 * Tray icon/tooltip (main/desktop/tray-state.ts) and the bus reducer that feeds it
 * (main/desktop/shell-status.ts): levels, their priority, and which messages move them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus } from '../../main/core/bus/event-bus.ts';
import { applyBusMessage, emptyShellStatus, type ShellStatus } from '../../main/desktop/shell-status.ts';
import { TOOLTIP_MAX, trayState } from '../../main/desktop/tray-state.ts';

const fold = (msgs: [string, unknown][], start: ShellStatus = emptyShellStatus()) =>
  msgs.reduce((s, [topic, data]) => applyBusMessage(s, { topic, data }), start);

test('ok: nothing wrong; the tooltip says how many streams are recording', () => {
  const idle = trayState(emptyShellStatus(), 0);
  assert.deepEqual([idle.level, idle.icon, idle.tooltip], ['ok', 'tray-ok', 'Tapedeck — idle']);
  const s = fold([
    ['stream.status', { channel: 'main', important: true, state: 'up' }],
    ['stream.status', { channel: 'side', state: 'live' }],
    ['stream.status', { channel: 'other', state: 'offline' }], // a non-important channel being offline is fine
    ['stream.status', { channel: 'third', important: true, state: 'ad' }], // an ad break is still a live stream
    ['worker.status', { name: 'recorder', state: 'running', crashLoop: false }],
  ]);
  const v = trayState(s, 0);
  assert.equal(v.level, 'ok');
  assert.equal(v.tooltip, 'Tapedeck — recording 3 streams');
});

test('stream-down: an important channel down or its recorder stalled', () => {
  const s = fold([
    ['stream.status', { channel: 'main', important: true, state: 'up' }],
    ['stream.transition', { channel: 'main', from: 'up', to: 'down' }], // importance remembered from status
  ]);
  const v = trayState(s, 0);
  assert.equal(v.level, 'stream-down');
  assert.equal(v.icon, 'tray-stream-down');
  assert.match(v.tooltip, /stream down: main/);
  const stalled = trayState(fold([['stream.status', { channel: 'main', important: true, state: 'stalled' }]]), 0);
  assert.equal(stalled.level, 'stream-down');
  assert.match(stalled.tooltip, /recorder stalled: main/);
  const back = fold([['stream.transition', { channel: 'main', important: true, from: 'down', to: 'up' }]], s);
  assert.equal(trayState(back, 0).level, 'ok');
});

test('degraded: things that need attention while recording goes on', () => {
  const cases: [string, [string, unknown][], RegExp][] = [
    ['non-important recorder stalled', [['stream.status', { channel: 'side', state: 'stalled' }]], /recorder stalled: side/],
    ['worker restarting', [['worker.status', { name: 'cutter', state: 'backoff', crashLoop: false }]], /restarting: cutter/],
    ['quota parked', [['quota.parked', { until: 10_000 }]], /uploads parked/],
    ['quota parked without a time', [['quota.parked', {}]], /uploads parked/],
    ['account to reconnect', [['account.needs_reconnect', { account: 'a@example.org' }]], /reconnect account: a@example.org/],
  ];
  for (const [name, msgs, re] of cases) {
    const v = trayState(fold(msgs), 5_000);
    assert.equal(v.level, 'degraded', name);
    assert.equal(v.icon, 'tray-degraded', name);
    assert.match(v.tooltip, re, name);
  }
  const paused = trayState({ ...emptyShellStatus(), recordingPaused: true }, 0);
  assert.equal(paused.level, 'degraded');
  assert.match(paused.tooltip, /recording paused/);
});

test('degraded conditions clear: quota time passes or resumes, account reconnected, worker runs or is stopped', () => {
  const parked = fold([['quota.parked', { until: new Date(10_000).toISOString() }]]);
  assert.equal(trayState(parked, 9_999).level, 'degraded');
  assert.equal(trayState(parked, 10_000).level, 'ok', 'the parking time is over');
  assert.equal(trayState(fold([['quota.resumed', {}]], fold([['quota.parked', {}]])), 0).level, 'ok');
  const acct = fold([['account.needs_reconnect', { account: 'a' }], ['account.needs_reconnect', { account: 'b' }], ['account.connected', { account: 'a' }]]);
  assert.deepEqual(acct.accountsNeedingReconnect, ['b']);
  const w = fold([['worker.status', { name: 'cutter', state: 'backoff' }], ['worker.status', { name: 'cutter', state: 'running' }]]);
  assert.equal(trayState(w, 0).level, 'ok');
  const stopped = fold([['worker.status', { name: 'cutter', state: 'backoff' }], ['worker.status', { name: 'cutter', state: 'stopped' }]]);
  assert.deepEqual(stopped.workers, {});
});

test('error: crash loop or core failure, and it outranks everything else', () => {
  const s = fold([
    ['stream.status', { channel: 'main', important: true, state: 'down' }],
    ['quota.parked', {}],
    ['worker.crashloop', { name: 'recorder', crashes: 5 }],
  ]);
  const v = trayState(s, 0);
  assert.equal(v.level, 'error');
  assert.equal(v.icon, 'tray-error');
  assert.deepEqual(v.reasons, ['recorder keeps crashing', 'stream down: main', 'uploads parked (YouTube quota)']);
  const core = trayState({ ...emptyShellStatus(), coreError: 'port in use' }, 0);
  assert.equal(core.level, 'error');
  assert.match(core.tooltip, /core failed: port in use/);
  // stream-down outranks degraded
  const sd = trayState(fold([['stream.status', { channel: 'main', important: true, state: 'down' }], ['quota.parked', {}]]), 0);
  assert.equal(sd.level, 'stream-down');
});

test('tooltips stay within the Windows limit and name at most three things', () => {
  const msgs: [string, unknown][] = [];
  for (let i = 0; i < 40; i++) msgs.push(['stream.status', { channel: `a-very-long-channel-name-${i}`, important: true, state: 'down' }]);
  const v = trayState(fold(msgs), 0);
  assert.ok(v.tooltip.length <= TOOLTIP_MAX, `${v.tooltip.length}`);
  assert.match(v.reasons[0]!, /\+37 more$/);
});

test('recorder.paused mirrors the recorder\'s own paused flag', () => {
  const s = fold([['recorder.paused', { paused: true }]]);
  assert.equal(s.recordingPaused, true);
  assert.equal(trayState(s, 0).level, 'degraded');
  assert.equal(fold([['recorder.paused', { paused: false }]], s).recordingPaused, false);
});

test('garbage messages leave the status untouched (same object)', () => {
  const s = emptyShellStatus();
  for (const [topic, data] of [
    ['stream.status', { state: 'down' }], ['worker.status', { name: 'x', state: 'exploded' }], ['quota.parked', 5],
    ['account.needs_reconnect', {}], ['worker.crashloop', null], ['something.else', {}], ['recorder.paused', { paused: 'yes' }],
  ] as const) assert.equal(applyBusMessage(s, { topic, data }), s, topic);
});

test('driven from a real EventBus snapshot, as the shell does at start-up', () => {
  const bus = new EventBus();
  bus.publish('stream.status', { channel: 'main', important: true, state: 'up' }, 'main');
  bus.publish('stream.status', { channel: 'main', important: true, state: 'down' }, 'main'); // replaces the last value
  bus.publish('worker.status', { name: 'recorder', state: 'running', crashLoop: false, pid: 1 }, 'recorder');
  const s = bus.snapshot().reduce(applyBusMessage, emptyShellStatus());
  assert.equal(trayState(s, 0).level, 'stream-down');
});
