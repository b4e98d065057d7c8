/**
 * Tombstones: pick a channel and a time range (drag on the coverage bar or type times), see which
 * segment files it covers (dry run), tombstone them with a reason, and list existing tombstones.
 */
import { useEffect, useState } from 'react';
import { CoverageBar } from '../components/CoverageBar.tsx';
import { api } from '../lib/api.ts';
import { clock, isoFromUs, US, usFromIso } from '../lib/time.ts';

interface Tomb { path: string; start: number; duration: number; reason: string | null; by: string | null; time: string | null }

export function Tombstones() {
  const [channels, setChannels] = useState<string[]>([]);
  const [channel, setChannel] = useState('');
  const [quality, setQuality] = useState('source');
  const [now] = useState(() => Date.now() * 1000);
  const [win, setWin] = useState<[number, number]>(() => [now - 6 * 3600 * US, now]);
  const [sel, setSel] = useState<[number, number] | null>(null);
  const [reason, setReason] = useState('');
  const [dry, setDry] = useState<string[] | null>(null);
  const [list, setList] = useState<Tomb[]>([]);
  const [msg, setMsg] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    // Every channel in the store, including ones only backfilled from peers.
    api<string[]>('/files').then((list) => {
      setChannels(list);
      if (!channel && list[0]) setChannel(list[0]);
    }, (e) => setMsg((e as Error).message));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!channel) return;
    api<Tomb[]>(`/api/tombstones/${encodeURIComponent(channel)}/${encodeURIComponent(quality)}?start=${isoFromUs(win[0])}&end=${isoFromUs(win[1])}`).then(setList, (e) => setMsg((e as Error).message));
  }, [channel, quality, win, refresh]);

  const body = () => ({ channel, quality, reason, start: sel ? isoFromUs(sel[0]) : undefined, end: sel ? isoFromUs(sel[1]) : undefined });
  const preview = async () => {
    try {
      setDry((await api<{ paths: string[] }>('/api/tombstones', { body: { ...body(), reason: reason || 'preview', dryRun: true } })).paths);
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  const commit = async () => {
    try {
      const r = await api<{ created: string[] }>('/api/tombstones', { body: body() });
      setMsg(`Tombstoned ${r.created.length} segment file(s).`);
      setDry(null);
      setSel(null);
      setRefresh((x) => x + 1);
    } catch (e) {
      setMsg((e as Error).message);
    }
  };

  return (
    <section data-testid="tombstones">
      <h2>Tombstones</h2>
      <div className="row">
        <label>Channel <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
          {channels.map((c) => <option key={c}>{c}</option>)}
        </select></label>
        <label>Quality <input aria-label="Quality" value={quality} onChange={(e) => setQuality(e.target.value)} /></label>
        <label>Window <select aria-label="Window" onChange={(e) => setWin([now - Number(e.target.value) * 3600 * US, now])} defaultValue="6">
          {[1, 6, 24, 72].map((h) => <option key={h} value={h}>last {h} h</option>)}
        </select></label>
      </div>
      {channel && <CoverageBar channel={channel} quality={quality} start={win[0]} end={win[1]} buckets={600} refreshKey={refresh} selection={sel} onSelect={(a, b) => { setSel([a, b]); setDry(null); }} />}
      <div className="row">
        <label>From <input aria-label="From" className="mono time" value={sel ? isoFromUs(sel[0]) : ''} onChange={(e) => { const v = usFromIso(e.target.value); if (v !== null) setSel([v, sel?.[1] ?? v + 2 * US]); }} /></label>
        <label>To <input aria-label="To" className="mono time" value={sel ? isoFromUs(sel[1]) : ''} onChange={(e) => { const v = usFromIso(e.target.value); if (v !== null) setSel([sel?.[0] ?? v - 2 * US, v]); }} /></label>
        <label>Reason <input aria-label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (required)" /></label>
        <button type="button" disabled={!sel} onClick={() => void preview()}>Preview</button>
        <button type="button" className="danger" disabled={!sel || !reason.trim()} onClick={() => void commit()} data-testid="tombstone-commit">Tombstone</button>
      </div>
      {dry && <p data-testid="tombstone-preview">{dry.length} segment file(s) would be hidden from playback, cuts and backfill.</p>}
      {msg && <p role="status">{msg}</p>}
      <table>
        <thead><tr><th>segment start</th><th>file</th><th>reason</th><th>when</th></tr></thead>
        <tbody>{list.map((t) => <tr key={t.path}><td className="mono">{clock(t.start)}</td><td className="mono small">{t.path.split('/').pop()}</td><td>{t.reason ?? <span className="muted">(from a peer)</span>}</td><td>{t.time ? new Date(t.time).toLocaleString() : '—'}</td></tr>)}</tbody>
      </table>
    </section>
  );
}
