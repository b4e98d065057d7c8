/**
 * The peaks cache and audio decoding against real ffmpeg segments: the batched ADTS path agrees with
 * decoding each file alone, files without audio or not media at all fall back and yield "no audio",
 * envelopes persist across cache instances (disk), damaged cache files are recomputed, concurrent
 * requests share one computation, vanished files are not cached as silence, and warmPeaks precomputes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildFixtureStore, segmentPool } from '../fixtures/segments.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { parseSegmentPath, type SegmentInfo } from '../../main/media/segments/names.ts';
import { decodeAudio, decodeAudioBatch, decodeCounters, extractAdts } from '../../main/media/waveform/decode.ts';
import { decodeEnvelope, envelopeFromPcm, FLAG_NO_AUDIO } from '../../main/media/waveform/envelope.ts';
import { PeaksCache, peaksCacheFor, peaksDirFor, warmPeaks, type PeaksItem } from '../../main/media/waveform/index.ts';

const root = mkdtempSync(join(tmpdir(), 'waveform-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fx = buildFixtureStore(join(root, 'segments'), { count: 24 });
const store = new SegmentStore(join(root, 'segments'));
const pool = segmentPool({ count: 24 });

async function bestItems(): Promise<PeaksItem[]> {
  const segs = (await store.getBestSegments(fx.channel, fx.quality, fx.start, fx.start + fx.count * 2_000_000))
    .filter((s): s is SegmentInfo => s !== null);
  return segs.map((s) => ({ hash: s.hash!, file: store.abs(s.path) }));
}

test('batched ADTS decode matches decoding each segment alone', async () => {
  const files = pool.slice(0, 6);
  const adts = extractAdts(readFileSync(files[0]!));
  assert.ok(adts && adts.sampleRate === 48000 && adts.seconds > 1.9 && adts.seconds < 2.1, `ADTS audio found: ${JSON.stringify(adts && { s: adts.seconds, r: adts.sampleRate })}`);
  const before = { ...decodeCounters };
  const batch = await decodeAudioBatch(files);
  assert.equal(decodeCounters.ffmpegRuns - before.ffmpegRuns, 1, 'one ffmpeg for the whole batch');
  assert.equal(decodeCounters.adtsFiles - before.adtsFiles, 6, 'all six on the ADTS path');
  for (let i = 0; i < files.length; i++) {
    const alone = await decodeAudio(files[i]!);
    assert.ok(alone && batch[i], `segment ${i} decoded both ways`);
    assert.ok(Math.abs(alone.length - batch[i]!.length) <= 2, `segment ${i}: ${batch[i]!.length} samples batched, ${alone.length} alone`);
    const a = envelopeFromPcm(alone).values;
    const b = envelopeFromPcm(batch[i]!).values;
    let worst = 0;
    for (let k = 1; k < Math.min(a.length, b.length) - 1; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / Math.max(1, a[k]!));
    assert.ok(worst < 0.05, `segment ${i}: envelopes agree within 5 % (worst ${worst.toFixed(3)})`);
  }
});

test('files without audio or not media at all: general path, then "no audio"; the rest still decode', async () => {
  const videoOnly = join(root, 'video-only.ts');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', pool[1]!, '-map', '0:v', '-c', 'copy', '-f', 'mpegts', videoOnly]);
  const garbage = join(root, 'garbage.ts');
  writeFileSync(garbage, Buffer.from('this is not a video '.repeat(500)));
  const mp2 = join(root, 'mp2-audio.ts'); // not ADTS: decoded on the general path
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', pool[2]!, '-map', '0:a', '-c:a', 'mp2', '-f', 'mpegts', mp2]);
  const before = { ...decodeCounters };
  const out = await decodeAudioBatch([pool[0]!, videoOnly, garbage, mp2, pool[3]!]);
  assert.ok(out[0] && out[0].length > 15000, 'normal segment decoded');
  assert.equal(out[1], null, 'video-only segment has no audio');
  assert.equal(out[2], null, 'garbage has no audio');
  assert.ok(out[3] && out[3].length > 15000, `MP2 audio decoded on the general path (${out[3]?.length})`);
  assert.ok(out[4] && out[4].length > 15000, 'the other normal segment decoded');
  assert.equal(decodeCounters.adtsFiles - before.adtsFiles, 2, 'the two AAC segments took the ADTS path');
  assert.ok(decodeCounters.batchFallbacks > before.batchFallbacks, 'the general batch failed and was retried per file');
});

test('envelopes persist on disk and are reused by a new cache without ffmpeg', async () => {
  const dir = join(root, 'peaks-a');
  const items = await bestItems();
  const first = new PeaksCache(dir);
  const m1 = await first.getMany(items);
  assert.equal(m1.size, items.length);
  assert.equal(first.stats.computed, items.length);
  for (const it of items) assert.ok(existsSync(join(dir, `${it.hash}.bin`)), `cache file for ${it.hash}`);
  const runs = decodeCounters.ffmpegRuns;
  const second = new PeaksCache(dir);
  const m2 = await second.getMany(items);
  assert.equal(decodeCounters.ffmpegRuns, runs, 'no ffmpeg for cached envelopes');
  assert.equal(second.stats.diskHits, items.length);
  assert.equal(second.stats.computed, 0);
  for (const it of items) assert.deepEqual(m2.get(it.hash), m1.get(it.hash), 'same envelope from disk');
  await second.getMany(items);
  assert.equal(second.stats.memoryHits, items.length, 'third time from memory');
  // the partial segment (half its bytes) still has an envelope, about half as long
  const partial = parseSegmentPath(fx.written.find((w) => w.index === fx.special.partial)!.rel).hash!;
  const full = parseSegmentPath(fx.written.find((w) => w.index === 3)!.rel).hash!;
  const ratio = m1.get(partial)!.samples / m1.get(full)!.samples;
  assert.ok(ratio > 0.3 && ratio < 0.7, `partial segment envelope covers about half: ${ratio.toFixed(2)}`);
});

test('a damaged cache file is recomputed and replaced', async () => {
  const dir = join(root, 'peaks-b');
  const items = (await bestItems()).slice(0, 3);
  await new PeaksCache(dir).getMany(items);
  const victim = join(dir, `${items[1]!.hash}.bin`);
  writeFileSync(victim, readFileSync(victim).subarray(0, 20));
  const c = new PeaksCache(dir);
  const m = await c.getMany(items);
  assert.equal(c.stats.computed, 1, 'only the damaged one decoded again');
  assert.equal(c.stats.diskHits, 2);
  assert.ok(decodeEnvelope(readFileSync(victim)), 'file replaced by a valid envelope');
  assert.ok(m.get(items[1]!.hash)!.values.length > 90, 'full envelope returned');
});

test('concurrent requests for the same segments share one computation', async () => {
  const c = new PeaksCache(join(root, 'peaks-c'));
  const items = await bestItems();
  const runs = decodeCounters.ffmpegRuns;
  const [a, b, d] = await Promise.all([c.getMany(items), c.getMany(items), c.getMany(items.slice(3, 8))]);
  assert.equal(c.stats.computed, items.length, `each segment decoded once (computed ${c.stats.computed})`);
  assert.ok(decodeCounters.ffmpegRuns - runs <= 2, `at most one ffmpeg per concurrency slot: ${decodeCounters.ffmpegRuns - runs}`);
  assert.equal(a.size, items.length);
  assert.equal(b.size, items.length);
  assert.equal(d.size, 5);
});

test('a segment file that vanished is absent, not cached as silence; a video-only one is cached as "no audio"', async () => {
  const dir = join(root, 'peaks-d');
  const c = new PeaksCache(dir);
  const goneHash = 'A'.repeat(43);
  const videoOnly = join(root, 'video-only-2.ts');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', pool[4]!, '-map', '0:v', '-c', 'copy', '-f', 'mpegts', videoOnly]);
  const silentHash = 'B'.repeat(43);
  const m = await c.getMany([{ hash: goneHash, file: join(root, 'no-such-file.ts') }, { hash: silentHash, file: videoOnly }]);
  assert.equal(m.has(goneHash), false, 'vanished file has no envelope');
  assert.equal(existsSync(join(dir, `${goneHash}.bin`)), false, 'and nothing was cached for it');
  assert.equal(m.get(silentHash)!.flags & FLAG_NO_AUDIO, FLAG_NO_AUDIO, 'video-only segment: no-audio envelope');
  assert.ok(existsSync(join(dir, `${silentHash}.bin`)), 'no-audio result is cached (the bytes never change)');
});

test('warmPeaks precomputes a freshly written segment; later requests find it', async () => {
  const data = mkdtempSync(join(tmpdir(), 'waveform-warm-'));
  try {
    const s = new SegmentStore(join(data, 'segments'));
    const rels: string[] = [];
    for (let i = 0; i < 3; i++) rels.push(await s.writeSegment('warmch', 'source', fx.start + i * 2_000_000, 2, 'full', readFileSync(pool[i]!)));
    const cache = peaksCacheFor(s, { warmDelayMs: 50 });
    assert.equal(cache.dir, join(data, 'cache', 'peaks'), 'DATA/cache/peaks');
    assert.equal(peaksDirFor(s.root), cache.dir);
    const runs = decodeCounters.ffmpegRuns;
    // The warm timer does not hold a process open by itself; a recorder has its sockets and timers.
    const alive = setInterval(() => {}, 1000);
    try {
      await Promise.all(rels.map((r) => warmPeaks(s, r)));
    } finally {
      clearInterval(alive);
    }
    assert.equal(decodeCounters.ffmpegRuns - runs, 1, 'the three warm calls shared one ffmpeg');
    for (const r of rels) {
      const f = join(cache.dir, `${parseSegmentPath(r).hash}.bin`);
      assert.ok(existsSync(f) && statSync(f).size > 100, `envelope written for ${r}`);
    }
    const fresh = new PeaksCache(cache.dir);
    await fresh.getMany(rels.map((r) => ({ hash: parseSegmentPath(r).hash!, file: s.abs(r) })));
    assert.equal(fresh.stats.computed, 0, 'nothing left to compute');
    // names that are not stored segments are ignored without errors
    await warmPeaks(s, 'warmch/source/2026-11-21T10/00:00.000000-2.0-temp-123e4567-e89b-12d3-a456-426614174000.ts');
    await warmPeaks(s, 'not/a/segment.txt');
    await warmPeaks(s, '../../etc/passwd');
    assert.equal(decodeCounters.ffmpegRuns - runs, 1, 'no further ffmpeg runs');
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
