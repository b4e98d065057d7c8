/**
 * Quick loop for recorder performance work (not part of `npm run bench:recorder`):
 *
 *   node --import tsx test/bench/recorder/worker-only.ts [--channels 20] [--seconds 30] [--warmup 8]
 *        [--prof DIR] [--curl]
 *
 * Starts the benchmark origin, then the recorder worker entry (main/recorder/worker.ts) on its own, as
 * a plain process (no supervisor: its bus messages go nowhere), optionally under `node --cpu-prof`, and
 * reports its CPU per GB and segment-to-disk latency over the window; with --curl, the curl baseline
 * on the same origin right after, so the two can be compared on a machine whose load changes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { segmentPool } from '../../fixtures/segments.ts';
import { startCurl, type Contender } from './contenders.ts';
import { measurePhase, percentile } from './measure.ts';
import { startBenchOrigin } from './origin.ts';
import { StoreWatcher } from './store-watch.ts';

const { values: flags } = parseArgs({
  options: {
    channels: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '8' },
    prof: { type: 'string' },
    curl: { type: 'boolean', default: false },
    timings: { type: 'string', default: '{}' },
    /** extra node flags for the worker, space-separated (e.g. "--trace-gc") */
    'node-flags': { type: 'string', default: '' },
    /** the worker's stdout goes here (default: dropped) */
    stdout: { type: 'string' },
    /** cut every segment to this many bytes (measures the per-segment and polling overhead alone) */
    'segment-bytes': { type: 'string' },
  },
});
const N = Number(flags.channels);
const S = Number(flags.seconds);
const W = Number(flags.warmup);
const log = (s: string) => process.stderr.write(`${s}\n`);
const ENTRY = fileURLToPath(new URL('../../../main/recorder/worker.ts', import.meta.url));

const cut = flags['segment-bytes'] === undefined ? Infinity : Number(flags['segment-bytes']);
const pool = segmentPool({ count: 10, width: 1920, height: 1080, bitrate: '6M' }).map((p) => readFileSync(p).subarray(0, cut));
const origin = await startBenchOrigin({ channels: N, pool, segmentSeconds: 2 });
const tmp = mkdtempSync(join(tmpdir(), 'tapedeck-worker-only-'));
const data = join(tmp, 'data');
mkdirSync(join(data, 'segments'), { recursive: true });

const config = {
  channels: Array.from({ length: N }, (_, c) => ({ name: `bench${c}`, important: false, url: origin.playlistUrl(c) })),
  qualities: ['source'], demo: false, twitch: {},
};

function startWorker(): Contender & { watcher: StoreWatcher } {
  const watcher = new StoreWatcher(join(data, 'segments'));
  watcher.start();
  const args = ['--import', 'tsx'];
  if (flags.prof) args.push('--cpu-prof', '--cpu-prof-dir', flags.prof);
  args.push(...flags['node-flags']!.split(' ').filter(Boolean), ENTRY);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', flags.stdout ? openSync(flags.stdout, 'w') : 'ignore', 'inherit'],
    env: { ...process.env, TAPEDECK_DATA_DIR: data, TAPEDECK_RECORDER_CONFIG: JSON.stringify(config), TAPEDECK_RECORDER_TIMINGS: flags.timings },
  });
  log(`[worker-only] worker pid ${child.pid}`);
  let failure: string | null = null;
  let stopping = false;
  child.once('exit', (code, sig) => {
    if (!stopping) failure = `worker exited ${code ?? sig}`;
  });
  return {
    name: 'tapedeck-worker', watcher,
    roots: () => (child.pid ? [child.pid] : []),
    bytesWritten: () => [...watcher.found.values()].reduce((a, f) => a + f.size, 0),
    channelsWriting: () => new Set([...watcher.found.values()].map((f) => f.info.channel)).size,
    failure: () => failure,
    stop: () => new Promise<void>((resolve) => {
      stopping = true;
      watcher.stop();
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

let servedAtW0 = { ...origin.served };
const { contender, window } = await measurePhase(() => {
  const c = startWorker();
  // the window opens after the warm-up: note what the origin had served by then (see playlists_per_segment)
  setTimeout(() => (servedAtW0 = { ...origin.served }), W * 1000);
  return c;
}, N, W * 1000, S * 1000, log);
const servedInWindow = { playlists: origin.served.playlists - servedAtW0.playlists, segments: origin.served.segments - servedAtW0.segments };
await new Promise((r) => setTimeout(r, 3000));
const lat: number[] = [];
let expected = 0;
const byKey = new Map<string, number>();
for (const f of contender.watcher.found.values()) {
  const c = Number(/^bench(\d+)$/.exec(f.info.channel)?.[1]);
  const i = origin.indexOf(c, Math.round(f.info.start / 1000));
  if (i !== null) byKey.set(`${c}/${i}`, f.at);
}
for (let c = 0; c < N; c++) {
  for (let i = 0; origin.publishAt(c, i) <= window.w1; i++) {
    const at = origin.publishAt(c, i);
    if (at < window.w0) continue;
    expected++;
    const got = byKey.get(`${c}/${i}`);
    if (got !== undefined) lat.push(got - at);
  }
}
await contender.stop();
const out: Record<string, unknown> = {
  worker: {
    cpu_seconds: window.cpuSeconds, sys: window.sysSeconds, cpu_ms_per_s: +((window.cpuSeconds * 1000) / ((window.w1 - window.w0) / 1000)).toFixed(1), gb: +(window.bytes / 1e9).toFixed(3), cpu_per_gb: window.cpuSecondsPerGB,
    machine_busy_pct: +(window.machineBusy * 100).toFixed(1),
    segments: `${lat.length}/${expected}`, p50: percentile(lat, 50), p95: percentile(lat, 95), max: percentile(lat, 100),
    other: contender.watcher.other.size,
    /** media playlist requests per segment request while measuring (about; the origin's counters) */
    playlists_per_segment: servedInWindow.segments ? +(servedInWindow.playlists / servedInWindow.segments).toFixed(2) : null,
  },
};
if (flags.curl) {
  const until = Date.now() + (W + S + 70) * 1000;
  const curl = await measurePhase(() => startCurl(origin, join(tmp, 'curl'), until), N, W * 1000, S * 1000, log);
  await curl.contender.stop();
  out.curl = { cpu_seconds: curl.window.cpuSeconds, sys: curl.window.sysSeconds, cpu_per_gb: curl.window.cpuSecondsPerGB, machine_busy_pct: +(curl.window.machineBusy * 100).toFixed(1) };
}
await origin.close();
rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify(out));
