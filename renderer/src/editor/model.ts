/**
 * The editor's draft of an event and its validation, mirroring the server's rules so the editor sees
 * problems while typing (the server still validates everything). Pure: unit-tested under Node.
 */
import { chapterIssues, describedText } from './chapters.ts';

export type ThumbnailMode = 'NONE' | 'BARE' | 'TEMPLATE' | 'CUSTOM';

export interface Range {
  start: number | null; // µs
  end: number | null;
}

export interface Transition {
  type: string;
  duration: number;
}

/**
 * A chapter marker (editor/chapters.ts): a moment of the recording inside one range, with a title.
 * Wall-clock like the ranges, so it stays on the same picture when ranges or transitions change; its
 * place in the output video is worked out when the description is written.
 */
export interface Chapter {
  /** index into Draft.ranges */
  range: number;
  /** µs wall-clock; null until the operator sets it */
  time: number | null;
  description: string;
}

export interface Draft {
  title: string;
  /** what the operator typed; the stored video_description is this plus the chapter block (chapters.ts) */
  description: string;
  tags: string[];
  ranges: Range[];
  transitions: (Transition | null)[];
  /** chapter markers, kept apart from the description text and appended to it when written (chapters.ts) */
  chapters: Chapter[];
  /** "Add chapter markers to video description" (chapters are kept while it is off, just not written) */
  chaptersEnabled: boolean;
  thumbnailMode: ThumbnailMode;
  thumbnailTime: number | null;
  thumbnailTemplate: string | null;
  thumbnailCrop: number[] | null;
  thumbnailLocation: number[] | null;
  thumbnailImage: string | null; // base64 PNG for CUSTOM
  allowHoles: boolean;
  public: boolean;
  uploadLocation: string | null;
}

export const MAX_TITLE = 100;
export const MAX_DESCRIPTION_BYTES = 5000;
export const MAX_TAGS = 500;

/** YouTube's tag length: commas between tags count, a tag with a space counts its quotes. */
export function tagsLength(tags: string[]): number {
  const clean = tags.map((t) => t.trim()).filter(Boolean);
  return clean.reduce((n, t) => n + t.length + (t.includes(' ') ? 2 : 0), 0) + Math.max(0, clean.length - 1);
}

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

export function parseTags(text: string): string[] {
  return text.split(',').map((t) => t.trim()).filter(Boolean);
}

export interface Issue {
  field: string;
  message: string;
}

/** Problems that would stop a submit (a draft may be saved with them). */
export function validate(d: Draft, opts: { titlePrefix?: string; requireLocation?: boolean } = {}): Issue[] {
  const out: Issue[] = [];
  const fullTitle = (opts.titlePrefix ?? '') + d.title;
  if (!d.title.trim()) out.push({ field: 'title', message: 'Title is required' });
  if ([...fullTitle].length > MAX_TITLE) out.push({ field: 'title', message: `Title is ${[...fullTitle].length} characters including the prefix (max ${MAX_TITLE})` });
  if (/[<>]/.test(d.title)) out.push({ field: 'title', message: 'Title may not contain < or >' });
  if (/[<>]/.test(d.description)) out.push({ field: 'description', message: 'Description may not contain < or >' });
  // What is sent: the text plus the chapter block when there is one.
  const bytes = utf8Bytes(describedText(d));
  if (bytes > MAX_DESCRIPTION_BYTES) out.push({ field: 'description', message: `Description is ${bytes} bytes${d.chaptersEnabled && d.chapters.length ? ' with the chapter list' : ''} (max ${MAX_DESCRIPTION_BYTES})` });
  const tl = tagsLength(d.tags);
  if (tl > MAX_TAGS) out.push({ field: 'tags', message: `Tags are ${tl} characters by YouTube's count (max ${MAX_TAGS})` });
  if (d.ranges.length === 0) out.push({ field: 'ranges', message: 'At least one range is required' });
  d.ranges.forEach((r, i) => {
    if (r.start === null || r.end === null) out.push({ field: `ranges.${i}`, message: `Range ${i + 1} needs a start and an end` });
    else if (r.end <= r.start) out.push({ field: `ranges.${i}`, message: `Range ${i + 1} ends before it starts` });
  });
  if (d.transitions.length !== Math.max(0, d.ranges.length - 1)) out.push({ field: 'transitions', message: 'There must be one transition between each pair of ranges' });
  d.transitions.forEach((t, i) => {
    if (t && !(t.duration > 0)) out.push({ field: `transitions.${i}`, message: `Transition ${i + 1} needs a positive duration` });
  });
  if ((d.thumbnailMode === 'BARE' || d.thumbnailMode === 'TEMPLATE') && d.thumbnailTime === null) out.push({ field: 'thumbnail', message: 'Pick a thumbnail frame time' });
  if (d.thumbnailMode === 'TEMPLATE' && !d.thumbnailTemplate) out.push({ field: 'thumbnail', message: 'Pick a thumbnail template' });
  if (d.thumbnailMode === 'CUSTOM' && !d.thumbnailImage) out.push({ field: 'thumbnail', message: 'Upload a PNG thumbnail' });
  if (opts.requireLocation && !d.uploadLocation) out.push({ field: 'uploadLocation', message: 'Pick an upload location' });
  out.push(...chapterIssues(d));
  return out;
}

/**
 * What a submit sends when the operator left a field at its default: the only upload location when there
 * is exactly one, the template of the playlist the tags put the video in, and for frame thumbnails the
 * middle of the first range. The editor shows these values,
 * so nothing is sent that the operator did not see.
 */
export function withDefaults(d: Draft, opts: { locations?: string[]; defaultTemplate?: string | null } = {}): Draft {
  let out = d;
  if (out.thumbnailMode === 'TEMPLATE' && !out.thumbnailTemplate && opts.defaultTemplate) out = { ...out, thumbnailTemplate: opts.defaultTemplate };
  if (!out.uploadLocation && opts.locations?.length === 1) out = { ...out, uploadLocation: opts.locations[0]! };
  if ((out.thumbnailMode === 'BARE' || out.thumbnailMode === 'TEMPLATE') && out.thumbnailTime === null) {
    const r = out.ranges[0];
    if (r && r.start !== null) out = { ...out, thumbnailTime: r.end !== null && r.end > r.start ? r.start + Math.floor((r.end - r.start) / 2) : r.start };
  }
  return out;
}

/** Output length in seconds: sum of ranges minus transition overlaps. */
export function outputSeconds(d: Draft): number {
  const ranges = d.ranges.reduce((n, r) => n + (r.start !== null && r.end !== null && r.end > r.start ? (r.end - r.start) / 1e6 : 0), 0);
  return ranges - d.transitions.reduce((n, t) => n + (t ? t.duration : 0), 0);
}

/**
 * Move one edge of range i. Chapters that sat exactly on the old start move with it: the first
 * chapter is pinned to the start of range 1 (YouTube wants it at 0:00), and a chapter opening a
 * later range ("Part 2") should stay its opening when the range is trimmed.
 */
export function moveRangeEdge(d: Draft, i: number, edge: 'start' | 'end', t: number | null): Draft {
  const old = d.ranges[i]?.start ?? null;
  const ranges = d.ranges.map((r, j) => (j === i ? { ...r, [edge]: t } : r));
  const follows = (c: Chapter) => edge === 'start' && old !== null && c.range === i && c.time === old;
  return { ...d, ranges, chapters: d.chapters.some(follows) ? d.chapters.map((c) => (follows(c) ? { ...c, time: t } : c)) : d.chapters };
}

/** Remove range i with the transition joining it to its neighbours (the one before it, or after the first) and its chapters. */
export function removeRange(d: Draft, i: number): Draft {
  return {
    ...d,
    ranges: d.ranges.filter((_, j) => j !== i),
    transitions: d.transitions.filter((_, j) => j !== Math.max(0, i - 1)).slice(0, Math.max(0, d.ranges.length - 2)),
    chapters: d.chapters.filter((c) => c.range !== i).map((c) => (c.range > i ? { ...c, range: c.range - 1 } : c)),
  };
}

/** Unsaved editor state survives reloads and navigation: kept per event in localStorage. */
export interface StoredDraft {
  eventId: string;
  baseRevision: number | null;
  draft: Draft;
  savedAt: number;
}

export function draftKey(eventId: string): string {
  return `tapedeck.draft.${eventId}`;
}

export function loadStoredDraft(storage: Pick<Storage, 'getItem'>, eventId: string): StoredDraft | null {
  try {
    const raw = storage.getItem(draftKey(eventId));
    if (!raw) return null;
    const v = JSON.parse(raw) as StoredDraft;
    if (!v || v.eventId !== eventId || !v.draft) return null;
    // Drafts stored before chapters existed lack the two chapter fields.
    const old = v.draft as Partial<Draft>;
    return { ...v, draft: { ...v.draft, chapters: old.chapters ?? [], chaptersEnabled: old.chaptersEnabled ?? false } };
  } catch {
    return null;
  }
}

export function storeDraft(storage: Pick<Storage, 'setItem'>, v: StoredDraft): void {
  storage.setItem(draftKey(v.eventId), JSON.stringify(v));
}
