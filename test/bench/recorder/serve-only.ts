/**
 * Quick loop for recorder performance work (not part of `npm run bench:recorder`): the benchmark origin
 * and `tapedeck serve --channel ...` (exactly as the benchmark starts it), kept running for --seconds
 * while printing the pids of the serve process and its workers, so they can be profiled (perf, /proc).
 *
 *   node --import tsx test/bench/recorder/serve-only.ts [--channels 20] [--seconds 60] [--warmup 10] [--main-flags=--trace-gc]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { segmentPool } from '../../fixtures/segments.ts';
import { startTapedeck } from './contenders.ts';
import { startBenchOrigin } from './origin.ts';
import { sampleTrees } from './proc-cpu.ts';

const { values: flags } = parseArgs({
  options: { channels: { type: 'string', default: '20' }, seconds: { type: 'string', default: '60' }, 'main-flags': { type: 'string', default: '' }, warmup: { type: 'string', default: '10' } },
});
const N = Number(flags.channels);
const pool = segmentPool({ count: 10, width: 1920, height: 1080, bitrate: '6M' }).map((p) => readFileSync(p));
const origin = await startBenchOrigin({ channels: N, pool, segmentSeconds: 2 });
const tmp = mkdtempSync(join(tmpdir(), 'tapedeck-serve-only-'));
const td = await startTapedeck(origin, join(tmp, 'data'), 'serve', flags['main-flags']!.split(' ').filter(Boolean));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(Number(flags.warmup) * 1000);
const tree = sampleTrees(td.roots());
for (const [pid, p] of tree.perProcess) process.stderr.write(`[serve-only] pid ${pid} ${p.label}\n`);
const t0 = Date.now();
const s0 = sampleTrees(td.roots());
const b0 = td.bytesWritten();
await sleep(Number(flags.seconds) * 1000);
const s1 = sampleTrees(td.roots());
const b1 = td.bytesWritten();
const out: Record<string, number> = {};
for (const [pid, p] of s1.perProcess) out[`${pid} ${p.label}`] = +(p.cpuSeconds - (s0.perProcess.get(pid)?.cpuSeconds ?? 0)).toFixed(2);
console.log(JSON.stringify({ seconds: (Date.now() - t0) / 1000, gb: (b1 - b0) / 1e9, cpu: out, cpu_per_gb: +((s1.cpuSeconds - s0.cpuSeconds) / ((b1 - b0) / 1e9)).toFixed(3) }));
if (flags['main-flags']) process.stderr.write(td.stdout());
await td.stop();
await origin.close();
rmSync(tmp, { recursive: true, force: true });
