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
  /** whole machine busy fraction over the window, 0..1 (all cores; includes steal) */
  machineBusy: number;
  /**
   * fraction of the machine's time stolen by the hypervisor over the window, 0..1: while it is high the
   * same work costs more CPU time (shared caches, memory bandwidth), so figures of such windows are noisy
   */
  machineSteal: number;
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
  const [one] = await measureTogether([start], channels, warmupMs, windowMs, log);
  return one!;
}

/**
 * Several contenders recording the same origin at the same time, measured over one shared window.
 * Why: on a shared 2-core VM the CPU time of the same work moves by ±30 % from one minute to the next
 * (neighbours, frequency); side by side, contenders see the same conditions. The price: they contend
 * for the page cache and writeback, which inflates every writer's kernel time (see recorder.bench.ts).
 */
export async function measureTogether<C extends Contender>(
  starts: (() => Promise<C> | C)[], channels: number, warmupMs: number, windowMs: number, log: (s: string) => void,
): Promise<{ contender: C; window: PhaseWindow }[]> {
  const t0 = Date.now();
  const contenders: C[] = [];
  for (const start of starts) {
    const c = await start();
    contenders.push(c);
    log(`[${c.name}] started; warming up at least ${warmupMs / 1000} s, until all ${channels} channels write`);
  }
  await sleep(t0 + warmupMs - Date.now());
  // Twenty Python interpreters (or a tsx compile) on a busy 2-core machine can take longer than the
  // warm-up: start the window only once every channel writes, so it measures the steady state.
  const ready = () => contenders.every((c) => c.channelsWriting() >= channels || c.failure());
  while (!ready() && Date.now() - t0 < warmupMs + 60_000) await sleep(250);
  const w0 = Date.now();
  const warmupSeconds = Math.round((w0 - t0) / 100) / 10;
  const s0 = contenders.map((c) => sampleTrees(c.roots()));
  const b0 = contenders.map((c) => c.bytesWritten());
  const m0 = machineCpu();
  log(`[${contenders.map((c) => c.name).join(', ')}] measuring for ${windowMs / 1000} s`);
  const peakCores = contenders.map(() => 0);
  let prev = s0.map((s) => ({ t: w0, cpu: s.cpuSeconds }));
  const sampler = setInterval(() => {
    const now = Date.now();
    prev = contenders.map((c, i) => {
      const s = sampleTrees(c.roots());
      peakCores[i] = Math.max(peakCores[i]!, (s.cpuSeconds - prev[i]!.cpu) / ((now - prev[i]!.t) / 1000));
      return { t: now, cpu: s.cpuSeconds };
    });
  }, 1000);
  await sleep(w0 + windowMs - Date.now());
  clearInterval(sampler);
  const w1 = Date.now();
  const s1 = contenders.map((c) => sampleTrees(c.roots()));
  const b1 = contenders.map((c) => c.bytesWritten());
  const m1 = machineCpu();
  return contenders.map((contender, i) => {
    const cpuSeconds = s1[i]!.cpuSeconds - s0[i]!.cpuSeconds;
    const byProcess: Record<string, number> = {};
    for (const [pid, p1] of s1[i]!.perProcess) {
      const p0 = s0[i]!.perProcess.get(pid);
      if (p0) byProcess[p1.label] = +((byProcess[p1.label] ?? 0) + p1.cpuSeconds - p0.cpuSeconds).toFixed(2);
    }
    const bytes = b1[i]! - b0[i]!;
    return {
      contender,
      window: {
        w0, w1,
        cpuSeconds: +cpuSeconds.toFixed(2),
        sysSeconds: +(s1[i]!.sysSeconds - s0[i]!.sysSeconds).toFixed(2),
        bytes,
        cpuSecondsPerGB: perGB(cpuSeconds, bytes),
        cores: +(cpuSeconds / ((w1 - w0) / 1000)).toFixed(3),
        peakCores: +peakCores[i]!.toFixed(2),
        machineBusy: +((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)).toFixed(3),
        machineSteal: +((m1.steal - m0.steal) / Math.max(1, m1.total - m0.total)).toFixed(3),
        wholeRun: {
          seconds: Math.round((w1 - t0) / 1000),
          cpuSeconds: +s1[i]!.cpuSeconds.toFixed(2),
          bytes: b1[i]!,
          cpuSecondsPerGB: perGB(s1[i]!.cpuSeconds, b1[i]!),
        },
        processes: s1[i]!.processes,
        byProcess,
        warmupSeconds,
        failure: contender.failure() ?? (contender.channelsWriting() < channels ? `only ${contender.channelsWriting()}/${channels} channels wrote anything` : null),
      },
    };
  });
}

export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
