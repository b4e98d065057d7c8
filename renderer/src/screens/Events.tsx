/** Events: filterable list (state, channel, tag, text) with who edited and when; opens the editor. */
import { useEffect, useState } from 'react';
import { useTopic } from '../lib/bus.ts';
import { listEvents, type EventFilter, type EventView } from '../lib/events.ts';
import { navigate } from '../lib/router.ts';
import { clock } from '../lib/time.ts';

const STATES = ['', 'UNEDITED', 'EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING', 'DONE', 'MODIFIED'];

export function Events() {
  const [filter, setFilter] = useState<EventFilter>({});
  const [events, setEvents] = useState<EventView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const changes = useTopic('event.changed');
  useEffect(() => {
    const t = setTimeout(() => listEvents(filter).then((e) => { setEvents(e); setError(null); }, (e) => setError((e as Error).message)), 150);
    return () => clearTimeout(t);
  }, [filter, changes]);
  const set = (k: keyof EventFilter) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setFilter((f) => ({ ...f, [k]: e.target.value || undefined }));
  return (
    <section data-testid="events">
      <h2>Events</h2>
      <div className="row filters">
        <select aria-label="State" value={filter.state ?? ''} onChange={set('state')}>{STATES.map((s) => <option key={s} value={s}>{s || 'any state'}</option>)}</select>
        <input aria-label="Channel" placeholder="channel" value={filter.channel ?? ''} onChange={set('channel')} />
        <input aria-label="Tag" placeholder="tag" value={filter.tag ?? ''} onChange={set('tag')} />
         <input aria-label="Search" className="wide" placeholder="search title, description, notes" value={filter.q ?? ''} onChange={set('q')} />
      </div>
      {error && <p className="error">{error}</p>}
      <table>
        <thead><tr><th>start</th><th>channel</th><th>title</th><th>state</th><th>edited by</th><th>when</th><th>video</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} className="clickable" onClick={() => navigate('editor', e.id)} data-testid={`event-row-${e.id}`}>
              <td className="mono">{e.eventStart ? clock(e.eventStart) : '—'}</td>
              <td>{e.channel}</td>
              <td>{e.draft.title || <span className="muted">{e.notes || 'untitled'}</span>}</td>
              <td><span className={`state state-${e.state}`}>{e.state}</span>{e.error && <span className="error small" title={e.error}> ⚠</span>}</td>
              <td>{e.editor ?? '—'}</td>
              <td>{e.editTime ? new Date(e.editTime).toLocaleString() : '—'}</td>
              <td>{e.videoLink ? <a href={e.videoLink} target="_blank" rel="noreferrer" onClick={(ev) => ev.stopPropagation()}>link</a> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 && !error && <p className="muted">No events match.</p>}
    </section>
  );
}
