/** GET /api/events: Server-Sent Events carrying every bus message (current state first, then live). */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventBus, BusMessage } from '../bus/event-bus.ts';

const HEARTBEAT_MS = 15_000;

export function sseHandler(bus: EventBus) {
  return (c: Context) => {
    const topics = new URL(c.req.url).searchParams.getAll('topic');
    const wanted = (m: BusMessage) => topics.length === 0 || topics.some((t) => m.topic === t || m.topic.startsWith(`${t}.`));
    return streamSSE(c, async (stream) => {
      const queue: BusMessage[] = bus.snapshot().filter(wanted);
      let wake: (() => void) | null = null;
      const unsubscribe = bus.subscribe((m) => {
        if (!wanted(m)) return;
        queue.push(m);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      try {
        while (!stream.aborted) {
          while (queue.length) {
            const m = queue.shift()!;
            await stream.writeSSE({ event: m.topic, data: JSON.stringify(m) });
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, HEARTBEAT_MS);
          });
          wake = null;
          if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  };
}
