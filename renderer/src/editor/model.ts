/**
 * The editor's draft of an event and its validation, mirroring the server's rules so the editor sees
 * problems while typing (the server still validates everything). Pure: unit-tested under Node.
 */
export type ThumbnailMode = 'NONE' | 'BARE' | 'TEMPLATE' | 'CUSTOM';

export interface Range {
  start: number | null; // µs
  end: number | null;
}

export interface Transition {
  type: string;
  duration: number;
}

export interface Draft {
  title: string;
  description: string;
  tags: string[];
  ranges: Range[];
  transitions: (Transition | null)[];
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
  const bytes = utf8Bytes(d.description);
  if (bytes > MAX_DESCRIPTION_BYTES) out.push({ field: 'description', message: `Description is ${bytes} bytes (max ${MAX_DESCRIPTION_BYTES})` });
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
    return v && v.eventId === eventId && v.draft ? v : null;
  } catch {
    return null;
  }
}

export function storeDraft(storage: Pick<Storage, 'setItem'>, v: StoredDraft): void {
  storage.setItem(draftKey(v.eventId), JSON.stringify(v));
}
