/**
 * Live updates: `event.changed` on the node's bus (key = event id, data = the public event JSON) after
 * every change, so open editors see state and edits as they happen.
 *
 * Writes made through this node's API are published immediately. Writes made elsewhere (a cutter
 * worker process with its own connection, or another node on a shared PostgreSQL database) cannot
 * call us, so a light poll of `updated_at` picks them up; per-event revisions make sure each version
 * is published once whichever path sees it first.
 */
import type { EventBus } from '../bus/event-bus.ts';
import { toJson } from './codec.ts';
import type { EventView } from './model.ts';
import type { EventsRepository } from './repository.ts';

export const EVENT_CHANGED_TOPIC = 'event.changed';

export interface WatchOptions {
  intervalMs: number;
  /** how far back each poll looks: covers clock skew between writers and slow commits, µs */
  lookbackUs: number;
  now?: () => number;
}

export class EventChangePublisher {
  private readonly published = new Map<string, number>();

  constructor(private readonly bus: EventBus) {}

  publish(e: EventView): boolean {
    if ((this.published.get(e.id) ?? 0) >= e.revision) return false;
    this.published.set(e.id, e.revision);
    this.bus.publish(EVENT_CHANGED_TOPIC, toJson(e), e.id);
    return true;
  }

  /** One poll for changes made by other processes. */
  async pollOnce(repo: EventsRepository, sinceUs: number): Promise<number> {
    let n = 0;
    for (const { id, revision } of await repo.listChangedSince(sinceUs)) {
      if ((this.published.get(id) ?? 0) >= revision) continue;
      const view = await repo.getView(id);
      if (view && this.publish(view)) n++;
    }
    return n;
  }

  /** Poll every intervalMs until the returned stop function is called. */
  watch(repo: EventsRepository, opts: WatchOptions): () => Promise<void> {
    const now = opts.now ?? (() => Date.now() * 1000);
    let running: Promise<unknown> | null = null;
    let failing = false;
    const timer = setInterval(() => {
      if (running) return; // a slow poll is never stacked
      running = this.pollOnce(repo, now() - opts.lookbackUs)
        .then(() => { failing = false; })
        .catch((e) => {
          if (!failing) console.error('[events] change poll failed', e);
          failing = true;
        })
        .finally(() => { running = null; });
    }, opts.intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  }
}
