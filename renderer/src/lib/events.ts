/**
 * The events API as the UI sees it. All shape knowledge of /api/events lives here, so the screens work
 * with one `EventView` type whatever the server's JSON looks like.
 */
import { api } from './api.ts';
import { composeDescription, splitDescription } from '../editor/chapters.ts';
import type { Draft, ThumbnailMode } from '../editor/model.ts';

export type EventState = 'UNEDITED' | 'EDITED' | 'CLAIMED' | 'FINALIZING' | 'TRANSCODING' | 'DONE' | 'MODIFIED';

export interface EventView {
  id: string;
  channel: string;
  quality: string;
  state: EventState;
  revision: number;
  eventStart: number | null; // µs
  eventEnd: number | null;
  notes: string;
  category: string;
  editor: string | null;
  editTime: string | null;
  error: string | null;
  videoLink: string | null;
  uploader: string | null;
  draft: Draft;
  raw: Record<string, unknown>;
}

export interface EventFilter {
  state?: string;
  channel?: string;
  tag?: string;
  q?: string;
}

export interface Conflict {
  error: string;
  changed: { field: string; ours: unknown; theirs: unknown }[];
  current: Record<string, unknown>;
}

const us = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return v;
  const ms = Date.parse(String(v));
  if (Number.isNaN(ms)) return null;
  const frac = /\.(\d+)/.exec(String(v))?.[1] ?? '';
  return Math.floor(ms / 1000) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
};
const iso = (v: number | null) => (v === null ? null : new Date(Math.floor(v / 1000)).toISOString().replace(/\.\d+Z$/, `.${String(v % 1_000_000).padStart(6, '0')}Z`));

export function toView(r: Record<string, unknown>): EventView {
  const g = (k: string) => r[k];
  const ranges = ((g('video_ranges') as { start: unknown; end: unknown }[] | null) ?? []).map((x) => ({ start: us(x.start), end: us(x.end) }));
  const transitions = ((g('video_transitions') as ({ type: string; duration: number } | null)[] | null) ?? []).map((t) => (t ? { type: t.type, duration: Number(t.duration) } : null));
  return {
    id: String(g('id')),
    channel: String(g('channel') ?? g('video_channel') ?? ''),
    quality: String(g('video_quality') ?? g('quality') ?? 'source'),
    state: g('state') as EventState,
    revision: Number(g('revision') ?? 0),
    eventStart: us(g('event_start')),
    eventEnd: us(g('event_end')),
    notes: String(g('notes') ?? ''),
    category: String(g('category') ?? ''),
    editor: (g('editor') as string | null) ?? null,
    editTime: (g('edit_time') as string | null) ?? null,
    error: (g('error') as string | null) ?? null,
    videoLink: (g('video_link') as string | null) ?? null,
    uploader: (g('uploader') as string | null) ?? null,
    raw: r,
    draft: {
      title: String(g('video_title') ?? ''),
      // the stored description carries the chapter list: split it back into the text and the chapters
      ...splitDescription(String(g('video_description') ?? ''), { ranges, transitions }),
      tags: (g('video_tags') as string[] | null) ?? (g('tags') as string[] | null) ?? [],
      ranges,
      transitions,
      thumbnailMode: (g('thumbnail_mode') as ThumbnailMode | null) ?? 'BARE',
      thumbnailTime: us(g('thumbnail_time')),
      thumbnailTemplate: (g('thumbnail_template') as string | null) ?? null,
      thumbnailCrop: (g('thumbnail_crop') as number[] | null) ?? null,
      thumbnailLocation: (g('thumbnail_location') as number[] | null) ?? null,
      thumbnailImage: (g('thumbnail_image') as string | null) ?? null,
      allowHoles: Boolean(g('allow_holes') ?? false),
      public: Boolean(g('public') ?? true),
      uploadLocation: (g('upload_location') as string | null) ?? null,
    },
  };
}

/** The API body for a draft. Throws ChapterError when the chapters cannot be written (editor/chapters.ts saveIssues). */
export function fromDraft(d: Draft): Record<string, unknown> {
  return {
    video_title: d.title,
    video_description: composeDescription(d),
    video_tags: d.tags,
    video_ranges: d.ranges.map((r) => ({ start: iso(r.start), end: iso(r.end) })),
    video_transitions: d.transitions,
    thumbnail_mode: d.thumbnailMode,
    thumbnail_time: iso(d.thumbnailTime),
    thumbnail_template: d.thumbnailTemplate,
    thumbnail_crop: d.thumbnailCrop,
    thumbnail_location: d.thumbnailLocation,
    ...(d.thumbnailMode === 'CUSTOM' && d.thumbnailImage ? { thumbnail_image: d.thumbnailImage } : {}),
    allow_holes: d.allowHoles,
    public: d.public,
    upload_location: d.uploadLocation,
  };
}

/** /api/events is the SSE stream, so the events database lives under /api/db/events. */
const BASE = '/api/db/events';

function unwrap(r: unknown): Record<string, unknown> {
  const o = r as Record<string, unknown>;
  return (o && typeof o === 'object' && 'event' in o ? o.event : o) as Record<string, unknown>;
}

export async function listEvents(f: EventFilter = {}): Promise<EventView[]> {
  const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]);
  const r = await api<unknown>(`${BASE}?${q}`);
  const rows = (Array.isArray(r) ? r : ((r as { events?: unknown[]; items?: unknown[] }).events ?? (r as { items?: unknown[] }).items ?? [])) as Record<string, unknown>[];
  return rows.map(toView);
}

export async function getEvent(id: string): Promise<EventView> {
  return toView(unwrap(await api(`${BASE}/${encodeURIComponent(id)}`)));
}

export async function createMark(channel: string, timeUs: number, leadInSeconds: number): Promise<EventView> {
  const editor = editorName();
  return toView(unwrap(await api(BASE, { body: { channel, time: iso(timeUs), leadInSeconds, ...(editor ? { editor } : {}) } })));
}

export async function createRange(channel: string, start: number, end: number): Promise<EventView> {
  return toView(unwrap(await api(BASE, { body: { channel, start: iso(start), end: iso(end) } })));
}

type Verb = 'save' | 'submit' | 'modify';

/** Who is editing (shown in the events list as "edited by"): typed once in the top bar, kept in this browser. */
export function editorName(): string | undefined {
  try {
    return localStorage.getItem('tapedeck.editor')?.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function writeEvent(id: string, verb: Verb, d: Draft, baseRevision: number, override = false): Promise<EventView> {
  const editor = editorName();
  const body = { ...fromDraft(d), baseRevision, override, ...(editor ? { editor } : {}) };
  const path = `${BASE}/${encodeURIComponent(id)}${verb === 'save' ? '' : `/${verb}`}`;
  return toView(unwrap(await api(path, { method: verb === 'save' ? 'PUT' : 'POST', body })));
}

export async function eventAction(ev: EventView, action: 'cancel' | 'reset' | 'manual-link', body: Record<string, unknown> = {}): Promise<EventView> {
  const editor = editorName();
  return toView(unwrap(await api(`${BASE}/${encodeURIComponent(ev.id)}/${action}`, { body: { baseRevision: ev.revision, ...(editor ? { editor } : {}), ...body } })));
}
