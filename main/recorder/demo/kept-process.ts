/**
 * A long-running child process that is restarted when it dies (the demo's ffmpeg encoder), with the
 * supervisor's backoff policy, and a pid file so that an encoder orphaned by a kill -9 of its parent is
 * found and stopped by the next start instead of writing into the same directory forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { decideRestart, type CrashRecord, type RestartPolicy } from '../../core/supervisor/restart-policy.ts';

/** ffmpeg runs for hours; give up quickly on nothing, but do not hammer a broken setup either. */
export const DEMO_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1000, maxDelayMs: 30_000, healthyAfterMs: 60_000, loopWindowMs: 120_000, loopCrashes: 5,
};

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** spawn failure (e.g. ENOENT: ffmpeg not installed) */
  error?: Error;
  /** last few KB of stderr, for the log and for a startup error */
  stderrTail: string;
  uptimeMs: number;
}

export interface KeptProcessOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  pidFile: string;
  policy?: RestartPolicy;
  log?: (line: string) => void;
}

const STDERR_TAIL = 4000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function isZombieOrGone(pid: number): boolean {
  try {
    // "pid (comm) S ..." — the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return !alive(pid);
  }
}

/**
 * Stop a process left over by a previous run that died without cleaning up, identified by its pid file.
 * The pid is only trusted if /proc shows that process still runs `expectComm` in `cwd` (pids are
 * reused); where /proc does not exist (macOS, Windows) nothing is killed.
 */
export async function killStale(pidFile: string, cwd: string, expectComm: string): Promise<number | null> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    return null;
  }
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return null;
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    // /proc/<pid>/cwd is the resolved path, so compare with the real path (DATA may be behind a symlink)
    if (!comm.includes(expectComm) || readlinkSync(`/proc/${pid}/cwd`) !== realpathSync(cwd)) return null;
    process.kill(pid, 'SIGKILL');
  } catch {
    return null;
  }
  for (let i = 0; i < 50 && !isZombieOrGone(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return pid;
}

export class KeptProcess {
  private child: ChildProcess | null = null;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private history: CrashRecord[] = [];
  private exitListeners: ((info: ExitInfo) => void)[] = [];
  private childExited: Promise<void> = Promise.resolve();
  /** how many times the process was started (1 = never restarted) */
  starts = 0;

  constructor(private readonly opts: KeptProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** called after every exit that was not requested by stop() */
  onExit(fn: (info: ExitInfo) => void): () => void {
    this.exitListeners.push(fn);
    return () => {
      this.exitListeners = this.exitListeners.filter((f) => f !== fn);
    };
  }

  start(): void {
    if (this.stopping || this.child) return;
    const { command, args, cwd, pidFile } = this.opts;
    const startedAt = Date.now();
    this.starts++;
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let tail = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      tail = (tail + s).slice(-STDERR_TAIL);
    });
    if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
    let done!: () => void;
    this.childExited = new Promise((r) => (done = r));
    let handled = false;
    const exited = (code: number | null, signal: string | null, error?: Error) => {
      if (handled) return;
      handled = true;
      this.child = null;
      done();
      if (this.stopping) return;
      const exitedAt = Date.now();
      const info: ExitInfo = { code, signal, error, stderrTail: tail.trim(), uptimeMs: exitedAt - startedAt };
      this.history = [...this.history, { startedAt, exitedAt }].slice(-20);
      const decision = decideRestart(this.history, exitedAt, this.opts.policy ?? DEMO_RESTART_POLICY);
      this.opts.log?.(`[${this.opts.name}] exited (${error ? error.message : signal ?? `code ${code}`}) after ${Math.round(info.uptimeMs / 1000)} s; `
        + `restarting in ${decision.delayMs / 1000} s${decision.crashLoop ? ' (crash loop)' : ''}${info.stderrTail ? `: ${info.stderrTail.slice(-500)}` : ''}`);
      for (const fn of this.exitListeners) fn(info);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.start();
      }, decision.delayMs);
    };
    child.once('error', (e) => exited(null, null, e));
    // 'close' rather than 'exit': stderr is fully read by then, so the tail holds the last words.
    child.once('close', (code, signal) => exited(code, signal));
  }

  /** Stop for good: SIGTERM (ffmpeg finishes its current write), SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.childExited;
      clearTimeout(killer);
    }
    rmSync(this.opts.pidFile, { force: true });
  }
}
