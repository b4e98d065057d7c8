/**
 * Live updates from /api/events (Server-Sent Events). One EventSource for the whole app; components
 * subscribe to topics. The server sends current state first, so a reload shows the truth immediately.
 */
import { useEffect, useState } from 'react';

export interface BusMessage<T = unknown> {
  topic: string;
  key?: string;
  data: T;
  time: number;
}

/** Every topic the UI listens to (SSE named events need one listener per name). */
export const TOPICS = ['stream.status', 'stream.transition', 'worker.status', 'worker.crashloop', 'event.changed', 'upload.progress',
  'upload.failed', 'quota.parked', 'account.needs_reconnect', 'account.connected', 'account.connect_failed', 'tombstones.created',
  'settings.changed', 'playlist.status', 'playlists.changed', 'cutter.status'];

type Listener = (m: BusMessage) => void;
const listeners = new Set<Listener>();
const latest = new Map<string, BusMessage>();
let source: EventSource | null = null;
let connected = false;
const connectionListeners = new Set<(c: boolean) => void>();

function ensureSource() {
  if (source || typeof EventSource === 'undefined') return;
  // Only the topics the UI shows (the bus also carries e.g. every recorded segment).
  source = new EventSource(`/api/events?${TOPICS.map((t) => `topic=${encodeURIComponent(t)}`).join('&')}`);
  source.onopen = () => {
    connected = true;
    connectionListeners.forEach((l) => l(true));
  };
  source.onerror = () => {
    connected = false;
    connectionListeners.forEach((l) => l(false));
  };
  const onMessage = (e: MessageEvent) => {
    let m: BusMessage;
    try {
      m = JSON.parse(e.data as string) as BusMessage;
    } catch {
      return;
    }
    latest.set(`${m.topic}\0${m.key ?? ''}`, m);
    listeners.forEach((l) => l(m));
  };
  source.onmessage = onMessage;
  // Named events (event: <topic>) do not reach onmessage; listen on the prefix families we use.
  for (const t of TOPICS) {
    source.addEventListener(t, onMessage as EventListener);
  }
}

export function subscribe(fn: Listener): () => void {
  ensureSource();
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Latest message per key for a topic, kept up to date. */
export function useTopic<T>(topic: string): Map<string, BusMessage<T>> {
  const [map, setMap] = useState(() => {
    const m = new Map<string, BusMessage<T>>();
    for (const v of latest.values()) if (v.topic === topic) m.set(v.key ?? '', v as BusMessage<T>);
    return m;
  });
  useEffect(() => subscribe((m) => {
    if (m.topic !== topic) return;
    setMap((prev) => new Map(prev).set(m.key ?? '', m as BusMessage<T>));
  }), [topic]);
  return map;
}

export function useConnected(): boolean {
  const [c, setC] = useState(connected);
  useEffect(() => {
    ensureSource();
    connectionListeners.add(setC);
    return () => void connectionListeners.delete(setC);
  }, []);
  return c;
}
