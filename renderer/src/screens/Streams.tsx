/**
 * Streams: every channel's health (up / down / stalled / ad break, delay, latest segment, rate), a
 * 24-hour coverage bar, a banner when an important channel is down, and live marking: scrub the live
 * recording and press `m` (or the Mark button) to create an event at the playhead minus the lead-in.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CoverageBar } from '../components/CoverageBar.tsx';
import { Player, type PlayerHandle } from '../components/Player.tsx';
import { api } from '../lib/api.ts';
import { useTopic } from '../lib/bus.ts';
import { createMark, listEvents, type EventView } from '../lib/events.ts';
import { navigate } from '../lib/router.ts';
import { streamsFromResponse, toStreamView, type StreamView } from '../lib/streams.ts';
import { ago, clock, isoFromUs, US } from '../lib/time.ts';

const DAY = 24 * 3600 * US;

export function Streams() {
  const [streams, setStreams] = useState<StreamView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [leadIn, setLeadIn] = useState(() => Number(localStorage.getItem('tapedeck.leadIn') ?? 30));
  const [marks, setMarks] = useState<EventView[]>([]);
  const [now, setNow] = useState(() => Date.now() * 1000);
  const live = useTopic<Record<string, unknown>>('stream.status');
  const player = useRef<PlayerHandle>(null);

  useEffect(() => {
    api<unknown>('/api/streams').then((b) => setStreams(streamsFromResponse(b)), (e) => setError((e as Error).message));
    const t = setInterval(() => setNow(Date.now() * 1000), 60_000);
    return () => clearInterval(t);
  }, []);
  const refreshMarks = useCallback(() => {
    listEvents({ state: 'UNEDITED' }).then((e) => setMarks(e.slice(0, 20)), () => {});
  }, []);
  useEffect(refreshMarks, [refreshMarks]);

  // Live bus updates override the initial snapshot.
  const merged = useMemo(() => {
    const byKey = new Map(streams.map((s) => [`${s.channel}/${s.quality}`, s]));
    for (const m of live.values()) {
      const v = toStreamView(m.data);
      byKey.set(`${v.channel}/${v.quality}`, v);
    }
    return [...byKey.values()].sort((a, b) => Number(b.important) - Number(a.important) || a.channel.localeCompare(b.channel));
  }, [streams, live]);
  const current = merged.find((s) => s.channel === selected) ?? merged[0];
  const downImportant = merged.filter((s) => s.important && (s.state === 'down' || s.state === 'stalled'));

  const mark = useCallback(async () => {
    if (!current) return;
    const t = player.current?.wallTime() ?? Date.now() * 1000;
    try {
      await createMark(current.channel, t, leadIn);
      refreshMarks();
    } catch (e) {
      setError((e as Error).message);
    }
  }, [current, leadIn, refreshMarks]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT')) return;
      if (e.key === 'm' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        void mark();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mark]);

  const liveSrc = current ? `/playlist/${encodeURIComponent(current.channel)}/${encodeURIComponent(current.quality)}.m3u8?start=${isoFromUs(Math.floor((now - 15 * 60 * US) / US) * US)}` : null;

  return (
    <section data-testid="streams">
      {downImportant.map((s) => (
        <div key={s.channel} className="banner" role="alert" data-testid="down-banner">
          Important channel <b>{s.channel}</b> is {s.state}{s.latestSegment ? ` — last segment ${ago(s.latestSegment)}` : ''}
        </div>
      ))}
      <h2>Streams</h2>
      {error && <p className="error">{error}</p>}
      {merged.length === 0 && <p className="muted">No channels yet. Start the node with <code>--channel NAME</code> or <code>--demo</code>, or add one in Settings.</p>}
      <table className="streams">
        <thead><tr><th>channel</th><th>state</th><th>latest segment</th><th>delay</th><th>rate</th><th>last 24 h</th><th /></tr></thead>
        <tbody>
          {merged.map((s) => (
            <tr key={`${s.channel}/${s.quality}`} className={s === current ? 'selected' : ''} onClick={() => setSelected(s.channel)} data-testid={`stream-${s.channel}`}>
              <td>{s.important ? '★ ' : ''}{s.channel}<span className="muted">/{s.quality}</span></td>
              <td><span className={`pill ${s.state}`} data-testid={`stream-state-${s.channel}`}>{s.state === 'ad' ? 'ad break' : s.state}</span>{s.lastError && <span className="error small" title={s.lastError}> ⚠</span>}</td>
              <td className="mono">{s.latestSegment ? `${clock(s.latestSegment)} (${ago(s.latestSegment, now)})` : '—'}</td>
              <td>{s.delaySeconds !== null ? `${s.delaySeconds.toFixed(1)} s` : '—'}</td>
              <td>{s.segmentsPerMinute !== null ? `${s.segmentsPerMinute.toFixed(0)} seg/min` : '—'}{s.bytesPerMinute !== null ? ` · ${(s.bytesPerMinute * 8 / 60 / 1e6).toFixed(1)} Mbit/s` : ''}</td>
              <td><CoverageBar channel={s.channel} quality={s.quality} start={now - DAY} end={now} refreshKey={Math.floor(now / (60 * US))} /></td>
              <td><button type="button" onClick={(e) => { e.stopPropagation(); setSelected(s.channel); void mark(); }}>Mark</button></td>
            </tr>
          ))}
        </tbody>
      </table>

      {current && liveSrc && (
        <div className="live">
          <h3>Live: {current.channel} <span className="muted">press <kbd>m</kbd> to mark the playhead minus the lead-in</span></h3>
          <Player ref={player} src={liveSrc} startAt={now - 30 * US} />
          <label>Lead-in <input type="number" min={0} max={600} value={leadIn} aria-label="Lead-in seconds"
            onChange={(e) => { setLeadIn(Number(e.target.value)); localStorage.setItem('tapedeck.leadIn', e.target.value); }} /> s</label>
        </div>
      )}

      <h3>Marks to pick up</h3>
      <ul className="marks" data-testid="marks">
        {marks.map((m) => (
          <li key={m.id}><a href={`#/editor/${m.id}`} onClick={(e) => { e.preventDefault(); navigate('editor', m.id); }}>{m.channel} @ {m.eventStart ? clock(m.eventStart) : '?'}</a> {m.draft.title && <span>— {m.draft.title}</span>}</li>
        ))}
        {marks.length === 0 && <li className="muted">No unedited marks.</li>}
      </ul>
    </section>
  );
}
