/**
 * One benchmark phase: start a contender, let it warm up (process start, tsx compile, first playlist,
 * the initial window), then measure CPU of its process trees, bytes written and whole-machine CPU over
 * a fixed window. Start-up cost is reported separately (whole-run numbers) because a recorder runs for
 * days and the steady state is what matters; the whole-run numbers keep that choice honest.
 */
import type { Contender } from './contenders.ts';
import { machineCpu, sampleTrees } from './proc-cpu.ts';

export interface PhaseWindow {
  /** epoch ms */
  w0: number;
  w1: number;
  cpuSeconds: number;
  /** the kernel's part of cpuSeconds */
  sysSeconds: number;
  bytes: number;
  /** CPU seconds per GB (1e9 bytes) written in the window */
  cpuSecondsPerGB: number | null;
  /** average CPU use of the contender, in cores */
  cores: number;
  /** highest 1-second CPU use of the contender seen during the window, in cores */
  peakCores: number;
  /** whole machine busy fraction over the window, 0..1 (all cores) */
  machineBusy: number;
  /** from process start to the end of the window */
  wholeRun: { seconds: number; cpuSeconds: number; bytes: number; cpuSecondsPerGB: number | null };
  processes: Record<string, number>;
  /** CPU seconds in the window of each process alive at both ends, summed by label */
  byProcess: Record<string, number>;
  /** actual warm-up before the window opened */
  warmupSeconds: number;
  failure: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const perGB = (cpu: number, bytes: number) => (bytes > 0 ? +(cpu / (bytes / 1e9)).toFixed(3) : null);

export async function measurePhase<C extends Contender>(
  start: () => Promise<C> | C, channels: number, warmupMs: number, windowMs: number, log: (s: string) => void,
): Promise<{ contender: C; window: PhaseWindow }> {
  const t0 = Date.now();
  const contender = await start();
  log(`[${contender.name}] started; warming up at least ${warmupMs / 1000} s, until all ${channels} channels write`);
  await sleep(t0 + warmupMs - Date.now());
  // Twenty Python interpreters (or a tsx compile) on a busy 2-core machine can take longer than the
  // warm-up: start the window only once every channel writes, so it measures the steady state.
  while (contender.channelsWriting() < channels && Date.now() - t0 < warmupMs + 60_000 && !contender.failure()) await sleep(250);
  const w0 = Date.now();
  const warmupSeconds = Math.round((w0 - t0) / 100) / 10;
  const s0 = sampleTrees(contender.roots());
  const b0 = contender.bytesWritten();
  const m0 = machineCpu();
  log(`[${contender.name}] measuring for ${windowMs / 1000} s`);
  let peakCores = 0;
  let prev = { t: w0, cpu: s0.cpuSeconds };
  const sampler = setInterval(() => {
    const now = Date.now();
    const s = sampleTrees(contender.roots());
    peakCores = Math.max(peakCores, (s.cpuSeconds - prev.cpu) / ((now - prev.t) / 1000));
    prev = { t: now, cpu: s.cpuSeconds };
  }, 1000);
  await sleep(w0 + windowMs - Date.now());
  clearInterval(sampler);
  const w1 = Date.now();
  const s1 = sampleTrees(contender.roots());
  const b1 = contender.bytesWritten();
  const m1 = machineCpu();
  const cpuSeconds = s1.cpuSeconds - s0.cpuSeconds;
  const byProcess: Record<string, number> = {};
  for (const [pid, p1] of s1.perProcess) {
    const p0 = s0.perProcess.get(pid);
    if (p0) byProcess[p1.label] = +((byProcess[p1.label] ?? 0) + p1.cpuSeconds - p0.cpuSeconds).toFixed(2);
  }
  const bytes = b1 - b0;
  return {
    contender,
    window: {
      w0, w1,
      cpuSeconds: +cpuSeconds.toFixed(2),
      sysSeconds: +(s1.sysSeconds - s0.sysSeconds).toFixed(2),
      bytes,
      cpuSecondsPerGB: perGB(cpuSeconds, bytes),
      cores: +(cpuSeconds / ((w1 - w0) / 1000)).toFixed(3),
      peakCores: +peakCores.toFixed(2),
      machineBusy: +((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)).toFixed(3),
      wholeRun: {
        seconds: Math.round((w1 - t0) / 1000),
        cpuSeconds: +s1.cpuSeconds.toFixed(2),
        bytes: b1,
        cpuSecondsPerGB: perGB(s1.cpuSeconds, b1),
      },
      processes: s1.processes,
      byProcess,
      warmupSeconds,
      failure: contender.failure() ?? (contender.channelsWriting() < channels ? `only ${contender.channelsWriting()}/${channels} channels wrote anything` : null),
    },
  };
}

export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
