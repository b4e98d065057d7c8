/**
 * CPU time of process trees from /proc (Linux only).
 *
 * For one process, utime+stime is its own CPU; cutime+cstime is the CPU of every child it has already
 * waited for (recursively). So the CPU a tree has consumed so far is the sum of all four fields over
 * the processes alive in the tree right now: a worker or ffmpeg that came and went is counted through
 * its parent's cutime, and nothing is counted twice. A snapshot at the start and the end of a window
 * gives the tree's CPU in that window, however many short-lived children it spawned meanwhile.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;
function clkTck(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in clock ticks */
  ticks: number;
  /** stime + cstime: the kernel's share (socket reads, page-cache writes, fsync writeback) */
  sysTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    // fields after "(comm)": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17)
    const f = s.slice(close + 2).split(' ');
    const n = (k: number) => Number(f[k - 3]);
    return { pid, ppid: n(4), comm: s.slice(s.indexOf('(') + 1, close), ticks: n(14) + n(15) + n(16) + n(17), sysTicks: n(15) + n(17) };
  } catch {
    return null; // exited meanwhile
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const st = readStat(Number(name));
    if (st) out.push(st);
  }
  return out;
}

export interface TreeSample {
  /** CPU seconds consumed so far by the trees rooted at the given pids */
  cpuSeconds: number;
  /** ... of which in the kernel */
  sysSeconds: number;
  /** processes alive in those trees, by command name */
  processes: Record<string, number>;
  /** CPU seconds so far of each process alive in the trees (including its reaped children) */
  perProcess: Map<number, { label: string; cpuSeconds: number }>;
}

/** "node recorder/worker.ts", "esbuild", "streamlink": the command plus the script it runs (with its folder), if any. */
function label(pid: number, comm: string): string {
  if (comm !== 'node') return comm;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const script = args.slice(1).find((a) => /\.(?:ts|mjs|js)$/.test(a));
    return script ? `${comm} ${script.split('/').slice(-2).join('/')}` : comm;
  } catch {
    return comm;
  }
}

/** One snapshot of the CPU consumed so far by the trees rooted at `roots`. */
export function sampleTrees(roots: number[]): TreeSample {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  let ticks = 0;
  let sysTicks = 0;
  const processes: Record<string, number> = {};
  const perProcess = new Map<number, { label: string; cpuSeconds: number }>();
  const seen = new Set<number>();
  const stack = roots.map((r) => byPid.get(r)).filter((s): s is ProcStat => !!s);
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s.pid)) continue;
    seen.add(s.pid);
    ticks += s.ticks;
    sysTicks += s.sysTicks;
    processes[s.comm] = (processes[s.comm] ?? 0) + 1;
    perProcess.set(s.pid, { label: label(s.pid, s.comm), cpuSeconds: s.ticks / clkTck() });
    stack.push(...(children.get(s.pid) ?? []));
  }
  return { cpuSeconds: ticks / clkTck(), sysSeconds: sysTicks / clkTck(), processes, perProcess };
}

/** Whole-machine CPU counters from /proc/stat: busy and total jiffies over all cores. */
export function machineCpu(): { busy: number; steal: number; total: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const f = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest fields are already inside user/nice)
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  // steal: time the hypervisor ran something else while this VM wanted the CPU (a noisy neighbour)
  return { busy: total - idle, steal: f[7] ?? 0, total, cores: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}
