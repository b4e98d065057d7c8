/** Shared bits of the supervisor tests: a recording bus, fixture paths, polling, process liveness. */
import { fileURLToPath } from 'node:url';
import { EventBus, type BusMessage } from '../../../main/core/bus/event-bus.ts';
import type { WorkerStatus } from '../../../main/core/supervisor/supervisor.ts';

export const fixture = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export class RecordingBus extends EventBus {
  readonly seen: BusMessage[] = [];
  constructor() {
    super();
    this.subscribe((m) => this.seen.push(m));
  }

  topic(topic: string): BusMessage[] {
    return this.seen.filter((m) => m.topic === topic);
  }

  /** worker.status messages of one worker (each carries the publish time in `time`). */
  statuses(name: string): (BusMessage & { data: WorkerStatus })[] {
    return this.topic('worker.status').filter((m) => m.key === name) as (BusMessage & { data: WorkerStatus })[];
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}
