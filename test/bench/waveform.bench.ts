/**
 * npm run bench:waveform — the editor's waveform for a one-hour window (issue 6: ≤ 2 s).
 *
 * Builds an hour of 2-second 1280x720 ~3 Mbit/s segments (1,800 files, ~1.7 GB) in a temporary store:
 * a small pool made by real ffmpeg (test/fixtures segmentPool) reused cyclically under successive
 * start times, each copy made unique by one trailing MPEG-TS null packet carrying its index, so every
 * name has its own content hash and the peaks cache really has 1,800 segments to decode. Then, against
 * a freshly started `tapedeck serve` process, it times GET /waveform for the hour at 1920x64:
 *   cold       no peaks cached (every segment's audio decoded)
 *   warm       envelopes in memory (median of repeated requests)
 *   warm_disk  first request after restarting the node (envelopes read back from DATA/cache/peaks)
 * and, as the baseline, the old route's work for the same window: ffmpeg showwavespic over all the
 * segments fed through stdin (media/ffmpeg/images.ts waveformPng). Prints JSON.
 * Env: WAVEFORM_BENCH_POOL (distinct pool segments, default 30), WAVEFORM_BENCH_SKIP_BASELINE=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { segmentPool } from '../fixtures/segments.ts';
import { waveformPng } from '../../main/media/ffmpeg/images.ts';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { formatHour, segmentFilename, US_PER_SECOND, type SegmentInfo } from '../../main/media/segments/names.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';

const SEG = 2;
const COUNT = 1800;
const WIDTH = 1920;
const HEIGHT = 64;
const TARGET_MS = 2000;
const BIN = fileURLToPath(new URL('../../main/bin/tapedeck.mjs', import.meta.url));

function uniqueCopy(data: Buffer, index: number): Buffer {
  // An MPEG-TS null packet (PID 0x1FFF) is ignored by demuxers; its payload makes the bytes unique.
  const pkt = Buffer.alloc(188, 0xff);
  pkt[0] = 0x47; pkt[1] = 0x1f; pkt[2] = 0xff; pkt[3] = 0x10;
  pkt.writeUInt32BE(index, 4);
  return Buffer.concat([data, pkt]);
}

function buildStore(root: string, start: number, pool: Buffer[]): { bytes: number } {
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const t = start + i * SEG * US_PER_SECOND;
    const dir = join(root, 'bench', 'source', formatHour(t));
    if (i === 0 || formatHour(t) !== formatHour(t - SEG * US_PER_SECOND)) mkdirSync(dir, { recursive: true });
    const data = uniqueCopy(pool[i % pool.length]!, i);
    writeFileSync(join(dir, segmentFilename(t, SEG, 'full', hashBytes(data))), data);
    bytes += data.length;
  }
  return { bytes };
}

async function startServer(data: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`tapedeck serve exited: ${out}`)));
  });
  return { child, base };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function timed(url: string, token: string): Promise<{ ms: number; bytes: number; status: number; width: number; height: number }> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = Buffer.from(await r.arrayBuffer());
  const ms = performance.now() - t0;
  const ok = r.status === 200 && body.length > 24;
  return { ms, bytes: body.length, status: r.status, width: ok ? body.readUInt32BE(16) : 0, height: ok ? body.readUInt32BE(20) : 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (ms: number) => Math.round(ms);

async function main() {
  const poolSize = Number(process.env.WAVEFORM_BENCH_POOL ?? 30);
  const loadBefore = loadavg()[0]!;
  let t0 = performance.now();
  const pool = segmentPool({ count: poolSize, seconds: SEG, width: 1280, height: 720, bitrate: '3M' }).map((p) => readFileSync(p));
  const poolMs = performance.now() - t0;
  const data = mkdtempSync(join(tmpdir(), 'tapedeck-bench-waveform-'));
  let child: ChildProcess | null = null;
  try {
    const start = Date.UTC(2026, 10, 1, 0, 0, 0) * 1000;
    const end = start + COUNT * SEG * US_PER_SECOND;
    t0 = performance.now();
    const { bytes } = buildStore(join(data, 'segments'), start, pool);
    const buildMs = performance.now() - t0;

    let srv = await startServer(data);
    child = srv.child;
    const token = readFileSync(join(data, 'api-token'), 'utf8').trim();
    const iso = (us: number) => new Date(us / 1000).toISOString();
    const path = `/waveform/bench/source.png?start=${iso(start)}&end=${iso(end)}&size=${WIDTH}x${HEIGHT}`;
    const cold = await timed(srv.base + path, token);
    const cached = readdirSync(join(data, 'cache', 'peaks')).filter((n) => n.endsWith('.bin')).length;
    const warm: number[] = [];
    for (let i = 0; i < 9; i++) warm.push((await timed(srv.base + path, token)).ms);
    await stopServer(child);
    child = null;
    srv = await startServer(data);
    child = srv.child;
    const warmDisk = await timed(srv.base + path, token);
    await stopServer(child);
    child = null;

    let baselineMs: number | null = null;
    let baselineBytes = 0;
    if (!process.env.WAVEFORM_BENCH_SKIP_BASELINE) {
      // What the old /waveform handler did for this window: best segments, then showwavespic over all of them.
      const store = new SegmentStore(join(data, 'segments'));
      t0 = performance.now();
      const segs = (await store.getBestSegments('bench', 'source', start, end)).filter((s): s is SegmentInfo => s !== null);
      const png = await waveformPng(segs.map((s) => store.abs(s.path)), WIDTH, HEIGHT);
      baselineMs = performance.now() - t0;
      baselineBytes = png.length;
    }

    const warmMedian = median(warm);
    const result = {
      benchmark: 'waveform',
      window: { segments: COUNT, seconds: COUNT * SEG, video: '1280x720 ~3 Mbit/s', store_bytes: bytes, distinct_pool_segments: poolSize },
      size: `${WIDTH}x${HEIGHT}`,
      machine: { cpus: cpus().length, loadavg_1m_before: +loadBefore.toFixed(2), loadavg_1m_after: +loadavg()[0]!.toFixed(2) },
      pool_ms: round(poolMs),
      store_build_ms: round(buildMs),
      status: [cold.status, warmDisk.status],
      png: { width: cold.width, height: cold.height, bytes: cold.bytes },
      peaks_files_after_cold: cached,
      cold_ms: round(cold.ms),
      warm_median_ms: +warmMedian.toFixed(1),
      warm_max_ms: +Math.max(...warm).toFixed(1),
      warm_disk_ms: round(warmDisk.ms),
      baseline_showwavespic_ms: baselineMs === null ? null : round(baselineMs),
      baseline_png_bytes: baselineBytes,
      speedup_warm_vs_baseline: baselineMs === null ? null : +(baselineMs / warmMedian).toFixed(1),
      speedup_cold_vs_baseline: baselineMs === null ? null : +(baselineMs / cold.ms).toFixed(2),
      target_warm_ms: TARGET_MS,
      meets_target: cold.status === 200 && warmMedian <= TARGET_MS && warmDisk.ms <= TARGET_MS,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (child) await stopServer(child);
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
