/**
 * Streams: every channel's health (up / down / stalled / ad break, delay, latest segment, rate), a
 * coverage bar over the chosen window (1 h … 72 h; one coverage request per bar, never a segment
 * listing), and live marking: scrub the live recording and press `m` (or the Mark button) to create an
 * event at the playhead minus the lead-in.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CoverageBar } from '../components/CoverageBar.tsx';
import { Player, type PlayerHandle } from '../components/Player.tsx';
import { useTopic } from '../lib/bus.ts';
import { createMark, listEvents, type EventView } from '../lib/events.ts';
import { useStreams } from '../lib/hooks.ts';
import { navigate } from '../lib/router.ts';
import { ago, clock, isoFromUs, US } from '../lib/time.ts';

const WINDOWS = [1, 6, 24, 72];
/** coverage bars redraw this often (one request per bar) */
const REFRESH_MS = 15_000;
/** the live player starts this far back, so there is something to scrub */
const LIVE_BACK = 15 * 60 * US;

export function Streams({ channel }: { channel?: string }) {
  const { streams, error: loadError } = useStreams();
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(channel ?? null);
  useEffect(() => {
    if (channel) setSelected(channel);
  }, [channel]);
  const [leadIn, setLeadIn] = useState(() => Number(localStorage.getItem('tapedeck.leadIn') ?? 30));
  const [hours, setHours] = useState(() => Number(localStorage.getItem('tapedeck.coverageHours') ?? 24));
  const [marks, setMarks] = useState<EventView[]>([]);
  const [now, setNow] = useState(() => Date.now() * 1000);
  const [playhead, setPlayhead] = useState<number | null>(null);
  // The newest segment in the store per channel (from the coverage answers): shown when the recorder
  // has not reported one (it restarted, or the channel was recorded elsewhere and backfilled).
  const [stored, setStored] = useState<Record<string, number | null>>({});
  const changes = useTopic('event.changed');
  const player = useRef<PlayerHandle>(null);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() * 1000), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  const refreshMarks = useCallback(() => {
    listEvents({ state: 'UNEDITED' }).then((e) => setMarks(e.slice(0, 20)), () => {});
  }, []);
  useEffect(refreshMarks, [refreshMarks, changes]);

  const current = streams.find((s) => s.channel === selected) ?? streams[0];
  // The live playlist URL changes only when the channel does (not on every tick), so playback is not reset.
  const liveSrc = useMemo(() => {
    if (!current) return null;
    const from = Math.floor((Date.now() * 1000 - LIVE_BACK) / US) * US;
    return `/playlist/${encodeURIComponent(current.channel)}/${encodeURIComponent(current.quality)}.m3u8?start=${isoFromUs(from)}`;
  }, [current?.channel, current?.quality]); // eslint-disable-line react-hooks/exhaustive-deps

  const mark = useCallback(async (channel = current?.channel) => {
    if (!channel) return;
    const t = (channel === current?.channel ? player.current?.wallTime() : null) ?? Date.now() * 1000;
    try {
      const ev = await createMark(channel, t, leadIn);
      setMarks((m) => [ev, ...m.filter((x) => x.id !== ev.id)]);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [current?.channel, leadIn]);

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

  const winEnd = Math.ceil(now / (10 * US)) * 10 * US;
  const winStart = winEnd - hours * 3600 * US;

  return (
    <section data-testid="streams">
      <div className="row spread">
        <h2>Streams</h2>
        <label>Coverage window <select aria-label="Coverage window" value={hours} data-testid="coverage-window"
          onChange={(e) => { setHours(Number(e.target.value)); localStorage.setItem('tapedeck.coverageHours', e.target.value); }}>
          {WINDOWS.map((h) => <option key={h} value={h}>last {h} h</option>)}
        </select></label>
      </div>
      {(error ?? loadError) && <p className="error" role="alert">{error ?? loadError}</p>}
      {streams.length === 0 && !loadError && <p className="muted">No channels yet. Start the node with <code>--channel NAME</code> or <code>--demo</code>, or add one in <a href="#/settings">Settings</a>.</p>}
      {streams.length > 0 && (
        <table className="streams">
          <thead><tr><th>channel</th><th>state</th><th>latest segment</th><th>delay</th><th>rate</th><th className="coverage-col">last {hours} h <span className="legend"><i className="full" />recorded <i className="partial" />partial <i className="hole" />hole</span></th><th /></tr></thead>
          <tbody>
            {streams.map((s) => (
              <tr key={`${s.channel}/${s.quality}`} className={s === current ? 'selected clickable' : 'clickable'} onClick={() => setSelected(s.channel)} data-testid={`stream-${s.channel}`}>
                <td className="nowrap">{s.important ? <span title="important: alerts when down">★ </span> : ''}{s.channel}<span className="muted">/{s.quality}</span></td>
                <td className="nowrap">
                  <span className={`pill ${s.state}`} data-testid={`stream-state-${s.channel}`} title={s.reason ?? undefined}>{s.state === 'ad' ? 'ad break' : s.state}</span>
                  {s.lastError && <span className="warn small" title={`last error: ${s.lastError}`}> ⚠</span>}
                </td>
                <td className="mono nowrap" data-testid={`latest-${s.channel}`}>{(() => {
                  const t = s.latestSegment ?? stored[`${s.channel}/${s.quality}`] ?? null;
                  return t ? <>{clock(t).slice(0, 8)} <span className="muted">({ago(t, now)})</span></> : '—';
                })()}</td>
                <td className="nowrap">{s.delaySeconds !== null ? `${s.delaySeconds.toFixed(1)} s` : '—'}</td>
                <td className="nowrap">{s.segmentsPerMinute ? `${s.segmentsPerMinute.toFixed(0)} seg/min` : '—'}{s.bytesPerMinute ? <span className="muted"> · {(s.bytesPerMinute * 8 / 60 / 1e6).toFixed(1)} Mbit/s</span> : ''}</td>
                <td className="coverage-col"><CoverageBar channel={s.channel} quality={s.quality} start={winStart} end={winEnd} marker={s === current ? playhead : null}
                  onLatest={(t) => setStored((m) => (m[`${s.channel}/${s.quality}`] === t ? m : { ...m, [`${s.channel}/${s.quality}`]: t }))} /></td>
                <td><button type="button" onClick={(e) => { e.stopPropagation(); void mark(s.channel); }} data-testid={`mark-${s.channel}`} title="Mark now (m marks the live player's playhead)">Mark</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="streams-bottom">
        {current && liveSrc && (
          <div className="live">
            <h3>{current.state === 'down' ? 'Latest recording' : 'Live'}: {current.channel} <span className="muted small">press <kbd>m</kbd> to mark the playhead minus the lead-in</span></h3>
            <Player ref={player} src={liveSrc} startAt={Date.now() * 1000 - 30 * US} onTime={(w) => setPlayhead(w)} />
            <label>Lead-in <input type="number" min={0} max={600} value={leadIn} aria-label="Lead-in seconds" className="narrow"
              onChange={(e) => { setLeadIn(Number(e.target.value)); localStorage.setItem('tapedeck.leadIn', e.target.value); }} /> s</label>
          </div>
        )}
        <div className="marks-panel">
          <h3>Marks to pick up</h3>
          <ul className="marks" data-testid="marks">
            {marks.map((m) => (
              <li key={m.id}>
                <a href={`#/editor/${m.id}`} onClick={(e) => { e.preventDefault(); navigate('editor', m.id); }} data-testid={`mark-link-${m.id}`}>
                  {m.channel} @ {m.eventStart ? clock(m.eventStart).slice(0, 8) : '?'}
                </a>
                {m.draft.title ? <span> — {m.draft.title}</span> : m.notes ? <span className="muted"> — {m.notes}</span> : null}
              </li>
            ))}
            {marks.length === 0 && <li className="muted">No unedited marks. Press <kbd>m</kbd> or a Mark button.</li>}
          </ul>
        </div>
      </div>
    </section>
  );
}
