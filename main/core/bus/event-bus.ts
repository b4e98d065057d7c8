/**
 * In-process publish/subscribe for live updates (stream health, progress, alerts). The SSE endpoint
 * forwards everything published here to the UI; the Electron shell subscribes for tray/notifications.
 * Keeps the last message per topic+key so a newly connected client sees current state immediately.
 */
export interface BusMessage<T = unknown> {
  /** e.g. "stream.status", "upload.progress", "worker.crashloop" */
  topic: string;
  /** identifies the thing the message is about (channel, event id...), for last-value caching */
  key?: string;
  data: T;
  /** epoch ms */
  time: number;
}

export type BusListener = (m: BusMessage) => void;

export class EventBus {
  private listeners = new Set<BusListener>();
  private last = new Map<string, BusMessage>();

  publish<T>(topic: string, data: T, key?: string): BusMessage<T> {
    const m: BusMessage<T> = { topic, key, data, time: Date.now() };
    this.last.set(`${topic}\0${key ?? ''}`, m);
    for (const l of this.listeners) {
      try {
        l(m);
      } catch (e) {
        console.error('[bus] listener failed', e);
      }
    }
    return m;
  }

  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Latest message of every topic/key (optionally one topic), oldest first. */
  snapshot(topic?: string): BusMessage[] {
    return [...this.last.values()].filter((m) => !topic || m.topic === topic).sort((a, b) => a.time - b.time);
  }
}
