/**
 * The recorder subsystem inside a real node: the recorder runs as its own worker process under the
 * supervisor (child_process.fork), and everything the main process knows comes from the worker's bus
 * messages: GET /api/streams, `stream.status` / `stream.transition` on the bus (and over SSE), and the
 * Prometheus metrics on /metrics. Also `--demo`: the demo channel comes up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BusMessage } from '../../main/core/bus/event-bus.ts';
import { createRecorderSubsystem, StreamsResponse, type StreamStatus, type StreamTransition, type RecorderTimings } from '../../main/recorder/index.ts';
import { startFakeTwitch } from '../fakes/twitch/index.ts';
import { startTestNode, type TestNode } from '../helpers/node.ts';

const SPEED = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TIMINGS: Partial<RecorderTimings> = {
  masterFetchIntervalMs: 100, importantMasterFetchIntervalMs: 100, targetDurationScaleMs: 1000 / SPEED,
  playlistPollMinMs: 20, playlistRetryIntervalMs: 100, segmentFetchRetryMs: 100, stopGraceMs: 500,
  stalledAfterMs: 20_000, statusThrottleMs: 100,
};

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 40_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function streams(node: TestNode): Promise<StreamStatus[]> {
  const r = await node.get('/api/streams');
  assert.equal(r.status, 200);
  return StreamsResponse.parse(await r.json()).streams;
}

const stateOf = async (node: TestNode, channel: string) => (await streams(node)).find((s) => s.channel === channel)?.state;

test('recorder worker process: offline → live → ad → end; API, bus events, SSE and metrics in the main process', async () => {
  const tw = await startFakeTwitch({ clock: { speed: SPEED }, channels: { nodechan: { online: false, windowSize: 40 } } });
  const node = await startTestNode({
    config: {
      channels: [{ name: 'nodechan', important: true }, { name: 'quietchan', important: false }],
      twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash },
    },
    subsystems: [createRecorderSubsystem({ timings: TIMINGS })],
  });
  const events: BusMessage[] = [];
  node.bus.subscribe((m) => events.push(m));
  try {
    assert.deepEqual((await streams(node)).map((s) => [s.channel, s.state, s.important]), [['nodechan', 'down', true], ['quietchan', 'down', false]]);
    const sse = await node.get('/api/events?topic=stream.status');
    assert.equal(sse.status, 200);
    const reader = sse.body!.getReader();

    await until(() => node.supervisor.status().some((w) => w.name === 'recorder' && w.state === 'running'), 'the recorder worker');
    const workerPid = node.supervisor.status().find((w) => w.name === 'recorder')!.pid;
    assert.ok(workerPid && workerPid !== process.pid, 'recorder runs in its own process');
    await tw.waitForRequest((e) => e.kind === 'usher' && e.status === 404 && e.channel === 'nodechan', 20_000);
    tw.channel('nodechan').goOnline();
    await until(async () => (await stateOf(node, 'nodechan')) === 'up', 'nodechan up');
    await tw.clock.waitUntil(tw.now() + 4 * 2000);
    const ad = tw.channel('nodechan').startAd({ segments: 3 });
    await until(async () => (await stateOf(node, 'nodechan')) === 'ad', 'nodechan in an ad break');
    await tw.clock.waitUntil(tw.now() + 6 * 2000);
    await until(async () => (await stateOf(node, 'nodechan')) === 'up', 'nodechan up after the ad');
    tw.channel('nodechan').goOffline();
    await until(async () => (await stateOf(node, 'nodechan')) === 'down', 'nodechan down');

    const st = (await streams(node)).find((s) => s.channel === 'nodechan')!;
    assert.equal(st.provider, 'twitch');
    assert.ok(st.latestSegment !== null && st.segmentsPerMinute > 0 && st.bytesPerMinute > 0);
    assert.equal(typeof st.delaySeconds, 'number');
    assert.equal(st.qualities[0]!.quality, 'source');
    assert.equal(st.qualities[0]!.adSegmentsIgnored, ad.toN - ad.fromN);
    assert.equal((await streams(node)).find((s) => s.channel === 'quietchan')!.state, 'down');

    const states = events.filter((e) => e.topic === 'stream.status' && e.key === 'nodechan').map((e) => (e.data as StreamStatus).state);
    assert.deepEqual(states.filter((s, i) => i === 0 || s !== states[i - 1]), ['down', 'up', 'ad', 'up', 'down']);
    const transitions = events.filter((e) => e.topic === 'stream.transition').map((e) => e.data as StreamTransition);
    assert.deepEqual(transitions.map((t) => `${t.channel}:${t.from}>${t.to}`), ['nodechan:down>up', 'nodechan:up>ad', 'nodechan:ad>up', 'nodechan:up>down']);
    assert.ok(events.some((e) => e.topic === 'recorder.segment'), 'raw worker messages arrive through the supervisor');

    // SSE forwards the bus.
    let sseText = '';
    const deadline = Date.now() + 5000;
    while (!/"state":"down"/.test(sseText) || !/event: stream\.status/.test(sseText)) {
      const { value, done } = await Promise.race([reader.read(), sleep(Math.max(1, deadline - Date.now())).then(() => ({ value: undefined, done: true }))]);
      if (done || Date.now() > deadline) break;
      sseText += Buffer.from(value!).toString();
    }
    await reader.cancel();
    assert.match(sseText, /event: stream\.status/);
    assert.match(sseText, /"channel":"nodechan"/);

    const metrics = await (await node.get('/metrics')).text();
    const full = Number(/segments_downloaded\{type="full",channel="nodechan",quality="source"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(full >= 5, `segments_downloaded counted in the main process (${full})`);
    assert.match(metrics, /latest_segment\{channel="nodechan",quality="source"\} \d/);
    assert.match(metrics, new RegExp(`ad_segments_ignored\\{channel="nodechan",quality="source"\\} ${ad.toN - ad.fromN}`));
    assert.match(metrics, /stream_delay_seconds\{channel="nodechan",quality="source"\} -?\d/);
    assert.match(metrics, /stream_state\{channel="nodechan",state="down"\} 1/);
  } finally {
    await node.cleanup();
    await tw.close();
  }
  assert.ok(node.supervisor.status().every((w) => w.name !== 'recorder'), 'worker stopped with the node');
});

test('--demo: the recorder starts the local demo stream and channel demo comes up', async () => {
  const node = await startTestNode({ config: { demo: true }, subsystems: [createRecorderSubsystem({ timings: { importantMasterFetchIntervalMs: 500, stalledAfterMs: 30_000 } })] });
  try {
    assert.deepEqual((await streams(node)).map((s) => [s.channel, s.important]), [['demo', true]]);
    await until(async () => (await stateOf(node, 'demo')) === 'up', 'demo up', 90_000);
    await until(async () => ((await streams(node)).find((s) => s.channel === 'demo')!.latestSegment ?? null) !== null, 'a demo segment', 60_000);
    const st = (await streams(node)).find((s) => s.channel === 'demo')!;
    assert.equal(st.provider, 'generic');
    const hours = await (await node.get('/files/demo/source')).json() as string[];
    assert.ok(hours.length >= 1);
  } finally {
    await node.cleanup();
  }
});
