/**
 * A/B loop for recorder performance work (not part of `npm run bench:recorder`): two recorder worker
 * processes (main/recorder/worker.ts, no supervisor) record the same benchmark origin at the same time,
 * each into its own store; B gets extra environment variables (--b-env NAME=VALUE,...) and/or node
 * flags (--b-flags). Running both at once exposes them to the same machine load, which on a shared
 * 2-core box moves single runs by ±30 %. Reports CPU ms per second and per GB for each, per round.
 *
 *   node --import tsx test/bench/recorder/worker-ab.ts [--channels 10] [--seconds 30] [--warmup 20]
 *        [--rounds 3] [--b-env X=1] [--b-flags=--no-opt] [--a-flags=...] [--segment-bytes N]
 *        [--a-root DIR]
 *
 * --a-root runs A from another checkout (e.g. `git worktree add /tmp/base HEAD` with node_modules
 * linked), so a code change is measured against the code before it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { segmentPool } from '../../fixtures/segments.ts';
import { startBenchOrigin } from './origin.ts';
import { sampleTrees } from './proc-cpu.ts';
import { StoreWatcher } from './store-watch.ts';

const { values: flags } = parseArgs({
  options: {
    channels: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    'b-env': { type: 'string', default: '' },
    'a-flags': { type: 'string', default: '' },
    'b-flags': { type: 'string', default: '' },
    'segment-bytes': { type: 'string' },
    'a-root': { type: 'string' },
  },
});
const N = Number(flags.channels);
const ENTRY = fileURLToPath(new URL('../../../main/recorder/worker.ts', import.meta.url));
const A_ENTRY = flags['a-root'] ? join(flags['a-root'], 'main/recorder/worker.ts') : ENTRY;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cut = flags['segment-bytes'] === undefined ? Infinity : Number(flags['segment-bytes']);
const pool = segmentPool({ count: 10, width: 1920, height: 1080, bitrate: '6M' }).map((p) => readFileSync(p).subarray(0, cut));
const origin = await startBenchOrigin({ channels: N, pool, segmentSeconds: 2 });
const tmp = mkdtempSync(join(tmpdir(), 'tapedeck-worker-ab-'));
const bEnv = Object.fromEntries(flags['b-env']!.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));

interface Run {
  child: ChildProcess;
  watcher: StoreWatcher;
  bytes(): number;
}

function start(name: string, env: Record<string, string>, nodeFlags: string, entry = ENTRY): Run {
  const data = join(tmp, name);
  mkdirSync(join(data, 'segments'), { recursive: true });
  const watcher = new StoreWatcher(join(data, 'segments'));
  watcher.start();
  const config = {
    channels: Array.from({ length: N }, (_, c) => ({ name: `bench${c}`, important: false, url: origin.playlistUrl(c) })),
    qualities: ['source'], demo: false, twitch: {},
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeFlags.split(' ').filter(Boolean), entry], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, TAPEDECK_DATA_DIR: data, TAPEDECK_RECORDER_CONFIG: JSON.stringify(config) },
  });
  return { child, watcher, bytes: () => [...watcher.found.values()].reduce((a, f) => a + f.size, 0) };
}

/** voluntary context switches (sleeps) so far, over every thread of a process */
function sleeps(pid: number): number {
  let n = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      n += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // thread gone
    }
  }
  return n;
}

const results: { a: number; b: number; aGB: number | null; bGB: number | null; aWakes: number; bWakes: number }[] = [];
for (let round = 0; round < Number(flags.rounds); round++) {
  const a = start(`a${round}`, {}, flags['a-flags']!, A_ENTRY);
  const b = start(`b${round}`, bEnv, flags['b-flags']!);
  await sleep(Number(flags.warmup) * 1000);
  const t0 = performance.now();
  const s0 = [sampleTrees([a.child.pid!]).cpuSeconds, sampleTrees([b.child.pid!]).cpuSeconds];
  const b0 = [a.bytes(), b.bytes()];
  const w0 = [sleeps(a.child.pid!), sleeps(b.child.pid!)];
  await sleep(Number(flags.seconds) * 1000);
  const s1 = [sampleTrees([a.child.pid!]).cpuSeconds, sampleTrees([b.child.pid!]).cpuSeconds];
  const b1 = [a.bytes(), b.bytes()];
  const w1 = [sleeps(a.child.pid!), sleeps(b.child.pid!)];
  const secs = (performance.now() - t0) / 1000;
  const perGB = (i: number) => (b1[i]! - b0[i]! > 0 ? +((s1[i]! - s0[i]!) / ((b1[i]! - b0[i]!) / 1e9)).toFixed(3) : null);
  const r = {
    a: +(((s1[0]! - s0[0]!) * 1000) / secs).toFixed(1), b: +(((s1[1]! - s0[1]!) * 1000) / secs).toFixed(1), aGB: perGB(0), bGB: perGB(1),
    aWakes: Math.round((w1[0]! - w0[0]!) / secs), bWakes: Math.round((w1[1]! - w0[1]!) / secs),
  };
  results.push(r);
  process.stderr.write(`[ab] round ${round}: A ${r.a} ms/s (${r.aGB} s/GB, ${r.aWakes} sleeps/s), B ${r.b} ms/s (${r.bGB} s/GB, ${r.bWakes} sleeps/s)\n`);
  for (const x of [a, b]) {
    x.watcher.stop();
    x.child.kill('SIGTERM');
  }
  await sleep(1500);
}
const mean = (xs: number[]) => +(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(2);
console.log(JSON.stringify({
  a_ms_per_s: mean(results.map((r) => r.a)), b_ms_per_s: mean(results.map((r) => r.b)),
  b_over_a: mean(results.map((r) => r.b / r.a)), rounds: results,
}));
await origin.close();
rmSync(tmp, { recursive: true, force: true });
