/**
 * The recorder (in-process startRecorder) against the fake Twitch, one test per fault, each asserting
 * the exact store contents: which segment (by index n in its broadcast) exists with which type, that
 * every name's hash verifies, and that ad time is absent and shows as a hole in getBestSegments.
 * The fake's clock runs at SPEED x real time (a 2 s segment every 250 ms), with a long live window so
 * a loaded test machine cannot make the recorder fall out of it; the manual clock is used where a
 * boundary must be exact (restart).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { EventBus, type BusMessage } from '../../main/core/bus/event-bus.ts';
import { NodeConfig, type TwitchConfig } from '../../main/core/config.ts';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { parseSegmentPath, type SegmentInfo } from '../../main/media/segments/names.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { RecorderHealth, startRecorder, type RecorderTimings, type RunningRecorder, type StreamStatus, type StreamTransition } from '../../main/recorder/index.ts';
import { startFakeTwitch, type AdBreak, type ChannelOptions, type FakeTwitch, type FakeTwitchOptions } from '../fakes/twitch/index.ts';
import { ffprobe } from '../fakes/twitch/test-helpers.ts';
import { tempDir } from '../helpers/node.ts';

const SPEED = 8;
const SEG_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fastTimings(speed: number): Partial<RecorderTimings> {
  return {
    masterFetchIntervalMs: 100,
    importantMasterFetchIntervalMs: 100,
    targetDurationScaleMs: 1000 / speed,
    playlistPollMinMs: 20,
    playlistRetryIntervalMs: 100,
    segmentFetchRetryMs: 100,
    segmentUnexpectedFailureRetryMs: 100,
    stopGraceMs: 500,
  };
}

interface Rig {
  tw: FakeTwitch;
  root: string;
  store: SegmentStore;
  bus: EventBus;
  health: RecorderHealth;
  rec: RunningRecorder;
  logs: string[];
  events: BusMessage[];
  close(): Promise<void>;
}

async function rig(o: {
  channels: Record<string, ChannelOptions>;
  fake?: FakeTwitchOptions;
  speed?: number;
  important?: boolean;
  usher?: 'v1' | 'v2';
  qualities?: string[];
  twitch?: Partial<TwitchConfig>;
  timings?: Partial<RecorderTimings>;
}): Promise<Rig> {
  const speed = o.speed ?? SPEED;
  const tw = await startFakeTwitch({ clock: { speed }, ...o.fake, channels: o.channels });
  const root = join(tempDir('tapedeck-rec-'), 'segments');
  const store = new SegmentStore(root);
  const bus = new EventBus();
  const names = Object.keys(o.channels);
  const health = new RecorderHealth({
    publish: (t, d, k) => bus.publish(t, d, k),
    channels: names.map((name) => ({ name, important: o.important ?? true })),
    stalledAfterMs: 60_000,
    statusThrottleMs: 0,
  });
  const events: BusMessage[] = [];
  bus.subscribe((m) => {
    events.push(m);
    if (m.topic.startsWith('recorder.')) health.handle(m.topic, m.data);
  });
  const config = NodeConfig.parse({
    channels: names.map((name) => ({ name, important: o.important ?? true })),
    qualities: o.qualities ?? ['source'],
    twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/${o.usher === 'v2' ? 'v2/' : ''}channel/hls`, ...o.twitch },
  });
  const logs: string[] = [];
  const rec = await startRecorder({
    store, config, publish: (t, d, k) => bus.publish(t, d, k), log: (level, m) => logs.push(`${level} ${m}`),
    timings: { ...fastTimings(speed), ...o.timings },
  });
  return {
    tw, root, store, bus, health, rec, logs, events,
    close: async () => {
      if (process.env.RECORDER_TEST_DEBUG) console.log(tw.requests((e) => e.kind !== 'segment').map((e) => `${e.at} ${e.kind} ${e.status} ${e.durationMs}ms s${e.session}`).join('\n'));
      if (process.env.RECORDER_TEST_DEBUG) console.log(logs.join('\n'), '\n', events.filter((e) => e.topic === 'recorder.channel').map((e) => JSON.stringify(e.data)).join('\n'));
      await rec.stop();
      await tw.close();
      rmSync(dirname(root), { recursive: true, force: true });
    },
  };
}

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Every file under channel/quality, parsed (temp files included). */
function listStore(root: string, channel: string, quality = 'source'): SegmentInfo[] {
  const base = join(root, channel, quality);
  if (!existsSync(base)) return [];
  const out: SegmentInfo[] = [];
  for (const hour of readdirSync(base).sort()) {
    for (const name of readdirSync(join(base, hour)).sort()) out.push(parseSegmentPath(`${channel}/${quality}/${hour}/${name}`));
  }
  return out;
}

/** Re-hash every non-temp file and compare with its name. */
function assertHashes(root: string, segs: SegmentInfo[]): void {
  for (const s of segs) {
    assert.notEqual(s.type, 'temp', `temp file left behind: ${s.path}`);
    assert.equal(hashBytes(readFileSync(join(root, s.path))), s.hash, `hash of ${s.path}`);
  }
}

interface Session { startMs: number; endN: number | null }

/** n of a segment in a session (start = PROGRAM-DATE-TIME = session start + n * 2 s). */
function nOf(s: SegmentInfo, session: Session): number {
  const n = (s.start / 1000 - session.startMs) / SEG_MS;
  const r = Math.round(n);
  assert.ok(Math.abs(n - r) < 0.001, `segment ${s.path} is not on the session's 2 s grid`);
  return r;
}

/** "n:type[,type]" per segment index, sorted: the exact store contents of one session. */
function contents(segs: SegmentInfo[], session: Session): string[] {
  const by = new Map<number, string[]>();
  for (const s of segs) {
    const n = nOf(s, session);
    by.set(n, [...(by.get(n) ?? []), s.type].sort());
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([n, t]) => `${n}:${t.join(',')}`);
}

function expectFull(ns: Iterable<number>, extra: Record<number, string> = {}): string[] {
  const out = new Map<number, string>();
  for (const n of ns) out.set(n, 'full');
  for (const [n, t] of Object.entries(extra)) out.set(Number(n), t);
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([n, t]) => `${n}:${t}`);
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** getBestSegments over [n=a, n=b) as n / null, for hole checks. */
async function bestAsN(r: Rig, channel: string, session: Session, a: number, b: number): Promise<(number | null)[]> {
  const us = (n: number) => Math.round(session.startMs + n * SEG_MS) * 1000;
  const best = await r.store.getBestSegments(channel, 'source', us(a), us(b));
  return best.map((s) => (s === null ? null : nOf(s, session)));
}

/** Wait until `count` more segments have been produced by the fake (fake time). */
async function produce(r: Rig, count: number): Promise<void> {
  await r.tw.clock.waitUntil(r.tw.now() + count * SEG_MS);
}

/** Channel starts offline; bring it live once the recorder has seen it offline, so recording starts at n=0. */
async function goLiveWhenWatched(r: Rig, channel: string): Promise<void> {
  await r.tw.waitForRequest((e) => e.kind === 'usher' && e.status === 404 && e.channel === channel, 10_000);
  r.tw.channel(channel).goOnline();
}

/** Stream ends with ENDLIST; wait until the recorder saw it, confirmed offline, and finished downloading. */
async function endAndSettle(r: Rig, channel: string, opts: { endlist?: boolean } = {}): Promise<Session> {
  const ch = r.tw.channel(channel);
  ch.goOffline({ endlist: opts.endlist ?? true });
  const rec = r.rec.channels.find((c) => c.channel.name === channel)!;
  await until(() => rec.status().phase === 'offline', `${channel} to be recorded as offline`);
  await r.rec.idle(100);
  return ch.state.current()!;
}

const status = (r: Rig, channel: string) => r.events.filter((e) => e.topic === 'stream.status' && e.key === channel).map((e) => (e.data as StreamStatus).state);
const dedupe = <T>(xs: T[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

describe('recorder against the fake Twitch', { concurrency: 3 }, () => {
  test('stitched ads (DATERANGE, stitched-ad ids, Amazon titles, SCTE35) are skipped and leave honest holes', async () => {
    const r = await rig({ channels: { adchan: { online: false, windowSize: 40, lowLatency: true } } });
    try {
      await goLiveWhenWatched(r, 'adchan');
      const ch = r.tw.channel('adchan');
      const ads: AdBreak[] = [];
      await produce(r, 4);
      ads.push(ch.startAd({ segments: 3 })); // DATERANGE + Amazon titles + discontinuities
      await produce(r, 6);
      ads.push(ch.startAd({ segments: 2, title: 'live' })); // DATERANGE only
      await produce(r, 5);
      ads.push(ch.startAd({ segments: 2, daterange: false })); // Amazon title only
      await produce(r, 5);
      ads.push(ch.startAd({ segments: 3, daterange: false, title: 'live', scte35: true, discontinuity: false })); // SCTE35 only
      await produce(r, 6);
      const session = await endAndSettle(r, 'adchan');
      const endN = session.endN!;
      const isAd = (n: number) => ads.some((a) => n >= a.fromN && n < a.toN);
      const segs = listStore(r.root, 'adchan');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs, session), expectFull(range(0, endN).filter((n) => !isAd(n))));
      // Holes exactly where the ads were (one null per break), nothing stretched over them.
      const expected: (number | null)[] = [];
      for (const n of range(0, endN)) {
        if (!isAd(n)) expected.push(n);
        else if (expected[expected.length - 1] !== null) expected.push(null);
      }
      assert.deepEqual(await bestAsN(r, 'adchan', session, 0, endN), expected);
      assert.equal(r.tw.requests('segment').filter((e) => e.ad).length, 0, 'ad segments are never downloaded');
      const adCount = ads.reduce((a, b) => a + b.toN - b.fromN, 0);
      const ignored = (await r.health.metrics.adSegmentsIgnored.get()).values.reduce((a, v) => a + v.value, 0);
      assert.equal(ignored, adCount, 'ad_segments_ignored counts each ad segment once');
      assert.deepEqual(dedupe(status(r, 'adchan')), ['down', 'up', 'ad', 'up', 'ad', 'up', 'ad', 'up', 'ad', 'up', 'down']);
    } finally {
      await r.close();
    }
  });

  test('spurious discontinuities between live segments change nothing (relative URIs too)', async () => {
    const r = await rig({ channels: { disco: { online: false, windowSize: 40, relativeUris: true } } });
    try {
      await goLiveWhenWatched(r, 'disco');
      const ch = r.tw.channel('disco');
      for (let i = 0; i < 3; i++) {
        await produce(r, 3);
        ch.injectDiscontinuity();
      }
      await produce(r, 3);
      const session = await endAndSettle(r, 'disco');
      const segs = listStore(r.root, 'disco');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!)));
      assert.deepEqual(await bestAsN(r, 'disco', session, 0, session.endN!), range(0, session.endN!), 'no holes');
      assert.equal(r.tw.requests((e) => e.kind === 'usher' && e.status === 200).length, 1, 'no new worker was needed');
      assert.ok(!r.logs.some((l) => /skew/.test(l)), 'no skew suspected');
    } finally {
      await r.close();
    }
  });

  test('expiring playlist URL (403): new token + master + worker, no live segment lost', async () => {
    const r = await rig({ channels: { expiry: { online: false, windowSize: 40 } } });
    try {
      await goLiveWhenWatched(r, 'expiry');
      await produce(r, 6);
      assert.ok(r.tw.channel('expiry').expirePlaylistUrls() >= 1);
      await r.tw.waitForRequest((e) => e.kind === 'playlist' && e.status === 403, 10_000);
      await produce(r, 3);
      assert.ok(r.tw.channel('expiry').expirePlaylistUrls() >= 1, 'and once more');
      await r.tw.waitForRequest((e) => e.kind === 'playlist' && e.status === 403 && r.tw.requests((x) => x.kind === 'playlist' && x.status === 403).length >= 2, 10_000);
      await produce(r, 6);
      const session = await endAndSettle(r, 'expiry');
      const segs = listStore(r.root, 'expiry');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!)));
      assert.deepEqual(await bestAsN(r, 'expiry', session, 0, session.endN!), range(0, session.endN!));
      assert.ok(r.tw.requests((e) => e.kind === 'usher' && e.status === 200).length >= 3, 'fresh master per expiry');
      assert.ok(r.tw.requests('gql').length >= 3, 'fresh access token per master');
    } finally {
      await r.close();
    }
  });

  test('aged-out segments (404): given up at once, a hole; 503 retried until the segment aged out', async () => {
    const r = await rig({
      channels: { aged: { online: false, windowSize: 8, segmentGraceMs: 0 } },
      timings: { segmentFetchRetryMs: 4000 }, // at 8x, 4 s real = 16 segments: far out of the 8-segment window
    });
    try {
      await goLiveWhenWatched(r, 'aged');
      const ch = r.tw.channel('aged');
      await produce(r, 3);
      const k404 = ch.status().liveCount + 2;
      r.tw.failNext('segment', { status: 404, match: (e) => e.channel === 'aged' && e.n === k404 });
      await produce(r, 4);
      const k503 = ch.status().liveCount + 2;
      r.tw.failNext('segment', { status: 503, match: (e) => e.channel === 'aged' && e.n === k503 });
      await r.tw.waitForRequest((e) => e.n === k503 && e.status === 404, 15_000);
      await produce(r, 2);
      const session = await endAndSettle(r, 'aged');
      const segs = listStore(r.root, 'aged');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!).filter((n) => n !== k404 && n !== k503)));
      const best = await bestAsN(r, 'aged', session, 0, session.endN!);
      assert.deepEqual(best, range(0, session.endN!).map((n) => (n === k404 || n === k503 ? null : n)));
      assert.equal(r.tw.requests((e) => e.kind === 'segment' && e.n === k404).length, 1, 'a 404 is not retried');
      assert.deepEqual(r.tw.requests((e) => e.kind === 'segment' && e.n === k503).map((e) => e.status), [503, 404]);
      const errors = (await r.health.metrics.errors.get()).values.reduce((a, v) => a + v.value, 0);
      assert.ok(errors >= 2, 'both losses are reported as errors');
    } finally {
      await r.close();
    }
  });

  test('slow responses cut off: suspect after FETCH_SUSPECT_TIME or 0 bytes; partial on reset or hard timeout', async () => {
    const r = await rig({
      channels: { slow: { online: false, windowSize: 60, segmentGraceMs: 120_000 } },
      timings: {
        fetchSuspectTimeMs: 2000, // Twitch cuts at 60 s and wubloader suspects >= 59 s; scaled down
        segmentFullSoftTimeoutMs: 30_000,
        segmentFullHardTimeoutMs: 4000,
        segmentHeadersSoftTimeoutMs: 30_000,
      },
    });
    try {
      await goLiveWhenWatched(r, 'slow');
      const ch = r.tw.channel('slow');
      await produce(r, 2);
      const base = ch.status().liveCount + 2;
      const [kTrunc, kReset, kEmpty, kHard] = [base, base + 1, base + 2, base + 3];
      const on = (n: number) => (e: { channel?: string; n?: number }) => e.channel === 'slow' && e.n === n;
      r.tw.stallNext({ match: on(kTrunc), mode: 'truncate', fraction: 0.5, cutoffMs: 2600 }); // "incomplete but valid", 2.6 s
      r.tw.stallNext({ match: on(kReset), mode: 'reset', fraction: 0.5, cutoffMs: 300 }); // connection reset mid-body
      r.tw.stallNext({ match: on(kEmpty), mode: 'truncate', fraction: 0, cutoffMs: 100 }); // clean end, 0 bytes
      r.tw.stallNext({ match: on(kHard), mode: 'complete', fraction: 0.5, cutoffMs: 8000 }); // slower than the hard timeout
      await r.tw.waitForRequest((e) => on(kHard)(e) && e.status === 200 && !e.fault, 20_000);
      await produce(r, 3);
      const session = await endAndSettle(r, 'slow');
      const segs = listStore(r.root, 'slow');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!), {
        [kTrunc]: 'suspect', // took >= FETCH_SUSPECT_TIME: kept as suspect, not retried
        [kReset]: 'full,partial', // what arrived before the reset, then a full retry
        [kEmpty]: 'suspect', // 0 bytes
        [kHard]: 'full,partial', // cut by the hard timeout, then a full retry
      }));
      const sizeOf = (n: number, type: string) => readFileSync(join(r.root, segs.find((s) => nOf(s, session) === n && s.type === type)!.path));
      assert.equal(sizeOf(kEmpty, 'suspect').length, 0);
      for (const k of [kReset, kHard]) {
        const partial = sizeOf(k, 'partial');
        const full = sizeOf(k, 'full');
        assert.ok(partial.length > 0 && partial.length < full.length);
        assert.deepEqual(partial, full.subarray(0, partial.length), 'the partial is exactly the bytes that arrived');
      }
      // Selection: full wins; the suspect alone stands for its segment and is followed by a hole.
      const best = await r.store.getBestSegments('slow', 'source', Math.round(session.startMs) * 1000, Math.round(session.startMs + session.endN! * SEG_MS) * 1000);
      const at = best.findIndex((s) => s !== null && nOf(s, session) === kTrunc);
      assert.equal(best[at]!.type, 'suspect');
      assert.equal(best[at + 1], null);
      assert.equal(best.filter((s) => s?.type === 'partial').length, 0);
    } finally {
      await r.close();
    }
  });

  test('stream restart: the old playlist 404s, the new broadcast is picked up from its first segment', async () => {
    const r = await rig({ channels: { restart: { online: false, windowSize: 10 } }, fake: { clock: { mode: 'manual' } } });
    try {
      await goLiveWhenWatched(r, 'restart');
      const ch = r.tw.channel('restart');
      const step = async (count: number) => {
        for (let i = 0; i < count; i++) {
          r.tw.advance(SEG_MS);
          const s = ch.state.current()!;
          const want = ch.status().liveCount;
          await until(() => listStore(r.root, 'restart').filter((x) => Math.round((x.start / 1000 - s.startMs) / SEG_MS) === want - 1).length > 0, `segment ${want - 1}`);
        }
      };
      await step(8);
      const first = ch.state.current()!;
      ch.restart(); // old playlist URLs answer 404 from now on
      await step(8);
      const second = ch.state.current()!;
      const session2 = await endAndSettle(r, 'restart');
      assert.equal(session2, second);
      const segs = listStore(r.root, 'restart');
      assertHashes(r.root, segs);
      const inFirst = segs.filter((s) => s.start / 1000 < second.startMs);
      const inSecond = segs.filter((s) => s.start / 1000 >= second.startMs);
      assert.deepEqual(contents(inFirst, first), expectFull(range(0, first.endN!)));
      assert.deepEqual(contents(inSecond, second), expectFull(range(0, second.endN!)));
      assert.ok(r.tw.requests((e) => e.kind === 'playlist' && e.status === 404 && e.session === 0).length >= 1);
      assert.ok(r.tw.requests((e) => e.kind === 'playlist' && e.status === 200 && e.session === 1).length >= 1);
    } finally {
      await r.close();
    }
  });

  test('offline → live → ENDLIST → live again: up/down on the bus, both broadcasts complete', async () => {
    const r = await rig({ channels: { endl: { online: false, windowSize: 40 } } });
    try {
      await goLiveWhenWatched(r, 'endl');
      await until(() => r.health.get('endl')!.state === 'up', 'up');
      await produce(r, 5);
      const first = await endAndSettle(r, 'endl');
      assert.equal(r.health.get('endl')!.state, 'down');
      r.tw.channel('endl').goOnline();
      await until(() => r.health.get('endl')!.state === 'up', 'up again');
      await produce(r, 5);
      const second = await endAndSettle(r, 'endl');
      const segs = listStore(r.root, 'endl');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs.filter((s) => s.start / 1000 < second.startMs), first), expectFull(range(0, first.endN!)));
      assert.deepEqual(contents(segs.filter((s) => s.start / 1000 >= second.startMs), second), expectFull(range(0, second.endN!)));
      assert.deepEqual(dedupe(status(r, 'endl')), ['down', 'up', 'down', 'up', 'down']);
      const transitions = r.events.filter((e) => e.topic === 'stream.transition').map((e) => e.data as StreamTransition);
      assert.deepEqual(transitions.map((t) => `${t.from}>${t.to}`), ['down>up', 'up>down', 'down>up', 'up>down']);
      assert.ok(transitions.every((t) => t.channel === 'endl' && t.important === true));
      const phases = r.events.filter((e) => e.topic === 'recorder.channel').map((e) => (e.data as { phase: string }).phase);
      assert.ok(phases.includes('ended') && phases.includes('offline'), 'ENDLIST seen, then usher confirmed offline');
    } finally {
      await r.close();
    }
  });

  test('stream end without ENDLIST (playlist just freezes): usher confirms offline, channel goes down', async () => {
    const r = await rig({ channels: { frozen: { online: false, windowSize: 40, endedPlaylistTtlMs: 600_000 } } });
    try {
      await goLiveWhenWatched(r, 'frozen');
      await until(() => r.health.get('frozen')!.state === 'up', 'up');
      await produce(r, 5);
      const session = await endAndSettle(r, 'frozen', { endlist: false });
      assert.equal(r.health.get('frozen')!.state, 'down');
      assert.equal(r.tw.requests((e) => e.kind === 'playlist' && e.status !== 200).length, 0, 'the playlist never failed: staleness + usher 404 decided');
      const segs = listStore(r.root, 'frozen');
      assertHashes(r.root, segs);
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!)));
      assert.deepEqual(dedupe(status(r, 'frozen')), ['down', 'up', 'down']);
    } finally {
      await r.close();
    }
  });

  test('usher v1, v2 and session-data masters: source detection and quality names', async () => {
    // Distinct bytes per quality so the stored files prove which playlist each quality came from.
    const qualities = [
      { name: '1080p60', source: true, width: 1920, height: 1080, fps: 60 },
      { name: '720p60', width: 1280, height: 720, fps: 60, segment: { width: 256, height: 144 } },
      { name: '480p', stableId: '480p30', width: 852, height: 480, fps: 30, segment: { width: 192, height: 108 } },
      { name: 'audio_only', audioOnly: true },
    ];
    for (const [format, path] of [['v1', 'v1'], ['v2', 'v2'], ['v2-session-data', 'v2']] as const) {
      const r = await rig({
        channels: { qual: { online: false, windowSize: 40, masterFormat: format, qualities } },
        usher: path, qualities: ['source', '720p60', '480p', 'audio_only'],
      });
      try {
        await goLiveWhenWatched(r, 'qual');
        // On a loaded machine the recorder can take longer than 4 segments of the fake clock to find
        // the new stream; it must be recording every quality before the stream ends, or this test would
        // measure the machine's load rather than the master-playlist parsing.
        const all = ['source', '720p60', '480p', 'audio_only'];
        await until(() => all.every((q) => listStore(r.root, 'qual', q).length > 0), `${format}: every quality recording`);
        await produce(r, 4);
        const session = await endAndSettle(r, 'qual');
        for (const q of all) {
          const segs = listStore(r.root, 'qual', q);
          assertHashes(r.root, segs);
          assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!)), `${format}: ${q}`);
        }
        const playlistQualities = new Set(r.tw.requests('playlist').map((e) => e.quality));
        assert.deepEqual([...playlistQualities].sort(), ['1080p60', '480p', '720p60', 'audio_only']);
        const probe = async (q: string) => (await ffprobe(join(r.root, listStore(r.root, 'qual', q)[0]!.path))).streams;
        const video = async (q: string) => (await probe(q)).find((x) => x.codec_type === 'video');
        assert.equal((await video('source'))!.width, 320, `${format}: source is the 1080p60 (source) rendition's bytes`);
        assert.equal((await video('720p60'))!.width, 256, `${format}: 720p60`);
        assert.equal((await video('480p'))!.width, 192, `${format}: 480p (stable id 480p30)`);
        assert.deepEqual((await probe('audio_only')).map((x) => x.codec_type), ['audio'], `${format}: audio_only`);
        assert.ok(r.tw.requests('usher').every((e) => e.path.includes(path === 'v2' ? '/api/v2/' : '/api/channel/')));
      } finally {
        await r.close();
      }
    }
  });

  test('GQL: Client-ID, persisted-query hash and OAuth token come from config (turbo token: no ads); token never logged', async () => {
    const r = await rig({
      channels: { authchan: { online: false, windowSize: 40 } },
      fake: { clientIds: ['custom-client-id'], persistedQueryHashes: ['c0ffee'], oauthTokens: ['turbo-secret-token'] },
      twitch: { clientId: 'custom-client-id', persistedQueryHash: 'c0ffee', oauthToken: 'turbo-secret-token' },
    });
    try {
      await goLiveWhenWatched(r, 'authchan');
      await produce(r, 3);
      const ad = r.tw.channel('authchan').startAd({ segments: 3 });
      await produce(r, 6);
      const session = await endAndSettle(r, 'authchan');
      const gql = r.tw.requests('gql');
      assert.ok(gql.length >= 1);
      for (const e of gql) {
        assert.equal(e.headers['client-id'], 'custom-client-id');
        assert.equal(e.headers.authorization, 'OAuth turbo-secret-token');
        assert.equal(e.status, 200);
      }
      const segs = listStore(r.root, 'authchan');
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!)), `the ad (${ad.fromN}..${ad.toN}) is not served to turbo`);
      assert.ok(!r.logs.some((l) => l.includes('turbo-secret-token')), 'OAuth token kept out of logs');
      assert.ok(!JSON.stringify(r.events).includes('turbo-secret-token'), 'and out of bus messages');
    } finally {
      await r.close();
    }
  });

  test('renewal overlap: a new worker that lands in a preroll leaves the old one recording until it has content', async () => {
    const r = await rig({
      channels: { renew: { online: false, windowSize: 40, preroll: { segments: 3 } } },
      timings: { maxWorkerAgeTwitchMs: 1200 },
    });
    try {
      await goLiveWhenWatched(r, 'renew');
      await produce(r, 24);
      const session = await endAndSettle(r, 'renew');
      const tokens = r.tw.playlistTokens();
      assert.ok(new Set(tokens.map((t) => t.issuedAtMs)).size >= 3, 'several renewals happened');
      const segs = listStore(r.root, 'renew');
      assertHashes(r.root, segs);
      // Every renewal's preroll was covered by the worker before it (handover), and the first worker's
      // preroll by the windows of the later workers: nothing is missing.
      assert.ok(tokens.every((t) => t.preroll !== null));
      assert.deepEqual(contents(segs, session), expectFull(range(0, session.endN!)));
      assert.equal(r.tw.requests('segment').filter((e) => e.ad).length, 0);
    } finally {
      await r.close();
    }
  });

  test('PROGRAM-DATE-TIME skew: the worker marks its segments suspect and is replaced; no gaps', async () => {
    const r = await rig({ channels: { skew: { online: false, windowSize: 10 } } });
    try {
      await goLiveWhenWatched(r, 'skew');
      await produce(r, 4);
      const k = r.tw.channel('skew').skewProgramDateTime(500).fromN;
      await produce(r, 16);
      const session = await endAndSettle(r, 'skew');
      const segs = listStore(r.root, 'skew');
      assertHashes(r.root, segs);
      // PROGRAM-DATE-TIME of n >= k is 500 ms late, so n is the 2 s slot the start falls in.
      const slot = (s: SegmentInfo) => Math.floor((s.start / 1000 - session.startMs) / SEG_MS + 0.01);
      const byN = new Map<number, Set<string>>();
      for (const s of segs) byN.set(slot(s), (byN.get(slot(s)) ?? new Set()).add(s.type));
      for (const n of range(0, session.endN!)) assert.ok(byN.has(n), `segment ${n} recorded`);
      for (const n of range(0, k)) assert.deepEqual([...byN.get(n)!], ['full'], `before the skew: ${n} full`);
      assert.ok(byN.get(k)!.has('suspect'), 'the first skewed segment from the old worker is suspect');
      for (const n of range(k + 10, session.endN!)) assert.ok(byN.get(n)!.has('full'), `a clean worker recorded ${n} in full`);
      assert.ok(r.events.some((e) => e.topic === 'recorder.skew'));
      assert.equal((await r.health.metrics.suspiciousSkew.get()).values.reduce((a, v) => a + v.value, 0) >= 1, true);
    } finally {
      await r.close();
    }
  });
});
