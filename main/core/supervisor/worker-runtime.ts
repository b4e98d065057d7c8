/**
 * The worker side of the supervisor protocol. A worker entry calls runWorker(); it gets helpers to
 * publish on the node's bus and log, and its stop() is called on a stop message or SIGTERM. Works under
 * child_process.fork (process.send) and Electron's utilityProcess (process.parentPort).
 */
import type { SupervisorToWorker, WorkerToSupervisor } from './messages.ts';

export interface WorkerContext {
  publish(topic: string, data: unknown, key?: string): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  onCommand(fn: (name: string, payload: unknown) => void): void;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(ev: 'message', fn: (e: { data: unknown }) => void): void;
}

function channel() {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (m: WorkerToSupervisor) => parentPort.postMessage(m),
      onMessage: (fn: (m: SupervisorToWorker) => void) => parentPort.on('message', (e) => fn(e.data as SupervisorToWorker)),
    };
  }
  return {
    send: (m: WorkerToSupervisor) => {
      if (process.send && process.connected) process.send(m);
    },
    onMessage: (fn: (m: SupervisorToWorker) => void) => process.on('message', (m) => fn(m as SupervisorToWorker)),
  };
}

export async function runWorker(start: (ctx: WorkerContext) => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const ch = channel();
  const commandHandlers: ((name: string, payload: unknown) => void)[] = [];
  const ctx: WorkerContext = {
    publish: (topic, data, key) => ch.send({ type: 'bus', topic, key, data }),
    log: (level, message) => {
      (level === 'error' ? console.error : console.log)(`[${process.env.TAPEDECK_WORKER ?? 'worker'}] ${message}`);
      ch.send({ type: 'log', level, message });
    },
    onCommand: (fn) => commandHandlers.push(fn),
  };
  // Listen before starting: a stop that arrives while the worker is still loading must not be lost,
  // and a worker whose supervisor died must never linger as an orphan.
  let running: { stop(): Promise<void> } | null = null;
  let stopRequested = false;
  let stopping = false;
  const stop = async () => {
    stopRequested = true;
    if (stopping || !running) return;
    stopping = true;
    // A stop that hangs must not keep the process alive forever.
    setTimeout(() => process.exit(0), 15_000).unref();
    try {
      await running.stop();
    } finally {
      process.exit(0);
    }
  };
  ch.onMessage((m) => {
    if (m?.type === 'stop') void stop();
    else if (m?.type === 'command') for (const h of commandHandlers) h(m.name, m.payload);
  });
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => {
    if (!running) process.exit(0);
    void stop();
  });
  running = await start(ctx);
  if (stopRequested) {
    await stop();
    return;
  }
  ch.send({ type: 'ready' });
}
