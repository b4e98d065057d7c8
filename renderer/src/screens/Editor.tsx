/**
 * The editor: scrub the recording around an event in hls.js, set one or more ranges with transitions,
 * choose a thumbnail, write the metadata, preview the cut, save or submit, then watch the upload.
 * Keyboard-first (editor/shortcuts.ts; Tab from the top of the page reaches the title first); unsaved
 * changes live in localStorage until saved, so nothing typed is lost on reload, navigation or a crash.
 * Live: `event.changed` updates the state, link and errors as the cutter works, and `upload.progress`
 * drives the progress bar. Someone else's save while we have unsaved changes is a conflict on our save,
 * shown field by field.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ChapterList } from '../components/ChapterList.tsx';
import { Player, type PlayerHandle } from '../components/Player.tsx';
import { TimeField } from '../components/TimeField.tsx';
import { ApiError } from '../lib/api.ts';
import { subscribe, useTopic } from '../lib/bus.ts';
import { eventAction, getEvent, toView, writeEvent, type Conflict, type EventView } from '../lib/events.ts';
import { useApi } from '../lib/hooks.ts';
import { progressView, type UploadProgress } from '../lib/progress.ts';
import { clock, duration, isoFromUs, US } from '../lib/time.ts';
import { addChapter, addChapterAt, chapterWarnings, describedText, enableChapters, listChapters, newChapterTime, pinnedChapter, saveIssues } from '../editor/chapters.ts';
import { draftKey, loadStoredDraft, moveRangeEdge, outputSeconds, parseTags, removeRange, storeDraft, utf8Bytes, validate, withDefaults, type Draft } from '../editor/model.ts';
import { keyToAction, nextSpeed, SHORTCUT_HELP } from '../editor/shortcuts.ts';
import { TRANSITIONS } from '../editor/transitions.ts';
import { windowFor } from '../editor/window.ts';

/** the restreamer draws waveforms for up to 6 hours */
const MAX_WAVEFORM = 6 * 3600 * US;
const ACTIVE_STATES = ['EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING'];
/** Reloads of a thumbnail preview that failed, a second apart, before the editor falls back to the bare frame. */
const THUMB_RETRIES = 3;

interface Template { name: string; description?: string; crop: number[]; location: number[] }

function initialDraft(e: EventView): Draft {
  return e.draft.ranges.length ? e.draft : { ...e.draft, ranges: [{ start: e.eventStart, end: e.eventEnd }] };
}

/** Keys typed into these go to the element, not to the shortcuts. */
function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  return !['range', 'checkbox', 'radio', 'button', 'submit', 'file'].includes((el as HTMLInputElement).type);
}

function BoxField({ label, value, placeholder, onChange, disabled }: { label: string; value: number[] | null; placeholder: string; onChange: (v: number[] | null) => void; disabled?: boolean }) {
  const [text, setText] = useState(value?.join(',') ?? '');
  useEffect(() => setText(value?.join(',') ?? ''), [value]);
  const parse = (t: string) => {
    const n = t.split(',').map((x) => Number(x.trim()));
    return n.length === 4 && n.every((x) => Number.isInteger(x) && x >= 0) ? n : null;
  };
  return (
    <label>{label} <input aria-label={label} className={`mono box ${text && !parse(text) ? 'invalid' : ''}`} value={text} placeholder={placeholder} disabled={disabled}
      onChange={(e) => setText(e.target.value)} onBlur={() => onChange(text.trim() ? parse(text) ?? value : null)} /></label>
  );
}

const FIELD_LABELS: Record<string, string> = {
  video_title: 'Title', video_description: 'Description', video_tags: 'Tags', video_ranges: 'Ranges', video_transitions: 'Transitions',
  thumbnail_mode: 'Thumbnail mode', thumbnail_time: 'Thumbnail time', thumbnail_template: 'Thumbnail template', thumbnail_crop: 'Thumbnail crop',
  thumbnail_location: 'Thumbnail placement', thumbnail_image: 'Thumbnail image', allow_holes: 'Allow holes', public: 'Public', upload_location: 'Upload location',
  state: 'State', event_start: 'Event start', event_end: 'Event end', notes: 'Notes', category: 'Category',
};

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > 160 ? `${s.slice(0, 157)}…` : s ?? '';
}

export function Editor({ id, titlePrefix = '', locations = [] }: { id: string; titlePrefix?: string; locations?: string[] }) {
  const openedAt = useRef(performance.now());
  const [ev, setEv] = useState<EventView | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [baseRevision, setBaseRevision] = useState(0);
  const [dirty, setDirty] = useState(false);
  const dirtyRef = useRef(false);
  /** the revision whose content the draft started from (null until loaded) */
  const loadedRevision = useRef<number | null>(null);
  const [restored, setRestored] = useState(false);
  const [active, setActive] = useState(0);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<{ verb: 'save' | 'submit' | 'modify'; c: Conflict } | null>(null);
  const [help, setHelp] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  const [firstFrameMs, setFirstFrameMs] = useState<number | null>(null);
  const [playhead, setPlayhead] = useState<number | null>(null);
  const [thumbFailed, setThumbFailed] = useState<string | null>(null);
  /**
   * Failed loads of the current preview URL. Why retry: a preview can fail for a passing reason (ffmpeg
   * slow on a loaded node, or an error event of a URL typed half-way arriving after the next render,
   * when the handler already sees the new URL); only repeated failures mean the node cannot render it.
   */
  const [thumbErrors, setThumbErrors] = useState<{ src: string; n: number } | null>(null);
  const [now] = useState(() => Date.now() * 1000);
  const player = useRef<PlayerHandle>(null);
  const progress = useTopic<UploadProgress>('upload.progress').get(id)?.data;
  const templates = useApi<Template[]>('/api/templates').data ?? [];
  const wantsDefaultTemplate = draft?.thumbnailMode === 'TEMPLATE' && !draft.thumbnailTemplate;
  const defaultTemplate = useApi<{ template: string | null }>(wantsDefaultTemplate
    ? `/api/playlists/default-template?${new URLSearchParams(draft!.tags.map((t) => ['tag', t]))}` : null).data?.template ?? null;
  dirtyRef.current = dirty;

  const load = useCallback(async () => {
    try {
      const e = await getEvent(id);
      setEv(e);
      const stored = loadStoredDraft(localStorage, id);
      if (stored && stored.baseRevision !== null && stored.baseRevision <= e.revision) {
        // Unsaved work from this browser. If someone saved since, it keeps its old base revision, so
        // saving it shows the conflict dialog instead of silently losing either side.
        setDraft(stored.draft);
        dirtyRef.current = true;
        setDirty(true);
        setRestored(true);
        setBaseRevision(stored.baseRevision);
        loadedRevision.current = stored.baseRevision;
      } else {
        if (stored) localStorage.removeItem(draftKey(id));
        setDraft(initialDraft(e));
        dirtyRef.current = false;
        setDirty(false);
        setRestored(false);
        setBaseRevision(e.revision);
        loadedRevision.current = e.revision;
      }
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    }
  }, [id]);
  useEffect(() => void load(), [load]);

  // Live changes to this event: always show the new state; take newer content only if we have no unsaved edits.
  useEffect(() => subscribe((m) => {
    if (m.topic !== 'event.changed' || m.key !== id) return;
    const v = toView(m.data as Record<string, unknown>);
    setEv((cur) => (cur && cur.revision > v.revision ? cur : v));
    if (!dirtyRef.current && loadedRevision.current !== null && v.revision > loadedRevision.current) {
      loadedRevision.current = v.revision;
      setDraft(initialDraft(v));
      setBaseRevision(v.revision);
    }
  }), [id]);

  // A message about our last action is stale once the event moves on (e.g. "Submitted" when it is DONE).
  const shownState = ev?.state;
  useEffect(() => setMessage((m) => (m?.kind === 'ok' && shownState === 'DONE' ? null : m)), [shownState]);

  // Persist every change immediately; warn before leaving with unsaved work.
  useEffect(() => {
    if (draft && dirty) storeDraft(localStorage, { eventId: id, baseRevision, draft, savedAt: Date.now() });
  }, [draft, dirty, id, baseRevision]);
  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (dirtyRef.current) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, []);

  const update = useCallback((f: (d: Draft) => Draft) => {
    // Synchronously: a live update arriving before the next render must not replace what was just typed.
    dirtyRef.current = true;
    setDraft((d) => (d ? f(d) : d));
    setDirty(true);
  }, []);

  const [winStart, winEnd] = useMemo(() => (ev && draft ? windowFor(ev, draft, now) : [0, 0]), [ev?.id, ev?.eventStart, ev?.eventEnd, draft === null]); // eslint-disable-line react-hooks/exhaustive-deps
  const src = ev ? `/playlist/${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}.m3u8?start=${isoFromUs(winStart)}&end=${isoFromUs(winEnd)}` : '';
  const canEditVideo = ev ? ['UNEDITED', 'EDITED', 'CLAIMED'].includes(ev.state) : false;
  const canEditMeta = ev ? canEditVideo || ['DONE', 'MODIFIED'].includes(ev.state) : false;
  const effective = draft ? withDefaults(draft, { locations, defaultTemplate: wantsDefaultTemplate ? defaultTemplate : null }) : null;
  const issues = effective ? validate(effective, { titlePrefix, requireLocation: locations.length > 0 }) : [];

  const setRangeEdge = useCallback((edge: 'start' | 'end', i = active) => {
    if (!canEditVideo) return;
    const t = player.current?.wallTime();
    if (t == null) {
      setMessage({ kind: 'error', text: 'The player has not loaded yet' });
      return;
    }
    update((d) => moveRangeEdge(d, i, edge, t));
  }, [active, canEditVideo, update]);

  const addRange = useCallback(() => {
    update((d) => ({ ...d, ranges: [...d.ranges, { start: null, end: null }], transitions: [...d.transitions, null] }));
  }, [update]);

  /** the chapter title to focus next (a new object each time, so the same index can be focused again) */
  const [focusChapter, setFocusChapter] = useState<{ index: number } | null>(null);
  const addChapterHere = useCallback(() => {
    const t = player.current?.wallTime();
    if (t == null) {
      setMessage({ kind: 'error', text: 'The player has not loaded yet' });
      return;
    }
    if (!draft || !canEditMeta) return;
    // Computed from the rendered draft (the key handler is rebuilt on every change) so the focus target is known.
    const r = addChapterAt(draft, t, active);
    if ('error' in r) {
      setMessage({ kind: 'error', text: r.error });
      return;
    }
    update(() => r.draft);
    setFocusChapter({ index: r.index });
  }, [draft, active, canEditMeta, update]);

  const write = useCallback(async (verb: 'save' | 'submit' | 'modify', override = false) => {
    if (!effective || !ev) return;
    if (verb !== 'save' && issues.length) {
      setMessage({ kind: 'error', text: `Cannot submit: ${issues.map((i) => i.message).join('; ')}` });
      return;
    }
    // A draft may be saved with problems, except those that would lose or move chapters on reload.
    const unsaveable = verb === 'save' && draft ? saveIssues(draft) : [];
    if (unsaveable.length) {
      setMessage({ kind: 'error', text: `Cannot save: ${unsaveable.map((i) => i.message).join('; ')}` });
      return;
    }
    setBusy(true);
    try {
      const saved = await writeEvent(ev.id, verb, verb === 'save' ? draft! : effective, baseRevision, override);
      localStorage.removeItem(draftKey(ev.id));
      setEv(saved);
      setDraft(initialDraft(saved));
      setBaseRevision(saved.revision);
      loadedRevision.current = saved.revision;
      dirtyRef.current = false;
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
    } finally {
      setBusy(false);
    }
  }, [draft, effective, ev, baseRevision, issues]);

  // Keyboard shortcuts (ignored while typing in a field, except Ctrl/Cmd combinations).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = isTyping(e.target);
      if (e.key === 'Escape') {
        if (help) setHelp(false);
        else if (typing) (e.target as HTMLElement).blur(); // back to the shortcuts
        return;
      }
      if (typing && !(e.ctrlKey || e.metaKey)) return;
      const el = e.target as HTMLElement | null;
      if (el?.tagName === 'BUTTON' && (e.key === ' ' || e.key === 'Enter')) return; // let the button work
      const a = keyToAction(e, true);
      if (!a) return;
      const v = player.current?.video;
      e.preventDefault();
      switch (a.type) {
        case 'togglePlay': if (v) void (v.paused ? v.play().catch(() => {}) : v.pause()); break;
        case 'mute': if (v) v.muted = !v.muted; break;
        case 'seek': player.current?.seekBy(a.seconds); break;
        case 'frame': player.current?.seekBy(a.frames / 30); break;
        case 'seekPercent': if (v && v.duration) v.currentTime = (v.duration * a.pct) / 100; break;
        case 'speed': if (v) v.playbackRate = nextSpeed(v.playbackRate, a.change); break;
        case 'setStart': setRangeEdge('start'); break;
        case 'setEnd': setRangeEdge('end'); break;
        case 'nextRange':
          if (draft && active >= draft.ranges.length - 1 && canEditVideo) addRange();
          setActive((i) => (i + 1 <= (draft?.ranges.length ?? 1) ? i + 1 : i));
          break;
        case 'prevRange': setActive((i) => Math.max(0, i - 1)); break;
        case 'addChapter': addChapterHere(); break;
        case 'saveDraft': if (!busy) void write(ev && ['DONE', 'MODIFIED'].includes(ev.state) ? 'modify' : 'save'); break;
        case 'submit': if (!busy) void write(ev && ['DONE', 'MODIFIED'].includes(ev.state) ? 'modify' : 'submit'); break;
        case 'help': setHelp((h) => !h); break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [draft, active, canEditVideo, addRange, setRangeEdge, addChapterHere, write, ev, help, busy]);

  useEffect(() => {
    if (draft && active > draft.ranges.length - 1) setActive(Math.max(0, draft.ranges.length - 1));
  }, [draft, active]);

  if (!ev || !draft || !effective) return <section><h2>Editor</h2>{message ? <p className="error">{message.text}</p> : <p>Loading…</p>}</section>;

  const span = winEnd - winStart;
  const pct = (t: number | null) => (t === null ? 0 : Math.max(0, Math.min(100, ((t - winStart) / span) * 100)));
  const cutQuery = (type: string) => {
    const q = new URLSearchParams({ type, allow_holes: String(draft.allowHoles) });
    for (const r of draft.ranges) if (r.start !== null && r.end !== null) q.append('range', `${isoFromUs(r.start)},${isoFromUs(r.end)}`);
    for (const t of draft.transitions) q.append('transition', t ? `${t.type},${t.duration}` : '');
    return `/cut/${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}.ts?${q}`;
  };
  const chq = `${encodeURIComponent(ev.channel)}/${encodeURIComponent(ev.quality)}`;
  const template = templates.find((t) => t.name === effective.thumbnailTemplate) ?? null;
  const thumbTime = effective.thumbnailTime;
  const thumbSrc = thumbTime === null || effective.thumbnailMode === 'NONE' || effective.thumbnailMode === 'CUSTOM' ? null
    : effective.thumbnailMode === 'TEMPLATE' && effective.thumbnailTemplate
      ? `/thumbnail/${chq}.png?${new URLSearchParams({
        timestamp: isoFromUs(thumbTime), template: effective.thumbnailTemplate,
        ...(effective.thumbnailCrop ? { crop: effective.thumbnailCrop.join(',') } : {}),
        ...(effective.thumbnailLocation ? { location: effective.thumbnailLocation.join(',') } : {}),
      })}`
      : `/frame/${chq}.png?timestamp=${isoFromUs(thumbTime)}`;
  const fullTitle = titlePrefix + draft.title;
  const uploading = ACTIVE_STATES.includes(ev.state);
  const pv = progressView(progress, ev.state);
  const staleBase = ev.revision > baseRevision;
  const chaptersShown = draft.chaptersEnabled && draft.chapters.length > 0;
  const listed = listChapters(draft);
  const pinned = pinnedChapter(draft);
  const warnings = chapterWarnings(draft);
  const changeChapter = (index: number, patch: Partial<Draft['chapters'][number]>) => update((d) => ({ ...d, chapters: d.chapters.map((c, j) => (j === index ? { ...c, ...patch } : c)) }));

  return (
    <section className="editor" data-testid="editor">
      <header className="row editor-head">
        <h2>{ev.draft.title ? `${titlePrefix}${ev.draft.title}` : <span className="muted">Untitled event</span>}</h2>
        <span className={`state state-${ev.state}`} data-testid="event-state">{ev.state}</span>
        <span className="muted">{ev.channel}/{ev.quality}{ev.eventStart !== null ? ` · ${clock(ev.eventStart).slice(0, 8)}` : ''}{ev.editor ? ` · last edit by ${ev.editor}` : ''}</span>
        {dirty && <span className="badge" data-testid="unsaved">unsaved</span>}
        <span className="spacer" />
        {firstFrameMs !== null && <span className="muted small" data-testid="first-frame-ms" data-ms={Math.round(firstFrameMs)}>first frame {Math.round(firstFrameMs)} ms</span>}
      </header>
      {ev.videoLink && (
        <p className="done-link">{ev.state === 'DONE' ? 'Published: ' : 'Video: '}<a href={ev.videoLink} target="_blank" rel="noreferrer" data-testid="video-link">{ev.videoLink}</a></p>
      )}
      {restored && <p className="note" data-testid="restored">Restored your unsaved changes from this browser. Save or submit to keep them.</p>}
      {staleBase && dirty && <p className="note" data-testid="stale-note">Someone saved this event (revision {ev.revision}) after you started editing; saving will show what changed.</p>}
      {ev.error && <p className="error" role="alert" data-testid="event-error">{ev.state === 'EDITED' ? 'Retrying after: ' : 'Last error: '}{ev.error}</p>}
      {uploading && pv && (
        <div className="upload-status row" data-testid="upload-status">
          <span data-testid="upload-stage">{pv.label}</span>
          {pv.pct !== null ? <progress max={100} value={pv.pct} data-testid="upload-progress" /> : pv.busy ? <progress data-testid="upload-working" /> : null}
          {pv.detail && <span className="muted small">{pv.detail}</span>}
        </div>
      )}
      {message && <p className={message.kind === 'ok' ? 'ok' : 'error'} role="status" data-testid="message">{message.text}</p>}

      <div className="editor-grid">
        {/* First in the DOM (so Tab reaches the title first), shown on the right. */}
        <div className="editor-side">
          <div className="metadata">
            <label className="block">Title <span className="muted small">{titlePrefix && <>prefix “{titlePrefix}” · </>}{[...fullTitle].length}/100</span>
              <input aria-label="Title" data-testid="title" disabled={!canEditMeta} value={draft.title} placeholder="What happened" onChange={(e) => update((d) => ({ ...d, title: e.target.value }))} />
            </label>
            <label className="block">Description <span className="muted small" data-testid="description-bytes">{utf8Bytes(describedText(draft))}/5000 bytes{chaptersShown ? ' with the chapter list' : ''}</span>
              <textarea aria-label="Description" data-testid="description" disabled={!canEditMeta} rows={3} value={draft.description} onChange={(e) => update((d) => ({ ...d, description: e.target.value }))} />
            </label>
            <TagsField value={draft.tags} disabled={!canEditMeta} onChange={(tags) => update((d) => ({ ...d, tags }))} />
          </div>

          <div className="thumbnail">
            <h3>Thumbnail</h3>
            <div className="row">
              <select aria-label="Thumbnail mode" data-testid="thumbnail-mode" disabled={!canEditMeta} value={draft.thumbnailMode} onChange={(e) => update((d) => ({ ...d, thumbnailMode: e.target.value as Draft['thumbnailMode'] }))}>
                <option value="NONE">No custom thumbnail</option>
                <option value="BARE">Video frame</option>
                <option value="TEMPLATE">Video frame in a template</option>
                <option value="CUSTOM">Custom image</option>
              </select>
              {draft.thumbnailMode === 'TEMPLATE' && (
                <select aria-label="Thumbnail template" data-testid="thumbnail-template" disabled={!canEditMeta} value={effective.thumbnailTemplate ?? ''}
                  onChange={(e) => update((d) => ({ ...d, thumbnailTemplate: e.target.value || null }))}>
                  <option value="">— template —</option>
                  {templates.map((t) => <option key={t.name} value={t.name} title={t.description}>{t.name}</option>)}
                  {draft.thumbnailTemplate && !template && <option value={draft.thumbnailTemplate}>{draft.thumbnailTemplate} (missing)</option>}
                </select>
              )}
            </div>
            {draft.thumbnailMode === 'TEMPLATE' && !draft.thumbnailTemplate && effective.thumbnailTemplate && <p className="muted small">Template preselected by the playlist these tags go to.</p>}
            {draft.thumbnailMode === 'TEMPLATE' && templates.length === 0 && <p className="muted small">No templates yet: add one in <a href="#/settings">Settings</a>.</p>}
            {(draft.thumbnailMode === 'BARE' || draft.thumbnailMode === 'TEMPLATE') && (
              <div className="row">
                <TimeField label="Thumbnail time" testId="thumbnail-time" near={winStart} value={draft.thumbnailTime} disabled={!canEditMeta} onChange={(v) => update((d) => ({ ...d, thumbnailTime: v }))} />
                <button type="button" disabled={!canEditMeta} data-testid="thumbnail-from-playhead" onClick={() => { const t = player.current?.wallTime(); if (t != null) update((d) => ({ ...d, thumbnailTime: t })); }} title="Use the frame under the playhead">⌖ playhead</button>
                <button type="button" disabled={thumbTime === null} onClick={() => thumbTime !== null && player.current?.seekWall(thumbTime)}>▶ show</button>
                {draft.thumbnailTime === null && thumbTime !== null && <span className="muted small">default: middle of range 1</span>}
              </div>
            )}
            {draft.thumbnailMode === 'TEMPLATE' && (
              <details className="small">
                <summary>Crop and placement {template ? <span className="muted">(template default {template.crop.join(',')} → {template.location.join(',')})</span> : null}</summary>
                <div className="row">
                  <BoxField label="Crop" value={draft.thumbnailCrop} placeholder={template?.crop.join(',') ?? 'l,t,r,b'} disabled={!canEditMeta} onChange={(v) => update((d) => ({ ...d, thumbnailCrop: v }))} />
                  <BoxField label="Location" value={draft.thumbnailLocation} placeholder={template?.location.join(',') ?? 'l,t,r,b'} disabled={!canEditMeta} onChange={(v) => update((d) => ({ ...d, thumbnailLocation: v }))} />
                </div>
              </details>
            )}
            {draft.thumbnailMode === 'CUSTOM' && (
              <input type="file" accept="image/png" aria-label="Thumbnail image" disabled={!canEditMeta} onChange={async (e) => {
                const f = e.target.files?.[0];
                if (!f) return;
                const bytes = new Uint8Array(await f.arrayBuffer());
                let bin = '';
                for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
                update((d) => ({ ...d, thumbnailImage: btoa(bin) }));
              }} />
            )}
            {draft.thumbnailMode === 'CUSTOM' && draft.thumbnailImage && <img className="thumb-preview" alt="Custom thumbnail" src={`data:image/png;base64,${draft.thumbnailImage}`} />}
            {thumbSrc && (thumbFailed === thumbSrc && effective.thumbnailMode === 'TEMPLATE'
              ? <p className="warn small">Template preview is not available on this node; showing the frame. <img className="thumb-preview" alt="Thumbnail frame" src={`/frame/${chq}.png?timestamp=${isoFromUs(thumbTime!)}`} /></p>
              : <img className="thumb-preview" alt="Thumbnail preview" data-testid="thumbnail-preview"
                src={thumbErrors?.src === thumbSrc && thumbErrors.n > 0 ? `${thumbSrc}&attempt=${thumbErrors.n}` : thumbSrc}
                onError={() => {
                  const n = thumbErrors?.src === thumbSrc ? thumbErrors.n : 0;
                  if (n >= THUMB_RETRIES) setThumbFailed(thumbSrc);
                  else window.setTimeout(() => setThumbErrors((e) => (e?.src === thumbSrc && e.n > n) ? e : { src: thumbSrc, n: n + 1 }), 1000);
                }} />)}
          </div>

          <div className="options">
            <div className="row">
              <label>Upload location{' '}
                <select aria-label="Upload location" data-testid="upload-location" disabled={!canEditVideo} value={effective.uploadLocation ?? ''} onChange={(e) => update((d) => ({ ...d, uploadLocation: e.target.value || null }))}>
                  <option value="">—</option>
                  {[...new Set([...locations, ...(effective.uploadLocation ? [effective.uploadLocation] : [])])].map((l) => <option key={l} value={l}>{l}</option>)}
                </select>
              </label>
              <label><input type="checkbox" checked={!draft.public} disabled={!canEditMeta} onChange={(e) => update((d) => ({ ...d, public: !e.target.checked }))} /> Unlisted</label>
              <label title="Cut across gaps in the recording"><input type="checkbox" checked={draft.allowHoles} disabled={!canEditVideo} onChange={(e) => update((d) => ({ ...d, allowHoles: e.target.checked }))} /> Allow holes</label>
            </div>
          </div>

          {issues.length > 0 && <ul className="issues small" data-testid="issues">{issues.map((i, k) => <li key={k}>{i.message}</li>)}</ul>}
          {warnings.length > 0 && <ul className="warnings small" data-testid="warnings">{warnings.map((i, k) => <li key={k}>{i.message}</li>)}</ul>}

          <div className="actions row">
            {canEditVideo && <button type="button" disabled={busy} onClick={() => void write('save')} data-testid="save-draft" title="Ctrl+S">Save draft</button>}
            {canEditVideo && <button type="button" disabled={busy} className="primary" onClick={() => void write('submit')} data-testid="submit" title="Ctrl+Enter">{ev.state === 'UNEDITED' ? 'Submit' : 'Resubmit'}</button>}
            {!canEditVideo && canEditMeta && <button type="button" disabled={busy} className="primary" onClick={() => void write('modify')} data-testid="submit-changes" title="Ctrl+Enter">Submit changes</button>}
            {['EDITED', 'CLAIMED'].includes(ev.state) && <button type="button" onClick={async () => { try { setEv(await eventAction(ev, 'cancel')); } catch (e) { setMessage({ kind: 'error', text: (e as Error).message }); } }}>Cancel upload</button>}
            <button type="button" onClick={() => setHelp(true)} title="?">Shortcuts</button>
          </div>
          <p className="muted small">Ctrl+S save · Ctrl+Enter submit · Esc leaves a field · ? all shortcuts</p>
        </div>

        <div className="editor-main">
          <Player ref={player} src={src} t0={openedAt.current} startAt={draft.ranges[0]?.start ?? ev.eventStart} onFirstFrame={setFirstFrameMs} onTime={(w) => setPlayhead(w)} waitingFor="this part of the recording" />

          <div className="timeline" aria-label="Clip bar">
            {span <= MAX_WAVEFORM && <img className="waveform" alt="" src={`/waveform/${chq}.png?start=${isoFromUs(winStart)}&end=${isoFromUs(winEnd)}&size=1200x60`} data-testid="waveform" />}
            {draft.ranges.map((r, i) => r.start !== null && r.end !== null && (
              <div key={i} className={`clip ${i === active ? 'active' : ''}`} style={{ left: `${pct(r.start)}%`, width: `${pct(r.end) - pct(r.start)}%` }} title={`Range ${i + 1}`} />
            ))}
            {playhead !== null && <div className="playhead" style={{ left: `${pct(playhead)}%` }} />}
          </div>
          <p className="muted small window-note">Window {clock(winStart).slice(0, 8)} – {clock(winEnd).slice(0, 8)} UTC · <kbd>i</kbd>/<kbd>o</kbd> set in/out of the active range · <kbd>p</kbd> next range · <kbd>n</kbd> chapter at the playhead</p>

          <div className="ranges">
            <h3>Ranges <span className="muted small">output {duration(Math.max(0, outputSeconds(draft)))}</span></h3>
            <label className="small chapters-toggle">
              <input type="checkbox" data-testid="chapters-enabled" checked={draft.chaptersEnabled} disabled={!canEditMeta} onChange={(e) => update((d) => enableChapters(d, e.target.checked))} />
              {' '}Add chapter markers to video description
            </label>
            {draft.ranges.map((r, i) => (
              <div key={i}>
                <div className={`range row ${i === active ? 'active' : ''}`} data-testid={`range-${i}`} onClick={() => setActive(i)}>
                  <span className="marker" aria-label={i === active ? 'active range' : undefined}>{i === active ? '▶' : ''}</span>
                  <span className="range-label">{i + 1}</span>
                  <TimeField label={`Range ${i + 1} start`} testId={`range-${i}-start`} near={winStart} value={r.start} disabled={!canEditVideo} onChange={(v) => update((d) => moveRangeEdge(d, i, 'start', v))} />
                  <button type="button" disabled={!canEditVideo} onClick={() => setRangeEdge('start', i)} title="Set start to the playhead (i)">⌖</button>
                  <button type="button" disabled={r.start === null} onClick={() => r.start !== null && player.current?.seekWall(r.start)} title="Play from the start">▶</button>
                  <span className="muted">→</span>
                  <TimeField label={`Range ${i + 1} end`} testId={`range-${i}-end`} near={winStart} value={r.end} disabled={!canEditVideo} onChange={(v) => update((d) => moveRangeEdge(d, i, 'end', v))} />
                  <button type="button" disabled={!canEditVideo} onClick={() => setRangeEdge('end', i)} title="Set end to the playhead (o)">⌖</button>
                  <button type="button" disabled={r.end === null} onClick={() => r.end !== null && player.current?.seekWall(r.end - 3 * US)} title="Play the last 3 seconds">▶|</button>
                  {r.start !== null && r.end !== null && <span className="muted small">{duration((r.end - r.start) / US)}</span>}
                  {draft.ranges.length > 1 && <button type="button" disabled={!canEditVideo} onClick={() => update((d) => removeRange(d, i))} aria-label={`Remove range ${i + 1}`}>−</button>}
                </div>
                {draft.chaptersEnabled && (
                  <ChapterList range={i} listed={listed.filter((x) => x.chapter.range === i)} pinned={pinned} issues={[...issues, ...warnings]} near={winStart} disabled={!canEditMeta}
                    focus={focusChapter} playhead={() => player.current?.wallTime() ?? null} seek={(t) => player.current?.seekWall(t)}
                    onChange={changeChapter}
                    onRemove={(index) => update((d) => ({ ...d, chapters: d.chapters.filter((_, j) => j !== index) }))}
                    onAdd={() => {
                      const r = addChapter(draft, i, newChapterTime(draft, i, player.current?.wallTime() ?? null));
                      update(() => r.draft);
                      setFocusChapter({ index: r.index });
                    }} />
                )}
                {i < draft.ranges.length - 1 && (
                  <div className="transition row">
                    <label>Transition{' '}
                      <select aria-label={`Transition ${i + 1}`} data-testid={`transition-${i}`} disabled={!canEditVideo} value={draft.transitions[i]?.type ?? 'cut'}
                        onChange={(e) => update((d) => ({ ...d, transitions: d.transitions.map((t, j) => (j === i ? (e.target.value === 'cut' ? null : { type: e.target.value, duration: t?.duration ?? 1 }) : t)) }))}>
                        <option value="cut">cut (none)</option>
                        {TRANSITIONS.map((t) => <option key={t} value={t}>{t}</option>)}
                      </select>
                    </label>
                    {draft.transitions[i] && (
                      <label>over <input type="number" min={0.1} max={10} step={0.1} className="narrow" aria-label={`Transition ${i + 1} seconds`} data-testid={`transition-${i}-seconds`} value={draft.transitions[i]!.duration}
                        onChange={(e) => update((d) => ({ ...d, transitions: d.transitions.map((t, j) => (j === i && t ? { ...t, duration: Number(e.target.value) } : t)) }))} /> s</label>
                    )}
                  </div>
                )}
              </div>
            ))}
            <div className="row">
              <button type="button" disabled={!canEditVideo} onClick={addRange} data-testid="add-range">+ range</button>
              <button type="button" onClick={() => setPreview(cutQuery('webm'))} data-testid="preview-cut">Preview cut</button>
              <a href={cutQuery('smart')} download>Download (smart)</a>
            </div>
          </div>
          {preview && (
            <div className="preview">
              <video src={preview} controls autoPlay data-testid="preview-video" />
              <button type="button" onClick={() => setPreview(null)}>Close preview</button>
            </div>
          )}
        </div>
      </div>

      {(conflict || help) && <div className="backdrop" onClick={() => { if (help) setHelp(false); }} />}
      {conflict && (
        <div className="dialog" role="dialog" aria-label="Conflict" data-testid="conflict">
          <h3>Someone else changed this event</h3>
          <p>{conflict.c.error}</p>
          <table>
            <thead><tr><th>field</th><th>yours</th><th>theirs (saved)</th></tr></thead>
            <tbody>{conflict.c.changed.map((c) => <tr key={c.field}><td title={c.field}>{FIELD_LABELS[c.field] ?? c.field}</td><td className="mono small">{short(c.ours)}</td><td className="mono small">{short(c.theirs)}</td></tr>)}</tbody>
          </table>
          <div className="row">
            <button type="button" data-testid="conflict-override" onClick={() => void write(conflict.verb, true)}>Keep mine (overwrite)</button>
            <button type="button" data-testid="conflict-accept" onClick={() => { localStorage.removeItem(draftKey(ev.id)); setConflict(null); setMessage(null); void load(); }}>Take theirs (discard mine)</button>
            <button type="button" onClick={() => setConflict(null)}>Keep editing</button>
          </div>
        </div>
      )}
      {help && (
        <div className="dialog" role="dialog" aria-label="Keyboard shortcuts">
          <h3>Keyboard shortcuts</h3>
          <table><tbody>{SHORTCUT_HELP.map(([k, v]) => <tr key={k}><td className="mono">{k}</td><td>{v}</td></tr>)}</tbody></table>
          <button type="button" onClick={() => setHelp(false)}>Close</button>
        </div>
      )}
    </section>
  );
}

function TagsField({ value, disabled, onChange }: { value: string[]; disabled: boolean; onChange: (tags: string[]) => void }) {
  const [text, setText] = useState(value.join(', '));
  const last = useRef(value);
  useEffect(() => {
    // Only replace what is typed when the tags changed from outside (a reload or someone else's save).
    if (JSON.stringify(value) !== JSON.stringify(last.current) && JSON.stringify(value) !== JSON.stringify(parseTags(text))) setText(value.join(', '));
    last.current = value;
  }, [value]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <label className="block">Tags <span className="muted small">comma separated</span>
      <input aria-label="Tags" data-testid="tags" disabled={disabled} value={text} onChange={(e) => { setText(e.target.value); onChange(parseTags(e.target.value)); }} />
    </label>
  );
}
