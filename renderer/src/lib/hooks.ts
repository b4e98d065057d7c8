/** Small data hooks shared by the screens. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from './api.ts';
import { subscribe, useTopic } from './bus.ts';
import { streamsFromResponse, toStreamView, type StreamView } from './streams.ts';

/** GET `path` once (and again whenever `reloadKey` changes or a message on one of `topics` arrives). */
export function useApi<T>(path: string | null, opts: { reloadKey?: unknown; topics?: string[] } = {}): { data: T | undefined; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  const topics = (opts.topics ?? []).join(',');
  useEffect(() => {
    if (!topics) return;
    const wanted = topics.split(',');
    return subscribe((m) => {
      if (wanted.includes(m.topic)) setN((x) => x + 1);
    });
  }, [topics]);
  useEffect(() => {
    if (!path) return;
    const ctl = new AbortController();
    api<T>(path, { signal: ctl.signal }).then((d) => { setData(d); setError(null); }, (e) => { if (!ctl.signal.aborted) setError((e as Error).message); });
    return () => ctl.abort();
  }, [path, opts.reloadKey, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data, error, reload };
}

/** Stream health: the /api/streams snapshot, kept current by `stream.status` messages. */
export function useStreams(): { streams: StreamView[]; error: string | null } {
  const { data, error } = useApi<unknown>('/api/streams', { topics: ['settings.changed'] });
  const live = useTopic<Record<string, unknown>>('stream.status');
  const streams = useMemo(() => {
    const byKey = new Map(streamsFromResponse(data ?? []).map((s) => [`${s.channel}/${s.quality}`, s]));
    for (const m of live.values()) {
      for (const v of streamsFromResponse([m.data])) {
        const key = `${v.channel}/${v.quality}`;
        // A status message newer than the snapshot wins.
        byKey.set(key, v);
      }
    }
    return [...byKey.values()].sort((a, b) => Number(b.important) - Number(a.important) || a.channel.localeCompare(b.channel));
  }, [data, live]);
  return { streams, error };
}

export { toStreamView };
