/** The typed messages between the supervisor and its workers (JSON over the host's IPC channel). */

export type SupervisorToWorker =
  | { type: 'stop' }
  /** anything worker-specific (config reloads, commands); the worker validates it */
  | { type: 'command'; name: string; payload?: unknown };

export type WorkerToSupervisor =
  /** the worker finished starting up and is doing its job */
  | { type: 'ready' }
  /** publish on the node's event bus (stream status, progress, ...) */
  | { type: 'bus'; topic: string; key?: string; data: unknown }
  /** a log line the supervisor should keep (last N per worker are shown in the UI) */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
