/**
 * How a worker process is started. Headless nodes use child_process.fork (this file); the Electron shell
 * implements the same interface with utilityProcess.fork (main/electron). Workers talk to the supervisor
 * only through JSON messages (see messages.ts), so both hosts behave the same.
 */
import { fork } from 'node:child_process';
import type { WorkerToSupervisor, SupervisorToWorker } from './messages.ts';

export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: SupervisorToWorker): void;
  onMessage(fn: (msg: WorkerToSupervisor) => void): void;
  /** code is null when killed by a signal */
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface WorkerSpec {
  /** worker name, e.g. "recorder" */
  name: string;
  /** absolute path of the entry module (.ts; loaded through tsx under Node) */
  entry: string;
  args?: string[];
  env?: Record<string, string>;
}

export interface WorkerHost {
  start(spec: WorkerSpec): WorkerHandle;
}

/** child_process.fork host. The entry is TypeScript, so the child gets tsx's loader. */
export class NodeWorkerHost implements WorkerHost {
  start(spec: WorkerSpec): WorkerHandle {
    const child = fork(spec.entry, spec.args ?? [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...spec.env, TAPEDECK_WORKER: spec.name },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => {
        if (child.connected) child.send(msg);
      },
      onMessage: (fn) => child.on('message', (m) => fn(m as WorkerToSupervisor)),
      onExit: (fn) => child.on('exit', (code, signal) => fn(code, signal)),
      kill: (signal = 'SIGTERM') => {
        child.kill(signal);
      },
    };
  }
}
