/**
 * WorkerHost on Electron's utilityProcess (DESIGN §2): the same interface NodeWorkerHost implements with
 * child_process.fork for headless nodes, so the supervisor, its restart policy and the workers are
 * identical under both. child_process.fork cannot be used in the packaged app anyway: it relies on
 * ELECTRON_RUN_AS_NODE, which the RunAsNode fuse turns off.
 *
 * Differences the adapter hides:
 *   - entries are the bundled .mjs files (the supervisor is handed source paths; see bundle-layout.ts);
 *   - messages arrive as plain values on 'message' (the worker side uses process.parentPort);
 *   - 'exit' only carries a code, and kill() only sends SIGTERM, so SIGKILL goes through process.kill.
 * Must only be used after app 'ready' (utilityProcess.fork's requirement); the core is started then.
 */
import { utilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import type { SupervisorToWorker, WorkerToSupervisor } from '../core/supervisor/messages.ts';
import type { WorkerHandle, WorkerHost, WorkerSpec } from '../core/supervisor/host.ts';
import { resolveWorkerEntry } from '../desktop/bundle-layout.ts';

export class UtilityWorkerHost implements WorkerHost {
  constructor(private appRoot: string) {}

  start(spec: WorkerSpec): WorkerHandle {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const entry = resolveWorkerEntry(this.appRoot, spec.entry);
    // Still fork when it is missing: the exit goes through the supervisor's backoff and crash-loop alert,
    // which the tray shows; this line tells a developer why.
    if (!existsSync(entry)) console.error(`[utility-host] ${spec.name}: ${entry} does not exist (run the desktop build: npm run build:electron)`);
    const child = utilityProcess.fork(entry, spec.args ?? [], {
      serviceName: `Tapedeck ${spec.name}`,
      env: { ...env, ...spec.env, TAPEDECK_WORKER: spec.name },
      stdio: 'inherit',
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (msg: SupervisorToWorker) => {
        if (!exited) child.postMessage(msg);
      },
      onMessage: (fn) => {
        child.on('message', (m: unknown) => fn(m as WorkerToSupervisor));
      },
      // Electron reports no signal; the supervisor only needs to know the process is gone.
      onExit: (fn) => {
        child.once('exit', (code: number) => fn(code, null));
      },
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        if (exited) return;
        if (signal === 'SIGKILL' && child.pid !== undefined) {
          try {
            process.kill(child.pid, 'SIGKILL');
            return;
          } catch {
            /* already gone, or not permitted on this platform: fall back to kill() */
          }
        }
        child.kill();
      },
    };
  }
}
