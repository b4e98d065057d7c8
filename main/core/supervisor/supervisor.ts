/**
 * Keeps the node's workers running (DESIGN §2): starts them through a WorkerHost, forwards their bus
 * messages, restarts crashed ones with backoff (restart-policy.ts), raises a crash-loop alert, and stops
 * them gracefully (stop message, then SIGKILL after a grace period).
 */
import type { EventBus } from '../bus/event-bus.ts';
import type { WorkerHandle, WorkerHost, WorkerSpec } from './host.ts';
import { decideRestart, DEFAULT_RESTART_POLICY, type CrashRecord, type RestartPolicy } from './restart-policy.ts';

export type WorkerState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface WorkerStatus {
  name: string;
  state: WorkerState;
  pid: number | undefined;
  restarts: number;
  crashLoop: boolean;
  lastExit: { code: number | null; signal: string | null; at: number } | null;
  nextRestartAt: number | null;
  recentLogs: { level: string; message: string; at: number }[];
}

interface Managed {
  spec: WorkerSpec;
  handle: WorkerHandle | null;
  startedAt: number;
  history: CrashRecord[];
  status: WorkerStatus;
  timer: NodeJS.Timeout | null;
  exited: Promise<void> | null;
}

export class Supervisor {
  private workers = new Map<string, Managed>();
  private stopping = false;

  constructor(
    private host: WorkerHost,
    private bus: EventBus,
    private policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    private gracefulStopMs = 10_000,
  ) {}

  start(spec: WorkerSpec): void {
    if (this.workers.has(spec.name)) throw new Error(`worker ${spec.name} already started`);
    const m: Managed = {
      spec, handle: null, startedAt: 0, history: [], timer: null, exited: null,
      status: { name: spec.name, state: 'starting', pid: undefined, restarts: 0, crashLoop: false, lastExit: null, nextRestartAt: null, recentLogs: [] },
    };
    this.workers.set(spec.name, m);
    this.launch(m);
  }

  status(): WorkerStatus[] {
    return [...this.workers.values()].map((m) => ({ ...m.status }));
  }

  private publish(m: Managed) {
    this.bus.publish('worker.status', { ...m.status }, m.spec.name);
  }

  private launch(m: Managed) {
    m.timer = null;
    m.startedAt = Date.now();
    const handle = this.host.start(m.spec);
    m.handle = handle;
    m.status.state = 'starting';
    m.status.pid = handle.pid;
    m.status.nextRestartAt = null;
    this.publish(m);
    handle.onMessage((msg) => {
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'ready') {
        m.status.state = 'running';
        this.publish(m);
      } else if (msg.type === 'bus' && typeof msg.topic === 'string') {
        this.bus.publish(msg.topic, msg.data, msg.key);
      } else if (msg.type === 'log') {
        m.status.recentLogs.push({ level: msg.level, message: String(msg.message).slice(0, 2000), at: Date.now() });
        if (m.status.recentLogs.length > 50) m.status.recentLogs.shift();
      }
    });
    m.exited = new Promise((resolve) => {
      handle.onExit((code, signal) => {
        const now = Date.now();
        m.handle = null;
        m.status.pid = undefined;
        m.status.lastExit = { code, signal, at: now };
        resolve();
        if (this.stopping || m.status.state === 'stopping') {
          m.status.state = 'stopped';
          this.publish(m);
          return;
        }
        m.history.push({ startedAt: m.startedAt, exitedAt: now });
        if (m.history.length > 100) m.history.shift();
        const d = decideRestart(m.history, now, this.policy);
        if (d.crashLoop && !m.status.crashLoop) {
          this.bus.publish('worker.crashloop', { name: m.spec.name, crashes: m.history.length, lastExit: m.status.lastExit }, m.spec.name);
        }
        m.status.crashLoop = d.crashLoop;
        m.status.state = 'backoff';
        m.status.restarts++;
        m.status.nextRestartAt = now + d.delayMs;
        this.publish(m);
        m.timer = setTimeout(() => this.launch(m), d.delayMs);
      });
    });
  }

  /** Send a command to a running worker (ignored while it is restarting). */
  send(name: string, command: string, payload?: unknown): boolean {
    const m = this.workers.get(name);
    if (!m?.handle) return false;
    m.handle.send({ type: 'command', name: command, payload });
    return true;
  }

  async stop(name: string): Promise<void> {
    const m = this.workers.get(name);
    if (!m) return;
    m.status.state = 'stopping';
    if (m.timer) clearTimeout(m.timer);
    m.timer = null;
    const h = m.handle;
    if (h) {
      h.send({ type: 'stop' });
      const killer = setTimeout(() => h.kill('SIGKILL'), this.gracefulStopMs);
      await m.exited;
      clearTimeout(killer);
    }
    m.status.state = 'stopped';
    this.publish(m);
    this.workers.delete(name);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers.keys()].map((n) => this.stop(n)));
  }
}
