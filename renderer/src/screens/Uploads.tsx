/**
 * Uploads: the cut/upload queue with live progress (bytes, rate, ETA) from `upload.progress`, TRANSCODING
 * rows, errors (a retrying row is EDITED with an error; a failed one went back to UNEDITED), per-job
 * actions, recently published videos with their links, and each Google project's quota with parked
 * locations.
 */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { useTopic } from '../lib/bus.ts';
import { eventAction, listEvents, type EventView } from '../lib/events.ts';
import { progressView, type UploadProgress } from '../lib/progress.ts';
import { navigate } from '../lib/router.ts';

interface QuotaRow { project?: string; account?: string; accounts?: string[]; used?: number; limit?: number; parkedUntil?: string | null; uploadsUsed?: number; uploadsLimit?: number | null; resetsAt?: string }

const ACTIVE = ['EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING'];

function EditorLink({ e }: { e: EventView }) {
  return <a href={`#/editor/${e.id}`} onClick={(ev) => { ev.preventDefault(); navigate('editor', e.id); }}>{e.draft.title || e.notes || e.id.slice(0, 8)}</a>;
}

export function Uploads() {
  const [queue, setQueue] = useState<EventView[]>([]);
  const [failed, setFailed] = useState<EventView[]>([]);
  const [done, setDone] = useState<EventView[]>([]);
  const [quota, setQuota] = useState<QuotaRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const progress = useTopic<UploadProgress>('upload.progress');
  const changes = useTopic('event.changed');
  const parked = useTopic<Record<string, unknown>>('quota.parked');

  useEffect(() => {
    const t = setTimeout(() => {
      Promise.all([
        Promise.all(ACTIVE.map((s) => listEvents({ state: s }))),
        listEvents({ state: 'UNEDITED' }),
        Promise.all(['DONE', 'MODIFIED'].map((s) => listEvents({ state: s }))),
      ]).then(([active, unedited, finished]) => {
        setQueue(active.flat());
        setFailed(unedited.filter((e) => e.error));
        setDone(finished.flat().sort((a, b) => String(b.editTime ?? '').localeCompare(String(a.editTime ?? ''))).slice(0, 20));
        setError(null);
      }, (e) => setError((e as Error).message));
    }, 100);
    return () => clearTimeout(t);
  }, [changes]);
  useEffect(() => {
    api<unknown>('/api/quota').then((q) => setQuota((Array.isArray(q) ? q : ((q as { projects?: QuotaRow[] }).projects ?? [])) as QuotaRow[]), () => setQuota([]));
  }, [parked, done.length]);

  const act = async (e: EventView, action: 'cancel' | 'reset') => {
    if (action === 'reset' && !confirm(`Force reset "${e.draft.title}" to UNEDITED? If it was FINALIZING, check YouTube first: the video may exist.`)) return;
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
      <h3>Queue</h3>
      {queue.length === 0 ? <p className="muted">Nothing queued.</p> : (
        <table>
          <thead><tr><th>title</th><th>state</th><th>progress</th><th>notes</th><th /></tr></thead>
          <tbody>
            {queue.map((e) => {
              const p = progress.get(e.id)?.data;
              const pv = progressView(p, e.state);
              return (
                <tr key={e.id} data-testid={`upload-${e.id}`}>
                  <td><EditorLink e={e} /> <span className="muted small">{e.channel}</span></td>
                  <td className="nowrap"><span className={`state state-${e.state}`}>{e.state}</span></td>
                  <td className="progress-cell">
                    {pv && (
                      <>
                        {pv.pct !== null ? <progress max={100} value={pv.pct} data-testid={`progress-${e.id}`} /> : pv.busy ? <progress /> : null}
                        <span className="muted small"> {pv.label}{pv.detail ? ` · ${pv.detail}` : ''}</span>
                      </>
                    )}
                  </td>
                  <td>{e.error ? <span className="warn">retrying: {e.error}</span> : e.uploader ? <span className="muted small">on {e.uploader}</span> : null}</td>
                  <td><div className="row actions-cell">
                    {['EDITED', 'CLAIMED'].includes(e.state) && <button type="button" onClick={() => void act(e, 'cancel')}>Cancel</button>}
                    <button type="button" onClick={() => void act(e, 'reset')}>Force reset</button>
                  </div></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {failed.length > 0 && (
        <>
          <h3>Failed</h3>
          <table>
            <thead><tr><th>title</th><th>error</th><th /></tr></thead>
            <tbody>{failed.map((e) => (
              <tr key={e.id} data-testid={`failed-${e.id}`}>
                <td><EditorLink e={e} /></td>
                <td className="error">{e.error}</td>
                <td><button type="button" onClick={() => navigate('editor', e.id)}>Fix &amp; resubmit</button></td>
              </tr>
            ))}</tbody>
          </table>
        </>
      )}
      <h3>Published</h3>
      {done.length === 0 ? <p className="muted">Nothing published yet.</p> : (
        <table>
          <thead><tr><th>title</th><th>state</th><th>video</th><th>when</th></tr></thead>
          <tbody>{done.map((e) => (
            <tr key={e.id} data-testid={`done-${e.id}`}>
              <td><EditorLink e={e} /></td>
              <td><span className={`state state-${e.state}`}>{e.state}</span></td>
              <td>{e.videoLink ? <a href={e.videoLink} target="_blank" rel="noreferrer">{e.videoLink}</a> : '—'}</td>
              <td className="small">{e.editTime ? new Date(e.editTime).toLocaleString() : '—'}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
      <h3>Quota</h3>
      {quota === null ? <p className="muted">Loading…</p> : quota.length === 0 ? <p className="muted">No YouTube accounts connected.</p> : (
        <table>
          <thead><tr><th>Google project</th><th>accounts</th><th>units today</th><th>uploads today</th><th>status</th></tr></thead>
          <tbody>
            {quota.map((q, i) => (
              <tr key={i} data-testid="quota-row">
                <td className="mono small">{q.project ?? q.account}</td>
                <td>{(q.accounts ?? []).join(', ')}</td>
                <td className="nowrap">{q.used !== undefined && q.limit ? <><progress max={q.limit} value={q.used} /> {q.used}/{q.limit}</> : '—'}</td>
                {/* no uploadsLimit: inserts spend the units above, so only the count means anything */}
                <td data-testid="quota-uploads">{q.uploadsLimit ? `${q.uploadsUsed ?? 0}/${q.uploadsLimit}` : q.uploadsUsed ?? '—'}</td>
                <td>{q.parkedUntil ? <span className="warn">parked until {new Date(q.parkedUntil).toLocaleString()}</span> : <span className="ok">ok</span>}{q.resetsAt && <span className="muted small"> · resets {new Date(q.resetsAt).toLocaleTimeString()}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
