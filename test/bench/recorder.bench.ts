/**
 * npm run bench:recorder [-- --channels N --seconds S --warmup W --rounds R --only tapedeck,streamlink,curl
 *                            --order tapedeck,streamlink,curl --together --keep]
 *
 * N concurrent live channels (default 20) of ~6 Mbit/s 1080p 2-second segments from a loopback origin,
 * recorded for S seconds (default 60) after W seconds of warm-up (default 90), by, one after another
 * on the same origin: our recorder (`tapedeck serve --channel benchK=URL ...`), Debian's streamlink,
 * and curl. Why 90 s: the figure that matters for a node that records for days is the steady state,
 * and tapedeck's start-up costs last that long. V8's memory reducer shrinks the start-up heaps with
 * full GCs in the main process, the cutter worker and their module-loader threads (seen between 24 s
 * and 50 s after start, ~0.1-0.3 CPU-s each time), and the recorder worker's JIT is still compiling
 * code that runs 10 times a second for the first minute; with 45 s these landed in the window in
 * some runs and not others. streamlink and curl have no such start-up. The whole-run figures,
 * start-up included, are printed too.
 * Rounds (default 2): the S seconds are split into R windows per contender, run in a palindrome
 * (tapedeck, streamlink, curl, then curl, streamlink, tapedeck, ...), each after its own warm-up, and
 * summed. Why: the cost of identical work drifts by tens of percent over minutes on a shared VM; a
 * drift that is roughly linear over the run then weighs on every contender alike instead of on
 * whichever ran last. Per-round figures are printed too, so the drift is visible.
 * --order sets the first round's order (the palindrome reverses it every other round). Why: the drift
 * on the build VM is not linear: the last phase of a run costs most, whoever runs it. With the default
 * order tapedeck's second window (the last phase) cost 10-60 % more than its first in all 8 runs of
 * 2026-11-21/22; with `--order streamlink,tapedeck,curl` streamlink's went from 6.6 to 9.1 CPU-s/GB
 * while tapedeck's two middle windows were within 10 % of each other.
 * --together runs the three side by side over one shared window instead. Decision: one after another
 * stays the default. Side by side every contender sees the same machine (on a shared 2-core VM the
 * cost of identical work drifts by tens of percent from minute to minute), but three writers at once
 * inflate everyone's kernel time several-fold (curl's went from ~1 to ~3.4 CPU-s/GB: page-cache and
 * writeback contention), which pulls every ratio towards 1 and would flatter us against curl.
 * Prints JSON with, for each, CPU seconds per recorded GB (whole process trees, from /proc; ours is
 * the whole `tapedeck serve` tree — recorder worker, main process, idle cutter — with the recorder
 * worker alone broken out) and, for ours, segment-to-disk latency (origin lists the segment → its
 * `full` file appears in the store) and segments expected vs recorded.
 *
 * Targets (2 cores): latency p95 <= 1.5 s; CPU/GB <= 0.5x streamlink and <= 3x curl; no segment of the
 * window missing (the recorder keeps up with 20 channels).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { segmentPool } from '../fixtures/segments.ts';
import { startCurl, startStreamlink, startTapedeck, type Contender, type TapedeckContender, type TapedeckLaunch } from './recorder/contenders.ts';
import { measurePhase, measureTogether, percentile, type PhaseWindow } from './recorder/measure.ts';
import { startBenchOrigin, type BenchOrigin } from './recorder/origin.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

const { values: flags } = parseArgs({
  options: {
    channels: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '90' },
    together: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
    pool: { type: 'string', default: '10' },
    only: { type: 'string', default: 'tapedeck,streamlink,curl' },
    order: { type: 'string', default: 'tapedeck,streamlink,curl' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(flags.channels);
const S = Number(flags.seconds);
const W = Number(flags.warmup);
const R = flags.together ? 1 : Number(flags.rounds);
const only = new Set(flags.only!.split(',').map((s) => s.trim()));
const CONTENDERS = ['tapedeck', 'streamlink', 'curl'];
const ORDER = flags.order!.split(',').map((s) => s.trim());
if (ORDER.length !== CONTENDERS.length || !CONTENDERS.every((c) => ORDER.includes(c))) {
  throw new Error(`--order must list each of ${CONTENDERS.join(', ')} once, got ${JSON.stringify(flags.order)}`);
}
if (!(N >= 1 && S >= 4 && W >= 0 && Number.isInteger(R) && R >= 1 && S / R >= 4)) {
  throw new Error('--channels >= 1, --seconds >= 4 per round, --warmup >= 0, --rounds a whole number >= 1');
}

/**
 * How to run our recorder: `tapedeck serve --channel ...` once the CLI has the flag and the node runs
 * the recorder subsystem; until then the bench launcher (same node, same worker) if the recorder
 * exists at all; else a reason to skip.
 */
function tapedeckLaunch(): { launch: TapedeckLaunch } | { skip: string } {
  const src = (rel: string) => (existsSync(join(ROOT, rel)) ? readFileSync(join(ROOT, rel), 'utf8') : '');
  if (!/export\s+(?:async\s+)?(?:function|const)\s+recorderSubsystem\b/.test(src('main/recorder/index.ts'))) {
    return { skip: 'main/recorder/index.ts does not export recorderSubsystem yet' };
  }
  const cliReady = src('main/cli.ts').includes("channel: { type: 'string'");
  const wired = /\brecorderSubsystem\b/.test(src('main/subsystems.ts') + src('main/cli.ts'));
  return { launch: cliReady && wired ? 'serve' : 'launcher' };
}

const version = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch {
    return null;
  }
};

interface LatencyReport {
  expected: number;
  recorded: number;
  missing: number;
  recorded_after_drain: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  first_half_p50_ms: number | null;
  second_half_p50_ms: number | null;
  timed_by_listing_not_event: number;
  suspect_or_partial: number;
}

/** One window's segments: how many were expected, and the latency of each recorded one. */
interface LatencySample {
  expected: number;
  recordedAtWindowEnd: number;
  lat: { ms: number; at: number; late: boolean }[];
  w0: number;
  w1: number;
  suspectOrPartial: number;
}

/**
 * Segments published inside the window, matched to the `full` files of the store by channel and start
 * time. A segment published near the end of the window gets `drainMs` more to arrive.
 */
async function latencySample(origin: BenchOrigin, td: TapedeckContender, win: PhaseWindow, drainMs: number): Promise<LatencySample> {
  const expected: { c: number; i: number; at: number }[] = [];
  for (let c = 0; c < origin.channels; c++) {
    for (let i = 0; ; i++) {
      const at = origin.publishAt(c, i);
      if (at > win.w1) break;
      if (at >= win.w0) expected.push({ c, i, at });
    }
  }
  const match = () => {
    const byKey = new Map<string, { at: number; late: boolean }>();
    for (const f of td.watcher.found.values()) {
      const c = Number(/^bench(\d+)$/.exec(f.info.channel)?.[1] ?? NaN);
      if (!Number.isInteger(c)) continue;
      const i = origin.indexOf(c, Math.round(f.info.start / 1000));
      if (i === null) continue;
      const key = `${c}/${i}`;
      const prev = byKey.get(key);
      if (!prev || f.at < prev.at) byKey.set(key, { at: f.at, late: f.late });
    }
    return byKey;
  };
  const recordedAtWindowEnd = expected.filter((e) => match().has(`${e.c}/${e.i}`)).length;
  const deadline = Date.now() + drainMs;
  let found = match();
  while (Date.now() < deadline && expected.some((e) => !found.has(`${e.c}/${e.i}`))) {
    await sleep(250);
    found = match();
  }
  const lat: LatencySample['lat'] = [];
  for (const e of expected) {
    const f = found.get(`${e.c}/${e.i}`);
    if (f) lat.push({ ms: f.at - e.at, at: e.at, late: f.late });
  }
  return {
    expected: expected.length, recordedAtWindowEnd, lat, w0: win.w0, w1: win.w1,
    suspectOrPartial: [...td.watcher.other.values()].filter((s) => /^bench\d+$/.test(s.channel)).length,
  };
}

/** Every round's segments together. */
function latencyReport(samples: LatencySample[]): LatencyReport {
  const lat = samples.flatMap((s) => s.lat);
  const ms = lat.map((l) => l.ms);
  const firstHalf = samples.flatMap((s) => s.lat.filter((l) => l.at < (s.w0 + s.w1) / 2).map((l) => l.ms));
  const secondHalf = samples.flatMap((s) => s.lat.filter((l) => l.at >= (s.w0 + s.w1) / 2).map((l) => l.ms));
  const expected = samples.reduce((a, s) => a + s.expected, 0);
  return {
    expected,
    recorded: lat.length,
    missing: expected - lat.length,
    recorded_after_drain: lat.length - samples.reduce((a, s) => a + s.recordedAtWindowEnd, 0),
    p50_ms: percentile(ms, 50),
    p95_ms: percentile(ms, 95),
    p99_ms: percentile(ms, 99),
    max_ms: percentile(ms, 100),
    first_half_p50_ms: percentile(firstHalf, 50),
    second_half_p50_ms: percentile(secondHalf, 50),
    timed_by_listing_not_event: lat.filter((l) => l.late).length,
    suspect_or_partial: samples.reduce((a, s) => a + s.suspectOrPartial, 0),
  };
}

/** Several windows of one contender as one: sums, and the per-round figures. */
function combineWindows(ws: PhaseWindow[]): PhaseWindow & { rounds: { cpu_seconds_per_gb: number | null; kernel_share_pct: number; machine_busy_pct: number; machine_steal_pct: number }[] } {
  const sum = (f: (w: PhaseWindow) => number) => ws.reduce((a, w) => a + f(w), 0);
  const cpuSeconds = +sum((w) => w.cpuSeconds).toFixed(2);
  const bytes = sum((w) => w.bytes);
  const seconds = sum((w) => (w.w1 - w.w0) / 1000);
  const byProcess: Record<string, number> = {};
  for (const w of ws) for (const [k, v] of Object.entries(w.byProcess)) byProcess[k] = +((byProcess[k] ?? 0) + v).toFixed(2);
  return {
    ...ws[0]!,
    w1: ws[ws.length - 1]!.w1,
    cpuSeconds,
    sysSeconds: +sum((w) => w.sysSeconds).toFixed(2),
    bytes,
    cpuSecondsPerGB: bytes > 0 ? +(cpuSeconds / (bytes / 1e9)).toFixed(3) : null,
    cores: +(cpuSeconds / seconds).toFixed(3),
    peakCores: Math.max(...ws.map((w) => w.peakCores)),
    machineBusy: +(sum((w) => w.machineBusy * (w.w1 - w.w0) / 1000) / seconds).toFixed(3),
    machineSteal: +(sum((w) => w.machineSteal * (w.w1 - w.w0) / 1000) / seconds).toFixed(3),
    byProcess,
    warmupSeconds: Math.max(...ws.map((w) => w.warmupSeconds)),
    failure: ws.map((w) => w.failure).find((f) => f) ?? null,
    rounds: ws.map((w) => ({
      cpu_seconds_per_gb: w.cpuSecondsPerGB,
      // where a round's extra cost goes (the page cache's first touch of memory shows up as kernel time)
      kernel_share_pct: w.cpuSeconds > 0 ? +((100 * w.sysSeconds) / w.cpuSeconds).toFixed(1) : 0,
      machine_busy_pct: +(w.machineBusy * 100).toFixed(1),
      machine_steal_pct: +(w.machineSteal * 100).toFixed(1),
    })),
  };
}

const summarize = (w: PhaseWindow & { rounds?: unknown }) => ({
  cpu_seconds: w.cpuSeconds,
  cpu_seconds_in_kernel: w.sysSeconds,
  gb_written: +(w.bytes / 1e9).toFixed(3),
  cpu_seconds_per_gb: w.cpuSecondsPerGB,
  avg_cores: w.cores,
  peak_cores_1s: w.peakCores,
  machine_busy_pct: +(w.machineBusy * 100).toFixed(1),
  machine_steal_pct: +(w.machineSteal * 100).toFixed(1),
  warmup_seconds: w.warmupSeconds,
  /** the first round's process, from its start */
  whole_run: {
    seconds: w.wholeRun.seconds,
    cpu_seconds: w.wholeRun.cpuSeconds,
    gb_written: +(w.wholeRun.bytes / 1e9).toFixed(3),
    cpu_seconds_per_gb: w.wholeRun.cpuSecondsPerGB,
  },
  processes_at_end: w.processes,
  cpu_seconds_by_process: w.byProcess,
  ...(w.rounds ? { rounds: w.rounds } : {}),
  ...(w.failure ? { failure: w.failure } : {}),
});

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'tapedeck-bench-recorder-'));
  log(`[bench] generating/reading the segment pool (1080p, 6 Mbit/s, cached in ${tmpdir()}/tapedeck-fixture-cache)`);
  const poolFiles = segmentPool({ count: Number(flags.pool), width: 1920, height: 1080, bitrate: '6M' });
  const pool = poolFiles.map((p) => readFileSync(p));
  const meanBytes = pool.reduce((a, b) => a + b.length, 0) / pool.length;
  const origin = await startBenchOrigin({ channels: N, pool, segmentSeconds: 2 });
  // The harness times `full` files by fs.watch events on its own event loop: its delay during our
  // recorder's phase bounds the error of the latency figures.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const result: Record<string, unknown> = {
    benchmark: 'recorder',
    config: {
      mode: flags.together ? 'side by side' : R > 1 ? `one after another, ${R} rounds in a palindrome` : 'one after another',
      order: flags.together ? null : ORDER,
      channels: N, window_seconds: S, rounds: R, window_seconds_per_round: S / R, warmup_seconds: W, segment_seconds: 2,
      stream_mbit_s: +((meanBytes * 8) / 2 / 1e6).toFixed(2), pool_segments: pool.length, pool_mean_bytes: Math.round(meanBytes),
    },
    machine: { cores: cpus().length, load_average_at_start: loadavg().map((l) => +l.toFixed(2)), cpu: cpus()[0]?.model, node: process.version, streamlink: version('streamlink', ['--version']), curl: version('curl', ['--version']) },
  };
  const phases: Record<string, ReturnType<typeof summarize> & Record<string, unknown>> = {};
  try {
    const how = only.has('tapedeck') ? tapedeckLaunch() : null;
    if (how && 'skip' in how) {
      phases.tapedeck = { skipped: how.skip } as never;
      log(`[tapedeck] skipped: ${how.skip}`);
    }
    const launch = how && 'launch' in how ? how.launch : null;
    const starters: Record<string, (round: number) => Promise<Contender> | Contender> = {
      tapedeck: (r) => startTapedeck(origin, join(tmp, `tapedeck-data-${r}`), launch!),
      streamlink: (r) => startStreamlink(origin, join(tmp, `streamlink-${r}`)),
      // curl must still be running when the window closes (which may open up to 60 s late)
      curl: (r) => startCurl(origin, join(tmp, `curl-${r}`), Date.now() + (W + S / R + 70) * 1000),
    };
    const names = ORDER.filter((n) => only.has(n) && (n !== 'tapedeck' || launch));
    const windows = new Map<string, PhaseWindow[]>(names.map((n) => [n, []]));
    const latency: LatencySample[] = [];
    /** After each window: our latency (while it still runs), then stop. */
    const finish = async (name: string, contender: Contender, window: PhaseWindow) => {
      if (name === 'tapedeck') latency.push(await latencySample(origin, contender as TapedeckContender, window, 8000));
      await contender.stop();
      windows.get(name)!.push(window);
    };
    loop.enable();
    if (!flags.together) {
      for (let r = 0; r < R; r++) {
        for (const name of r % 2 === 0 ? names : [...names].reverse()) {
          const { contender, window } = await measurePhase(() => starters[name]!(r), N, W * 1000, (S / R) * 1000, log);
          await finish(name, contender, window);
        }
      }
    } else if (names.length) {
      const together = await measureTogether(names.map((n) => () => starters[n]!(0)), N, W * 1000, S * 1000, log);
      for (const [i, { contender, window }] of together.entries()) await finish(names[i]!, contender, window);
    }
    for (const name of names) {
      const w = combineWindows(windows.get(name)!);
      const extra: Record<string, unknown> = {};
      if (name === 'tapedeck') {
        extra.launched_with = launch === 'serve' ? 'tapedeck serve --channel' : 'test/bench/recorder/serve-with-recorder.ts (recorder not yet wired into serve)';
        const worker = w.byProcess['node recorder/worker.ts'];
        extra.recorder_worker_only = worker === undefined ? null : { cpu_seconds: worker, cpu_seconds_per_gb: +(worker / (w.bytes / 1e9)).toFixed(3) };
        extra.segments = latencyReport(latency);
      }
      phases[name] = { ...summarize(w), ...extra };
    }
    loop.disable();
  } finally {
    loop.disable();
    await origin.close();
    if (!flags.keep) rmSync(tmp, { recursive: true, force: true });
    else log(`[bench] kept ${tmp}`);
  }

  const ours = phases.tapedeck?.cpu_seconds_per_gb ?? null;
  const sl = phases.streamlink?.cpu_seconds_per_gb ?? null;
  const curl = phases.curl?.cpu_seconds_per_gb ?? null;
  const seg = phases.tapedeck?.segments as LatencyReport | undefined;
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? +(a / b).toFixed(3) : null);
  const targets = {
    latency_p95_ms: { target: 1500, actual: seg?.p95_ms ?? null, ok: seg?.p95_ms != null ? seg.p95_ms <= 1500 : null },
    cpu_vs_streamlink: { target: 0.5, actual: ratio(ours, sl), ok: ratio(ours, sl) !== null ? ratio(ours, sl)! <= 0.5 : null },
    cpu_vs_curl: { target: 3, actual: ratio(ours, curl), ok: ratio(ours, curl) !== null ? ratio(ours, curl)! <= 3 : null },
    keeps_up: { target: 'recorded == expected', actual: seg ? `${seg.recorded}/${seg.expected}` : null, ok: seg ? seg.missing === 0 : null },
  };
  // The same ratios round by round (each round's contenders ran back to back): how much drift moved them.
  const perRound = (a: string, b: string) => {
    const ra = (phases[a]?.rounds ?? []) as { cpu_seconds_per_gb: number | null }[];
    const rb = (phases[b]?.rounds ?? []) as { cpu_seconds_per_gb: number | null }[];
    return ra.map((x, i) => ratio(x.cpu_seconds_per_gb, rb[i]?.cpu_seconds_per_gb ?? null));
  };
  if (R > 1) Object.assign(targets.cpu_vs_streamlink, { by_round: perRound('tapedeck', 'streamlink') });
  if (R > 1) Object.assign(targets.cpu_vs_curl, { by_round: perRound('tapedeck', 'curl') });
  const oks = Object.values(targets).map((t) => t.ok);
  Object.assign(result, {
    phases,
    origin_served: { ...origin.served, gb: +(origin.served.bytes / 1e9).toFixed(3) },
    harness_event_loop_delay_during_measurement_ms: loop.count === 0 ? null : { p50: +(loop.percentile(50) / 1e6).toFixed(1), p99: +(loop.percentile(99) / 1e6).toFixed(1), max: +(loop.max / 1e6).toFixed(1) },
    targets,
    meets_targets: oks.includes(null) ? null : oks.every(Boolean),
  });
  console.log(JSON.stringify(result, null, 2));
}

await main();
