/**
 * Stream health in the main process: the state machine (down / up / ad / stalled), transitions of
 * important channels only, throttled status, per-minute rates, errors and the Prometheus metrics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { RecorderHealth, StreamStatus, type StreamTransition } from '../../main/recorder/health.ts';
import type { ChannelMessage, SegmentMessage } from '../../main/recorder/messages.ts';

function setup(channels = [{ name: 'main', important: true }, { name: 'side', important: false }]) {
  let now = 1_000_000;
  const published: { topic: string; key?: string; data: unknown }[] = [];
  const registry = new Registry();
  const h = new RecorderHealth({
    publish: (topic, data, key) => published.push({ topic, key, data }),
    registry, channels, stalledAfterMs: 30_000, statusThrottleMs: 1000, now: () => now,
  });
  return {
    h, registry, published,
    advance: (ms: number) => {
      now += ms;
      h.tick();
    },
    now: () => now,
    transitions: () => published.filter((p) => p.topic === 'stream.transition').map((p) => p.data as StreamTransition),
    statuses: (ch: string) => published.filter((p) => p.topic === 'stream.status' && p.key === ch).map((p) => p.data as StreamStatus),
  };
}

const channelMsg = (channel: string, phase: ChannelMessage['phase'], important = true): ChannelMessage => ({
  channel, important, provider: 'twitch', phase, reason: null, qualities: { source: { phase, workers: phase === 'offline' ? 0 : 1 } }, at: 0,
});
const segMsg = (channel: string, at: number, start: number, type: SegmentMessage['type'] = 'full'): SegmentMessage => ({
  channel, quality: 'source', type, bytes: 1000, start, duration: 2, path: 'x', downloadMs: 100, at,
});

test('offline → live → ad → live → stalled → ended: states and transitions', () => {
  const s = setup();
  assert.deepEqual(s.h.list().map((x) => [x.channel, x.state]), [['main', 'down'], ['side', 'down']]);
  s.h.handle('recorder.channel', channelMsg('main', 'offline'));
  assert.equal(s.h.get('main')!.state, 'down');
  s.h.handle('recorder.channel', channelMsg('main', 'starting'));
  assert.equal(s.h.get('main')!.state, 'down', 'not up before a content segment was seen');
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  assert.equal(s.h.get('main')!.state, 'up');
  s.advance(5000);
  s.h.handle('recorder.segment', segMsg('main', s.now(), s.now() * 1000 - 3_000_000));
  s.h.handle('recorder.channel', channelMsg('main', 'ad'));
  assert.equal(s.h.get('main')!.state, 'ad');
  s.advance(60_000);
  assert.equal(s.h.get('main')!.state, 'ad', 'an ad break is never "stalled"');
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  assert.equal(s.h.get('main')!.state, 'up');
  s.advance(29_000);
  assert.equal(s.h.get('main')!.state, 'up');
  s.advance(2_000);
  assert.equal(s.h.get('main')!.state, 'stalled', 'live but no new segment for 30 s');
  s.h.handle('recorder.segment', segMsg('main', s.now(), s.now() * 1000 - 3_000_000));
  assert.equal(s.h.get('main')!.state, 'up');
  s.h.handle('recorder.channel', channelMsg('main', 'ended'));
  assert.equal(s.h.get('main')!.state, 'down');
  assert.deepEqual(s.transitions().map((t) => `${t.from}>${t.to}`), ['down>up', 'up>ad', 'ad>up', 'up>stalled', 'stalled>up', 'up>down']);
  assert.ok(s.transitions().every((t) => t.channel === 'main' && t.important));
});

test('non-important channels change state without transition events; statuses validate', () => {
  const s = setup();
  s.h.handle('recorder.channel', channelMsg('side', 'live', false));
  assert.equal(s.h.get('side')!.state, 'up');
  assert.equal(s.transitions().length, 0);
  for (const st of s.published.filter((p) => p.topic === 'stream.status')) StreamStatus.parse(st.data);
  assert.equal(s.statuses('side').at(-1)!.state, 'up');
});

test('a restart (new worker starting) keeps an up channel up until it would stall', () => {
  const s = setup();
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  s.h.handle('recorder.channel', channelMsg('main', 'starting'));
  assert.equal(s.h.get('main')!.state, 'up');
  s.advance(31_000);
  assert.equal(s.h.get('main')!.state, 'stalled');
});

test('recorder process down: a restart blip keeps the state, a lasting outage is stalled; down stays down', () => {
  const s = setup();
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  s.h.recorderDown();
  assert.equal(s.h.get('main')!.state, 'up');
  s.advance(5000);
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  assert.equal(s.h.get('main')!.state, 'up', 'back within seconds: no transition');
  assert.deepEqual(s.transitions().map((t) => t.to), ['up']);
  s.h.recorderDown();
  s.advance(31_000);
  assert.equal(s.h.get('main')!.state, 'stalled');
  assert.equal(s.h.get('side')!.state, 'down');
});

test('segments: per-minute rates, delay, counts by type, errors, ads, metrics', async () => {
  const s = setup();
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  for (let i = 0; i < 5; i++) {
    s.advance(2000);
    // segment i ended 1.5 s before it was stored
    s.h.handle('recorder.segment', segMsg('main', s.now(), (s.now() - 3500) * 1000, i === 4 ? 'partial' : 'full'));
  }
  s.h.handle('recorder.ad', { channel: 'main', quality: 'source', count: 3, reason: 'x', at: s.now() });
  s.h.handle('recorder.error', { channel: 'main', quality: 'source', message: 'segment 7 expired', at: s.now() });
  s.h.handle('recorder.skew', { channel: 'main', quality: 'source', skewMs: 500, at: s.now() });
  const st = s.h.get('main')!;
  assert.equal(st.segmentsPerMinute, 5);
  assert.equal(st.bytesPerMinute, 5000);
  assert.equal(st.delaySeconds, 1.5);
  assert.deepEqual(st.qualities[0]!.segments, { full: 4, suspect: 0, partial: 1 });
  assert.equal(st.qualities[0]!.adSegmentsIgnored, 3);
  assert.equal(st.errors.count, 1);
  assert.equal(st.errors.recent[0]!.message, 'segment 7 expired');
  s.advance(61_000);
  assert.equal(s.h.get('main')!.segmentsPerMinute, 0, 'rates are over the last minute');
  const text = await s.registry.metrics();
  assert.match(text, /segments_downloaded\{type="full",channel="main",quality="source"\} 4/);
  assert.match(text, /segments_downloaded\{type="partial",channel="main",quality="source"\} 1/);
  assert.match(text, /ad_segments_ignored\{channel="main",quality="source"\} 3/);
  assert.match(text, /stream_delay_seconds\{channel="main",quality="source"\} 1.5/);
  assert.match(text, /suspicious_skew_count\{channel="main",quality="source"\} 1/);
  assert.match(text, /latest_segment\{channel="main",quality="source"\} \d+/);
  assert.match(text, /stream_state\{channel="main",state="stalled"\} 1/);
});

test('status publishing is throttled per channel, but state changes go out at once', () => {
  const s = setup();
  s.h.handle('recorder.channel', channelMsg('main', 'live'));
  const before = s.statuses('main').length;
  for (let i = 0; i < 10; i++) s.h.handle('recorder.segment', segMsg('main', s.now(), s.now() * 1000));
  assert.equal(s.statuses('main').length, before, 'segments within the throttle window are batched');
  s.advance(1000);
  assert.equal(s.statuses('main').length, before + 1);
  s.h.handle('recorder.channel', channelMsg('main', 'ad'));
  assert.equal(s.statuses('main').length, before + 2);
});
