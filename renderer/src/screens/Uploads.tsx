/**
 * Uploads: the cut/upload queue with live progress (bytes, rate, ETA) from `upload.progress`, TRANSCODING
 * rows, errors with their retryable flag, per-job actions, and each account's quota with parked locations.
 */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { useTopic } from '../lib/bus.ts';
import { eventAction, listEvents, type EventView } from '../lib/events.ts';
import { navigate } from '../lib/router.ts';

interface Progress { eventId?: string; id?: string; stage?: string; bytes?: number; total?: number; rate?: number; eta?: number | null; retryable?: boolean; message?: string }
interface QuotaRow { project?: string; account?: string; used?: number; limit?: number; parkedUntil?: string | null; uploadsUsed?: number; uploadsLimit?: number }

const ACTIVE = ['EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING'];
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

export function Uploads() {
  const [events, setEvents] = useState<EventView[]>([]);
  const [quota, setQuota] = useState<QuotaRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const progress = useTopic<Progress>('upload.progress');
  const changes = useTopic('event.changed');
  const parked = useTopic<Record<string, unknown>>('quota.parked');

  useEffect(() => {
    Promise.all(ACTIVE.map((s) => listEvents({ state: s }))).then((lists) => {
      setEvents(lists.flat());
      setError(null);
    }, (e) => setError((e as Error).message));
    listEvents({}).then((all) => setEvents((cur) => [...cur.filter((e) => ACTIVE.includes(e.state)), ...all.filter((e) => !ACTIVE.includes(e.state) && e.error)]), () => {});
  }, [changes]);
  useEffect(() => {
    api<unknown>('/api/quota').then((q) => setQuota((Array.isArray(q) ? q : ((q as { projects?: QuotaRow[] }).projects ?? [])) as QuotaRow[]), () => {});
  }, [parked]);

  const act = async (e: EventView, action: 'cancel' | 'reset') => {
    if (action === 'reset' && !confirm(`Force reset "${e.draft.title}" to UNEDITED? Check YouTube first if it was FINALIZING.`)) return;
    try {
      await eventAction(e, action);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section data-testid="uploads">
      <h2>Uploads</h2>
      {error && <p className="error">{error}</p>}
      <table>
        <thead><tr><th>title</th><th>state</th><th>progress</th><th>error</th><th /></tr></thead>
        <tbody>
          {events.map((e) => {
            const p = progress.get(e.id)?.data;
            const pct = p?.total ? Math.min(100, (100 * (p.bytes ?? 0)) / p.total) : null;
            return (
              <tr key={e.id} data-testid={`upload-${e.id}`}>
                <td><a href={`#/editor/${e.id}`} onClick={(ev) => { ev.preventDefault(); navigate('editor', e.id); }}>{e.draft.title || e.id.slice(0, 8)}</a></td>
                <td><span className={`state state-${e.state}`}>{e.state}</span>{p?.stage && <span className="muted"> {p.stage}</span>}</td>
                <td style={{ minWidth: 220 }}>
                  {pct !== null && (
                    <>
                      <progress max={100} value={pct} data-testid={`progress-${e.id}`} />
                      <span className="muted small"> {mb(p!.bytes ?? 0)} / {mb(p!.total!)}{p!.rate ? ` · ${mb(p!.rate)}/s` : ''}{p!.eta != null ? ` · ETA ${Math.round(p!.eta)} s` : ''}</span>
                    </>
                  )}
                </td>
                <td>{e.error && <span className={e.state === 'EDITED' ? 'warn' : 'error'}>{e.state === 'EDITED' ? 'retrying: ' : ''}{e.error}</span>}</td>
                <td className="row">
                  {['EDITED', 'CLAIMED'].includes(e.state) && <button type="button" onClick={() => void act(e, 'cancel')}>Cancel</button>}
                  <button type="button" onClick={() => void act(e, 'reset')}>Force reset</button>
                  {e.state === 'UNEDITED' && e.error && <button type="button" onClick={() => navigate('editor', e.id)}>Fix &amp; retry</button>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {events.length === 0 && <p className="muted">Nothing queued.</p>}
      <h3>Quota</h3>
      <table>
        <thead><tr><th>project / account</th><th>units today</th><th>uploads today</th><th>status</th></tr></thead>
        <tbody>
          {quota.map((q, i) => (
            <tr key={i} data-testid="quota-row">
              <td>{q.project ?? q.account}</td>
              <td>{q.used !== undefined && q.limit ? <><progress max={q.limit} value={q.used} /> {q.used}/{q.limit}</> : '—'}</td>
              <td>{q.uploadsLimit ? `${q.uploadsUsed ?? 0}/${q.uploadsLimit}` : '—'}</td>
              <td>{q.parkedUntil ? <span className="warn">parked until {new Date(q.parkedUntil).toLocaleString()}</span> : 'ok'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {quota.length === 0 && <p className="muted">No YouTube accounts connected.</p>}
    </section>
  );
}
