/**
 * The editor: scrub the recording around an event in hls.js, set one or more ranges with transitions,
 * choose a thumbnail, write the metadata, preview the cut, save or submit. Keyboard-first (see
 * editor/shortcuts.ts); unsaved changes live in localStorage until saved, so nothing typed is lost on
 * reload, navigation or a crash.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Player, type PlayerHandle } from '../components/Player.tsx';
import { ApiError } from '../lib/api.ts';
import { eventAction, getEvent, writeEvent, type Conflict, type EventView } from '../lib/events.ts';
import { clock, duration, isoFromUs, US, usFromIso } from '../lib/time.ts';
import { draftKey, loadStoredDraft, outputSeconds, parseTags, storeDraft, validate, type Draft } from '../editor/model.ts';
import { keyToAction, nextSpeed, SHORTCUT_HELP } from '../editor/shortcuts.ts';
import { TRANSITIONS } from '../editor/transitions.ts';

const PAD_BEFORE = 60 * US;
const PAD_AFTER = 120 * US;

function windowFor(ev: EventView, d: Draft): [number, number] {
  const times = [ev.eventStart, ev.eventEnd, ...d.ranges.flatMap((r) => [r.start, r.end])].filter((t): t is number => t !== null);
  const now = Date.now() * 1000;
  const start = Math.min(...(times.length ? times : [now - 10 * 60 * US])) - PAD_BEFORE;
  const end = Math.max(...(times.length ? times : [now])) + PAD_AFTER;
  return [start, end];
}

function TimeField({ label, value, onChange, testId }: { label: string; value: number | null; onChange: (v: number | null) => void; testId?: string }) {
  const [text, setText] = useState(value === null ? '' : isoFromUs(value));
  useEffect(() => setText(value === null ? '' : isoFromUs(value)), [value]);
  const bad = text !== '' && usFromIso(text) === null;
  return (
    <input
      aria-label={label} data-testid={testId} className={`mono time ${bad ? 'invalid' : ''}`} value={text} placeholder="YYYY-MM-DDTHH:MM:SS.ffffffZ"
      onChange={(e) => setText(e.target.value)}
      onBlur={() => onChange(text === '' ? null : usFromIso(text) ?? value)}
    />
  );
}

export function Editor({ id, titlePrefix = '', locations = [] }: { id: string; titlePrefix?: string; locations?: string[] }) {
  const [ev, setEv] = useState<EventView | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [baseRevision, setBaseRevision] = useState(0);
  const [dirty, setDirty] = useState(false);
  const [restored, setRestored] = useState(false);
  const [active, setActive] = useState(0);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [conflict, setConflict] = useState<{ verb: 'save' | 'submit' | 'modify'; c: Conflict } | null>(null);
  const [help, setHelp] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  const [firstFrameMs, setFirstFrameMs] = useState<number | null>(null);
  const [playhead, setPlayhead] = useState<number | null>(null);
  const player = useRef<PlayerHandle>(null);

  const load = useCallback(async () => {
    try {
      const e = await getEvent(id);
      setEv(e);
      const stored = loadStoredDraft(localStorage, id);
      if (stored && stored.baseRevision === e.revision) {
        setDraft(stored.draft);
        setDirty(true);
        setRestored(true);
      } else {
        const d = e.draft.ranges.length ? e.draft : { ...e.draft, ranges: [{ start: e.eventStart, end: e.eventEnd }] };
        setDraft(d);
        setDirty(false);
      }
      setBaseRevision(e.revision);
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    }
  }, [id]);
  useEffect(() => void load(), [load]);

  // Persist every change immediately; warn before leaving with unsaved work.
  useEffect(() => {
    if (draft && dirty) storeDraft(localStorage, { eventId: id, baseRevision, draft, savedAt: Date.now() });
  }, [draft, dirty, id, baseRevision]);
  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [dirty]);

  const update = useCallback((f: (d: Draft) => Draft) => {
    setDraft((d) => (d ? f(d) : d));
    setDirty(true);
  }, []);

  const [winStart, winEnd] = useMemo(() => (ev && draft ? windowFor(ev, draft) : [0, 0]), [ev?.id, ev?.eventStart, ev?.eventEnd]); // eslint-disable-line react-hooks/exhaustive-deps
  const src = ev ? `/playlist/${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}.m3u8?start=${isoFromUs(winStart)}&end=${isoFromUs(winEnd)}` : '';
  const canEditVideo = ev ? ['UNEDITED', 'EDITED', 'CLAIMED'].includes(ev.state) : false;
  const canEditMeta = ev ? canEditVideo || ['DONE', 'MODIFIED'].includes(ev.state) : false;
  const issues = draft ? validate(draft, { titlePrefix, requireLocation: locations.length > 0 }) : [];

  const setRangeEdge = useCallback((edge: 'start' | 'end', i = active) => {
    const t = player.current?.wallTime();
    if (t == null || !canEditVideo) return;
    update((d) => ({ ...d, ranges: d.ranges.map((r, j) => (j === i ? { ...r, [edge]: t } : r)) }));
  }, [active, canEditVideo, update]);

  const addRange = useCallback(() => {
    update((d) => ({ ...d, ranges: [...d.ranges, { start: null, end: null }], transitions: [...d.transitions, null] }));
  }, [update]);

  const removeRange = (i: number) => update((d) => ({
    ...d,
    ranges: d.ranges.filter((_, j) => j !== i),
    transitions: d.transitions.filter((_, j) => j !== Math.max(0, i - 1)).slice(0, Math.max(0, d.ranges.length - 2)),
  }));

  const write = useCallback(async (verb: 'save' | 'submit' | 'modify', override = false) => {
    if (!draft || !ev) return;
    if (verb !== 'save' && issues.length) {
      setMessage({ kind: 'error', text: issues.map((i) => i.message).join('; ') });
      return;
    }
    try {
      const saved = await writeEvent(ev.id, verb, draft, baseRevision, override);
      localStorage.removeItem(draftKey(ev.id));
      setEv(saved);
      setBaseRevision(saved.revision);
      setDirty(false);
      setRestored(false);
      setConflict(null);
      setMessage({ kind: 'ok', text: verb === 'save' ? 'Draft saved' : verb === 'submit' ? 'Submitted for cutting' : 'Changes submitted' });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.body && typeof e.body === 'object' && 'changed' in e.body) {
        setConflict({ verb, c: e.body as Conflict });
      } else {
        setMessage({ kind: 'error', text: (e as Error).message });
      }
    }
  }, [draft, ev, baseRevision, issues]);

  // Keyboard shortcuts (ignored while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable) && !(e.ctrlKey || e.metaKey)) return;
      const a = keyToAction(e, true);
      if (!a) return;
      const v = player.current?.video;
      e.preventDefault();
      switch (a.type) {
        case 'togglePlay': if (v) void (v.paused ? v.play() : v.pause()); break;
        case 'mute': if (v) v.muted = !v.muted; break;
        case 'seek': player.current?.seekBy(a.seconds); break;
        case 'frame': player.current?.seekBy(a.frames / 30); break;
        case 'seekPercent': if (v && v.duration) v.currentTime = (v.duration * a.pct) / 100; break;
        case 'speed': if (v) v.playbackRate = nextSpeed(v.playbackRate, a.change); break;
        case 'setStart': setRangeEdge('start'); break;
        case 'setEnd': setRangeEdge('end'); break;
        case 'nextRange':
          if (draft && active >= draft.ranges.length - 1 && canEditVideo) addRange();
          setActive((i) => i + 1 <= (draft?.ranges.length ?? 1) ? i + 1 : i);
          break;
        case 'prevRange': setActive((i) => Math.max(0, i - 1)); break;
        case 'saveDraft': void write(ev && ['DONE', 'MODIFIED'].includes(ev.state) ? 'modify' : 'save'); break;
        case 'submit': void write(ev && ['DONE', 'MODIFIED'].includes(ev.state) ? 'modify' : 'submit'); break;
        case 'help': setHelp((h) => !h); break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [draft, active, canEditVideo, addRange, setRangeEdge, write, ev]);

  useEffect(() => {
    if (draft && active > draft.ranges.length - 1) setActive(Math.max(0, draft.ranges.length - 1));
  }, [draft, active]);

  if (!ev || !draft) return <section><h2>Editor</h2>{message ? <p className="error">{message.text}</p> : <p>Loading…</p>}</section>;

  const span = winEnd - winStart;
  const pct = (t: number | null) => (t === null ? 0 : Math.max(0, Math.min(100, ((t - winStart) / span) * 100)));
  const cutQuery = (type: string) => {
    const q = new URLSearchParams({ type, allow_holes: String(draft.allowHoles) });
    for (const r of draft.ranges) if (r.start !== null && r.end !== null) q.append('range', `${isoFromUs(r.start)},${isoFromUs(r.end)}`);
    for (const t of draft.transitions) q.append('transition', t ? `${t.type},${t.duration}` : '');
    return `/cut/${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}.ts?${q}`;
  };
  const thumbSrc = draft.thumbnailTime !== null ? `/frame/${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}.png?timestamp=${isoFromUs(draft.thumbnailTime)}` : null;
  const fullTitle = titlePrefix + draft.title;

  return (
    <section className="editor" data-testid="editor">
      <header className="row">
        <h2>Edit: {ev.draft.title || ev.notes || ev.id.slice(0, 8)}</h2>
        <span className={`state state-${ev.state}`} data-testid="event-state">{ev.state}</span>
        <span className="muted">{ev.channel}/{ev.quality}</span>
        {ev.videoLink && <a href={ev.videoLink} target="_blank" rel="noreferrer" data-testid="video-link">{ev.videoLink}</a>}
        {dirty && <span className="badge">unsaved</span>}
        {firstFrameMs !== null && <span className="muted" data-testid="first-frame-ms">first frame {Math.round(firstFrameMs)} ms</span>}
      </header>
      {restored && <p className="note">Restored your unsaved changes from this browser.</p>}
      {ev.error && <p className="error" role="alert">Last error: {ev.error}</p>}
      {message && <p className={message.kind === 'ok' ? 'ok' : 'error'} role="status" data-testid="message">{message.text}</p>}

      <Player ref={player} src={src} startAt={draft.ranges[0]?.start ?? ev.eventStart} onFirstFrame={setFirstFrameMs} onTime={(w) => setPlayhead(w)} />

      <div className="timeline" aria-label="Clip bar">
        <img className="waveform" alt="" src={`/waveform/${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}.png?start=${isoFromUs(winStart)}&end=${isoFromUs(winEnd)}&size=1200x60`} data-testid="waveform" />
        {draft.ranges.map((r, i) => r.start !== null && r.end !== null && (
          <div key={i} className={`clip ${i === active ? 'active' : ''}`} style={{ left: `${pct(r.start)}%`, width: `${pct(r.end) - pct(r.start)}%` }} />
        ))}
        {playhead !== null && <div className="playhead" style={{ left: `${pct(playhead)}%` }} />}
      </div>

      <div className="ranges">
        <h3>Ranges <span className="muted">output {duration(Math.max(0, outputSeconds(draft)))}</span></h3>
        {draft.ranges.map((r, i) => (
          <div key={i}>
            <div className={`range row ${i === active ? 'active' : ''}`} data-testid={`range-${i}`} onClick={() => setActive(i)}>
              <span className="marker">{i === active ? '▶' : ' '}</span>
              <TimeField label={`Range ${i + 1} start`} testId={`range-${i}-start`} value={r.start} onChange={(v) => update((d) => ({ ...d, ranges: d.ranges.map((x, j) => (j === i ? { ...x, start: v } : x)) }))} />
              <button type="button" disabled={!canEditVideo} onClick={() => setRangeEdge('start', i)} title="Set start to playhead (i or [)">⌖ start</button>
              <button type="button" onClick={() => r.start !== null && player.current?.seekWall(r.start)}>▶ from start</button>
              <TimeField label={`Range ${i + 1} end`} testId={`range-${i}-end`} value={r.end} onChange={(v) => update((d) => ({ ...d, ranges: d.ranges.map((x, j) => (j === i ? { ...x, end: v } : x)) }))} />
              <button type="button" disabled={!canEditVideo} onClick={() => setRangeEdge('end', i)} title="Set end to playhead (o or ])">⌖ end</button>
              <button type="button" onClick={() => r.end !== null && player.current?.seekWall(r.end - 3 * US)}>▶ to end</button>
              {r.start !== null && r.end !== null && <span className="muted">{duration((r.end - r.start) / US)}</span>}
              {draft.ranges.length > 1 && <button type="button" disabled={!canEditVideo} onClick={() => removeRange(i)} aria-label={`Remove range ${i + 1}`}>−</button>}
            </div>
            {i < draft.ranges.length - 1 && (
              <div className="transition row">
                <label>Transition
                  <select aria-label={`Transition ${i + 1}`} data-testid={`transition-${i}`} disabled={!canEditVideo} value={draft.transitions[i]?.type ?? 'cut'}
                    onChange={(e) => update((d) => ({ ...d, transitions: d.transitions.map((t, j) => (j === i ? (e.target.value === 'cut' ? null : { type: e.target.value, duration: t?.duration ?? 1 }) : t)) }))}>
                    <option value="cut">cut</option>
                    {TRANSITIONS.map((t) => <option key={t} value={t}>{t}</option>)}
                  </select>
                </label>
                {draft.transitions[i] && (
                  <label>over <input type="number" min={0.1} max={10} step={0.1} aria-label={`Transition ${i + 1} seconds`} value={draft.transitions[i]!.duration}
                    onChange={(e) => update((d) => ({ ...d, transitions: d.transitions.map((t, j) => (j === i && t ? { ...t, duration: Number(e.target.value) } : t)) }))} /> s</label>
                )}
              </div>
            )}
          </div>
        ))}
        <button type="button" disabled={!canEditVideo} onClick={addRange}>+ range</button>
        <button type="button" onClick={() => setPreview(cutQuery('webm'))} data-testid="preview-cut">Preview cut</button>
        <a href={cutQuery('smart')} download>Download (smart)</a>
      </div>
      {preview && (
        <div className="preview">
          <video src={preview} controls autoPlay data-testid="preview-video" />
          <button type="button" onClick={() => setPreview(null)}>Close preview</button>
        </div>
      )}

      <div className="metadata">
        <label className="block">Title <span className="muted">{titlePrefix && <>prefix “{titlePrefix}” · </>}{[...fullTitle].length}/100</span>
          <input aria-label="Title" data-testid="title" disabled={!canEditMeta} value={draft.title} onChange={(e) => update((d) => ({ ...d, title: e.target.value }))} />
        </label>
        <label className="block">Description <span className="muted">{new TextEncoder().encode(draft.description).length}/5000 bytes</span>
          <textarea aria-label="Description" data-testid="description" disabled={!canEditMeta} rows={4} value={draft.description} onChange={(e) => update((d) => ({ ...d, description: e.target.value }))} />
        </label>
        <label className="block">Tags (comma separated)
          <input aria-label="Tags" data-testid="tags" disabled={!canEditMeta} defaultValue={draft.tags.join(', ')} onBlur={(e) => update((d) => ({ ...d, tags: parseTags(e.target.value) }))} />
        </label>
      </div>

      <div className="thumbnail">
        <h3>Thumbnail</h3>
        <label>Mode
          <select aria-label="Thumbnail mode" data-testid="thumbnail-mode" disabled={!canEditMeta} value={draft.thumbnailMode} onChange={(e) => update((d) => ({ ...d, thumbnailMode: e.target.value as Draft['thumbnailMode'] }))}>
            <option value="NONE">No custom thumbnail</option>
            <option value="BARE">Video frame</option>
            <option value="TEMPLATE">Video frame in a template</option>
            <option value="CUSTOM">Custom image</option>
          </select>
        </label>
        {(draft.thumbnailMode === 'BARE' || draft.thumbnailMode === 'TEMPLATE') && (
          <span>
            <TimeField label="Thumbnail time" testId="thumbnail-time" value={draft.thumbnailTime} onChange={(v) => update((d) => ({ ...d, thumbnailTime: v }))} />
            <button type="button" disabled={!canEditMeta} onClick={() => { const t = player.current?.wallTime(); if (t != null) update((d) => ({ ...d, thumbnailTime: t })); }}>⌖ frame</button>
          </span>
        )}
        {draft.thumbnailMode === 'TEMPLATE' && (
          <label>Template <input aria-label="Thumbnail template" data-testid="thumbnail-template" value={draft.thumbnailTemplate ?? ''} onChange={(e) => update((d) => ({ ...d, thumbnailTemplate: e.target.value || null }))} /></label>
        )}
        {draft.thumbnailMode === 'CUSTOM' && (
          <input type="file" accept="image/png" aria-label="Thumbnail image" onChange={async (e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            const b64 = btoa(String.fromCharCode(...new Uint8Array(await f.arrayBuffer())));
            update((d) => ({ ...d, thumbnailImage: b64 }));
          }} />
        )}
        {thumbSrc && draft.thumbnailMode !== 'NONE' && draft.thumbnailMode !== 'CUSTOM' && <img className="thumb-preview" alt="Thumbnail preview" src={thumbSrc} />}
      </div>

      <div className="options row">
        <label><input type="checkbox" checked={draft.allowHoles} disabled={!canEditVideo} onChange={(e) => update((d) => ({ ...d, allowHoles: e.target.checked }))} /> Allow holes</label>
        <label><input type="checkbox" checked={!draft.public} disabled={!canEditMeta} onChange={(e) => update((d) => ({ ...d, public: !e.target.checked }))} /> Unlisted</label>
        <label>Upload location
          <select aria-label="Upload location" data-testid="upload-location" disabled={!canEditVideo} value={draft.uploadLocation ?? ''} onChange={(e) => update((d) => ({ ...d, uploadLocation: e.target.value || null }))}>
            <option value="">—</option>
            {[...new Set([...locations, ...(draft.uploadLocation ? [draft.uploadLocation] : [])])].map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
      </div>

      {issues.length > 0 && <ul className="issues" data-testid="issues">{issues.map((i, k) => <li key={k}>{i.message}</li>)}</ul>}

      <div className="actions row">
        {canEditVideo && <button type="button" onClick={() => void write('save')} data-testid="save-draft">Save draft (Ctrl+S)</button>}
        {canEditVideo && <button type="button" className="primary" onClick={() => void write('submit')} data-testid="submit">Submit (Ctrl+Enter)</button>}
        {!canEditVideo && canEditMeta && <button type="button" className="primary" onClick={() => void write('modify')} data-testid="submit-changes">Submit changes</button>}
        {['EDITED', 'CLAIMED'].includes(ev.state) && <button type="button" onClick={async () => setEv(await eventAction(ev, 'cancel'))}>Cancel upload</button>}
        <button type="button" onClick={() => setHelp(true)}>Shortcuts (?)</button>
      </div>

      {conflict && (
        <div className="dialog" role="dialog" aria-label="Conflict" data-testid="conflict">
          <h3>Someone else changed this event</h3>
          <p>{conflict.c.error}</p>
          <table>
            <thead><tr><th>field</th><th>yours</th><th>theirs (saved)</th></tr></thead>
            <tbody>{conflict.c.changed.map((c) => <tr key={c.field}><td>{c.field}</td><td className="mono">{JSON.stringify(c.ours)}</td><td className="mono">{JSON.stringify(c.theirs)}</td></tr>)}</tbody>
          </table>
          <button type="button" data-testid="conflict-override" onClick={() => void write(conflict.verb, true)}>Keep mine (override)</button>
          <button type="button" data-testid="conflict-accept" onClick={() => { localStorage.removeItem(draftKey(ev.id)); setConflict(null); void load(); }}>Take theirs</button>
        </div>
      )}
      {help && (
        <div className="dialog" role="dialog" aria-label="Keyboard shortcuts">
          <h3>Keyboard shortcuts</h3>
          <table><tbody>{SHORTCUT_HELP.map(([k, v]) => <tr key={k}><td className="mono">{k}</td><td>{v}</td></tr>)}</tbody></table>
          <button type="button" onClick={() => setHelp(false)}>Close</button>
        </div>
      )}
      <p className="muted">Window {clock(winStart)} – {clock(winEnd)} UTC</p>
    </section>
  );
}
