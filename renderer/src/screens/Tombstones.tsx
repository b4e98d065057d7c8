/**
 * Tombstones: pick a channel, quality and a time range (drag on the coverage bar or type times), see which
 * segment files it covers (dry run), tombstone them with a reason, and list existing tombstones. A
 * tombstoned segment disappears from playlists, cuts and backfill on every node.
 */
import { useEffect, useState } from 'react';
import { CoverageBar } from '../components/CoverageBar.tsx';
import { api } from '../lib/api.ts';
import { editorName } from '../lib/events.ts';
import { useApi } from '../lib/hooks.ts';
import { clock, clockUs, isoFromUs, parseTimeNear, US } from '../lib/time.ts';

interface Tomb { path: string; start: number; duration: number; reason: string | null; by: string | null; time: string | null }

function TimeInput({ label, value, near, onChange }: { label: string; value: number | null; near: number; onChange: (v: number) => void }) {
  const [text, setText] = useState(value === null ? '' : clockUs(value));
  useEffect(() => setText(value === null ? '' : clockUs(value)), [value]);
  const bad = text !== '' && parseTimeNear(text, near) === null;
  const commit = () => {
    const v = parseTimeNear(text, near);
    if (v !== null) onChange(v);
  };
  return <label>{label} <input aria-label={label} className={`mono time ${bad ? 'invalid' : ''}`} value={text} placeholder="HH:MM:SS.ffffff" onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => { if (e.key === 'Enter') commit(); }} /></label>;
}

export function Tombstones() {
  const channels = useApi<string[]>('/files');
  const [channel, setChannel] = useState('');
  const ch = channel || channels.data?.[0] || '';
  const qualities = useApi<string[]>(ch ? `/files/${encodeURIComponent(ch)}` : null);
  const [quality, setQuality] = useState('');
  const q = quality && qualities.data?.includes(quality) ? quality : qualities.data?.find((x) => x !== 'chat') ?? '';
  const [now, setNow] = useState(() => Date.now() * 1000);
  const [hours, setHours] = useState(1);
  const [sel, setSel] = useState<[number, number] | null>(null);
  const [reason, setReason] = useState('');
  const [dry, setDry] = useState<string[] | null>(null);
  const [list, setList] = useState<Tomb[]>([]);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [refresh, setRefresh] = useState(0);
  const win: [number, number] = [now - Math.round(hours * 3600) * US, now];

  useEffect(() => {
    if (!ch || !q) return;
    api<Tomb[]>(`/api/tombstones/${encodeURIComponent(ch)}/${encodeURIComponent(q)}?start=${isoFromUs(win[0])}&end=${isoFromUs(win[1])}`).then(setList, (e) => setMsg({ ok: false, text: (e as Error).message }));
  }, [ch, q, now, hours, refresh]); // eslint-disable-line react-hooks/exhaustive-deps

  // The name from the top bar, as on events, so the list below says who tombstoned what.
  const body = () => ({ channel: ch, quality: q, reason: reason.trim(), start: sel ? isoFromUs(sel[0]) : undefined, end: sel ? isoFromUs(sel[1]) : undefined, editor: editorName() });
  const preview = async () => {
    try {
      setDry((await api<{ paths: string[] }>('/api/tombstones', { body: { ...body(), reason: reason.trim() || 'preview', dryRun: true } })).paths);
      setMsg(null);
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const commit = async () => {
    try {
      const r = await api<{ created: string[] }>('/api/tombstones', { body: body() });
      setMsg({ ok: true, text: `Tombstoned ${r.created.length} segment file(s): hidden from playback, cuts and backfill.` });
      setDry(null);
      setSel(null);
      setReason('');
      setNow(Date.now() * 1000);
      setRefresh((x) => x + 1);
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const change = (next: [number, number]) => {
    setSel(next[1] > next[0] ? next : [next[1], next[0]]);
    setDry(null);
  };

  return (
    <section data-testid="tombstones">
      <h2>Tombstones</h2>
      <p className="muted small">Hide recorded segments (a DMCA claim, personal information, a broken recording) from playback, every cut and every peer. Drag over the bar or type a time range, preview, then tombstone with a reason.</p>
      {channels.error && <p className="error">{channels.error}</p>}
      {channels.data && channels.data.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      <div className="row">
        <label>Channel <select aria-label="Channel" value={ch} onChange={(e) => { setChannel(e.target.value); setSel(null); setDry(null); }}>
          {(channels.data ?? []).map((c) => <option key={c}>{c}</option>)}
        </select></label>
        <label>Quality <select aria-label="Quality" value={q} onChange={(e) => setQuality(e.target.value)}>
          {(qualities.data ?? []).filter((x) => x !== 'chat').map((x) => <option key={x}>{x}</option>)}
        </select></label>
        <label>Window <select aria-label="Window" value={hours} onChange={(e) => { setHours(Number(e.target.value)); setNow(Date.now() * 1000); }}>
          {[1 / 6, 1, 6, 24, 72].map((h) => <option key={h} value={h}>last {h < 1 ? `${Math.round(h * 60)} min` : `${h} h`}</option>)}
        </select></label>
        <button type="button" onClick={() => setNow(Date.now() * 1000)}>Refresh</button>
      </div>
      {ch && q && <CoverageBar channel={ch} quality={q} start={win[0]} end={win[1]} refreshKey={refresh} selection={sel} onSelect={(a, b) => change([a, b])} />}
      <div className="row">
        <TimeInput label="From" value={sel?.[0] ?? null} near={now} onChange={(v) => change([v, sel?.[1] ?? v + 2 * US])} />
        <TimeInput label="To" value={sel?.[1] ?? null} near={now} onChange={(v) => change([sel?.[0] ?? v - 2 * US, v])} />
        <label>Reason <input aria-label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (required)" /></label>
        <button type="button" disabled={!sel} onClick={() => void preview()} data-testid="tombstone-preview-button">Preview</button>
        <button type="button" className="danger" disabled={!sel || !reason.trim()} onClick={() => void commit()} data-testid="tombstone-commit">Tombstone</button>
      </div>
      {dry && (
        <div data-testid="tombstone-preview">
          <p>{dry.length} segment file(s) would be hidden from playback, cuts and backfill{dry.length ? ':' : '.'}</p>
          <ul className="mono small files">{dry.slice(0, 50).map((p) => <li key={p}>{p}</li>)}{dry.length > 50 && <li>… {dry.length - 50} more</li>}</ul>
        </div>
      )}
      {msg && <p role="status" className={msg.ok ? 'ok' : 'error'}>{msg.text}</p>}
      <h3>Tombstoned in the last {hours < 1 ? `${Math.round(hours * 60)} min` : `${hours} h`}</h3>
      <table data-testid="tombstone-list">
        <thead><tr><th>segment start</th><th>file</th><th>reason</th><th>by</th><th>when</th></tr></thead>
        <tbody>{list.map((t) => <tr key={t.path}><td className="mono">{clock(t.start)}</td><td className="mono small">{t.path.split('/').pop()}</td><td>{t.reason ?? <span className="muted">(from a peer)</span>}</td><td data-testid="tombstone-by">{t.by ?? '—'}</td><td>{t.time ? new Date(t.time).toLocaleString() : '—'}</td></tr>)}</tbody>
      </table>
      {list.length === 0 && <p className="muted">None.</p>}
    </section>
  );
}
