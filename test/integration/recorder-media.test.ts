/**
 * What the recorder stores from TS and fMP4 origins (fMP4 is remuxed to MPEG-TS at ingest, see
 * main/recorder/remux.ts) and from generic HLS URLs: exact contents, hashes, that the stored segments
 * decode, concatenate with continuous timestamps, and go through the node's playlist and cut routes.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import HLS from 'hls-parser';
import { NodeConfig, type ChannelConfig } from '../../main/core/config.ts';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { parseSegmentPath, type SegmentInfo } from '../../main/media/segments/names.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { startRecorder, type RecorderTimings, type RunningRecorder } from '../../main/recorder/index.ts';
import { startFakeHlsOrigin, startFakeTwitch, type FakeOriginBase } from '../fakes/twitch/index.ts';
import { decodeErrors, ffprobe, firstVideoFrame, withTempMedia } from '../fakes/twitch/test-helpers.ts';
import { startTestNode, tempDir } from '../helpers/node.ts';

const SEG_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

function timings(speed: number): Partial<RecorderTimings> {
  return {
    masterFetchIntervalMs: 100, importantMasterFetchIntervalMs: 100, targetDurationScaleMs: 1000 / speed,
    playlistPollMinMs: 20, playlistRetryIntervalMs: 100, segmentFetchRetryMs: 100, stopGraceMs: 500,
  };
}

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 40_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function listStore(root: string, channel: string, quality = 'source'): SegmentInfo[] {
  const base = join(root, channel, quality);
  if (!existsSync(base)) return [];
  const out: SegmentInfo[] = [];
  for (const hour of readdirSync(base).sort()) {
    for (const name of readdirSync(join(base, hour)).sort()) out.push(parseSegmentPath(`${channel}/${quality}/${hour}/${name}`));
  }
  return out.sort((a, b) => a.start - b.start);
}

function assertHashes(root: string, segs: SegmentInfo[]): void {
  for (const s of segs) {
    assert.notEqual(s.type, 'temp', `temp file left behind: ${s.path}`);
    assert.equal(hashBytes(readFileSync(join(root, s.path))), s.hash, `hash of ${s.path}`);
  }
}

const nOf = (s: SegmentInfo, startMs: number) => Math.round((s.start / 1000 - startMs) / SEG_MS);

async function record(channels: ChannelConfig[], speed: number, twitch?: Partial<NodeConfig['twitch']>) {
  const root = join(tempDir('tapedeck-recmedia-'), 'segments');
  const store = new SegmentStore(root);
  const logs: string[] = [];
  const rec: RunningRecorder = await startRecorder({
    store, config: NodeConfig.parse({ channels, twitch }), publish: () => {}, log: (l, m) => logs.push(`${l} ${m}`),
    timings: timings(speed),
  });
  return { root, store, rec, logs, cleanup: async () => {
    await rec.stop();
    rmSync(dirname(root), { recursive: true, force: true });
  } };
}

/** Bring a channel live once the recorder saw it offline; let it run `segments`; end it; wait for all of it. */
async function broadcast(origin: FakeOriginBase, login: string, rec: RunningRecorder, root: string, channel: string, segments: number) {
  await origin.waitForRequest((e) => (e.kind === 'usher' || e.kind === 'master' || e.kind === 'playlist') && e.status === 404 && e.channel === login, 15_000);
  const ch = origin.channel(login);
  ch.goOnline();
  await origin.clock.waitUntil(origin.now() + segments * SEG_MS);
  ch.goOffline();
  const session = ch.state.current()!;
  const endN = session.endN!;
  await until(() => {
    const have = new Set(listStore(root, channel).filter((s) => s.type !== 'temp').map((s) => nOf(s, session.startMs)));
    return range(0, endN).every((n) => have.has(n));
  }, `${channel}: all ${endN} segments`);
  await rec.idle(200);
  return session;
}

/** Decode errors of the concatenation, minus the fake pool's known audio wrap artefact (same for TS origins). */
async function concatDecodeErrors(files: string[]): Promise<string> {
  const errs = await withTempMedia(files.map((f) => readFileSync(f)), 'ts', decodeErrors);
  return errs.split('\n').filter((l) => l && !/non monotonically increasing dts/.test(l)).join('\n');
}

describe('recorder: media formats and the generic HLS provider', { concurrency: 2 }, () => {
  for (const format of ['ts', 'fmp4'] as const) {
    test(`${format} origin: stored as independently playable, concatenable MPEG-TS; playlists and cuts work`, async () => {
      const speed = format === 'fmp4' ? 4 : 8; // fMP4 costs one ffmpeg remux per segment
      const tw = await startFakeTwitch({ clock: { speed }, channels: { fmt: { online: false, format, windowSize: 40 } } });
      const r = await record([{ name: 'fmt', important: true }], speed, { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls` });
      try {
        const session = await broadcast(tw, 'fmt', r.rec, r.root, 'fmt', 8);
        const segs = listStore(r.root, 'fmt');
        assertHashes(r.root, segs);
        assert.deepEqual(segs.map((s) => `${nOf(s, session.startMs)}:${s.type}`), range(0, session.endN!).map((n) => `${n}:full`));
        const files = segs.map((s) => join(r.root, s.path));
        for (const f of files) {
          const b = readFileSync(f);
          assert.equal(b[0], 0x47, 'MPEG-TS sync byte');
          assert.equal(b.length % 188, 0, 'whole TS packets');
        }
        const probe = await ffprobe(files[0]!);
        assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
        assert.equal(await decodeErrors(files[1]!), '', 'a single segment decodes on its own');
        assert.equal(await concatDecodeErrors(files), '', 'the concatenation decodes cleanly');
        const starts = [];
        for (const f of files) starts.push((await firstVideoFrame(f)).ptsTime);
        for (let i = 1; i < starts.length; i++) {
          assert.ok(Math.abs(starts[i]! - starts[i - 1]! - 2) < 0.05, `timestamps continue across segments (${starts[i - 1]} → ${starts[i]})`);
        }
        if (format === 'fmp4') {
          const inits = tw.requests('init').length;
          assert.ok(inits >= 1 && inits <= 2, `init segment fetched once per worker (${inits})`);
        }

        // The rest of the product sees ordinary TS segments: the restreamer playlist and a rough cut.
        const node = await startTestNode({ dataDir: dirname(r.root) });
        try {
          const iso = (n: number) => new Date(Math.round(session.startMs + n * SEG_MS)).toISOString();
          const pl = await node.get(`/playlist/fmt/source.m3u8?start=${iso(0)}&end=${iso(session.endN!)}`);
          assert.equal(pl.status, 200);
          const parsed = HLS.parse(await pl.text()) as HLS.types.MediaPlaylist;
          assert.equal(parsed.segments.length, session.endN);
          const cut = await node.get(`/cut/fmt/source.ts?type=rough&start=${iso(1)}&end=${iso(5)}`);
          assert.equal(cut.status, 200);
          const body = Buffer.from(await cut.arrayBuffer());
          await withTempMedia([body], 'ts', async (file) => {
            const p = await ffprobe(file);
            assert.ok(Math.abs(Number(p.format.duration) - 8) < 0.3, `cut is 4 segments long (${p.format.duration})`);
            assert.equal(await decodeErrors(file), '');
          });
        } finally {
          await node.close();
        }
      } finally {
        await r.cleanup();
        await tw.close();
      }
    });
  }

  test('generic HLS: master URL (best variant), media URL, relative URIs; offline until live', async () => {
    const speed = 8;
    const gen = await startFakeHlsOrigin({
      clock: { speed },
      channels: { stream: { online: false, windowSize: 40 }, direct: { online: false, windowSize: 40 } },
    });
    const r = await record([
      { name: 'genmaster', important: true, url: gen.masterUrlOf('stream') },
      { name: 'genmedia', important: false, url: gen.mediaUrl('direct', 'source') },
    ], speed);
    try {
      const [a, b] = await Promise.all([
        broadcast(gen, 'stream', r.rec, r.root, 'genmaster', 6),
        broadcast(gen, 'direct', r.rec, r.root, 'genmedia', 6),
      ]);
      for (const [channel, session] of [['genmaster', a], ['genmedia', b]] as const) {
        const segs = listStore(r.root, channel);
        assertHashes(r.root, segs);
        assert.deepEqual(segs.map((s) => `${nOf(s, session.startMs)}:${s.type}`), range(0, session.endN!).map((n) => `${n}:full`), channel);
      }
      assert.ok(gen.requests('playlist').some((e) => e.channel === 'stream' && e.quality === 'source'));
      assert.ok(!gen.requests('playlist').some((e) => e.quality === 'low'), 'the master resolves to its best variant only');
      assert.ok(r.rec.channels.every((c) => c.provider.kind === 'generic'));
      await until(() => r.rec.channels.find((c) => c.channel.name === 'genmaster')!.status().phase === 'offline', 'master 404 → offline');
    } finally {
      await r.cleanup();
      await gen.close();
    }
  });

  test('generic HLS without PROGRAM-DATE-TIME: times anchored once, segments contiguous, no duplicates on renewal', async () => {
    const speed = 8;
    const gen = await startFakeHlsOrigin({ clock: { speed }, programDateTime: false, channels: { nopdt: { online: false, windowSize: 40 } } });
    const root = join(tempDir('tapedeck-recmedia-'), 'segments');
    const rec = await startRecorder({
      store: new SegmentStore(root), config: NodeConfig.parse({ channels: [{ name: 'nopdt', important: true, url: gen.mediaUrl('nopdt', 'source') }] }),
      publish: () => {}, log: () => {}, timings: { ...timings(speed), maxWorkerAgeGenericMs: 700 }, // renew often
    });
    try {
      await gen.waitForRequest((e) => e.kind === 'playlist' && e.status === 404, 15_000);
      gen.channel('nopdt').goOnline();
      await gen.clock.waitUntil(gen.now() + 12 * SEG_MS);
      const liveCount = gen.channel('nopdt').status().liveCount;
      await until(() => listStore(root, 'nopdt').filter((s) => s.type === 'full').length >= liveCount, 'segments');
      await rec.idle(200);
      const segs = listStore(root, 'nopdt');
      assertHashes(root, segs);
      assert.ok(segs.length >= liveCount && segs.every((s) => s.type === 'full'));
      for (let i = 1; i < segs.length; i++) {
        assert.equal(segs[i]!.start - segs[i - 1]!.start, 2_000_000, `contiguous, no duplicate timing (${segs[i - 1]!.filename} → ${segs[i]!.filename})`);
      }
      const hashes = new Set(segs.map((s) => s.hash));
      assert.equal(hashes.size, segs.length, 'each segment stored once');
      const best = await new SegmentStore(root).getBestSegments('nopdt', 'source', segs[0]!.start, segs.at(-1)!.start + 2_000_000);
      assert.ok(best.every((s) => s !== null), 'no holes');
    } finally {
      await rec.stop();
      await gen.close();
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});
