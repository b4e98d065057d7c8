/**
 * Conversions between the three shapes of an event:
 *  - the stored row (EventsTable: JSON text, 0/1, integer µs — identical on SQLite and PostgreSQL),
 *  - the in-process record (EventRecord: arrays, booleans, µs numbers, Buffer),
 *  - the public JSON of the HTTP API and bus (EventJson: ISO-8601 times, image as its sha256).
 *
 * JSON columns are written canonically (fixed key order, no whitespace) so that "same value" and "same
 * text" coincide: the cutter's claim compares columns against re-encoded values it read earlier.
 */
import { createHash } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import type {
  Box, EventRecord, EventState, EventView, ThumbnailMode, VideoRange, VideoTransition,
} from './model.ts';
import type { EventsTable } from './schema.ts';

type Row = Selectable<EventsTable>;
/** A row as selected, possibly without the image column. */
export type StoredRow = Omit<Row, 'thumbnail_image'> & { thumbnail_image?: Buffer | Uint8Array | null };
export type StoredPatch = Updateable<EventsTable>;

// ---- canonical JSON ----------------------------------------------------------------------------

const canonRanges = (r: VideoRange[]) => r.map((x) => ({ start: x.start, end: x.end }));
const canonTransitions = (t: (VideoTransition | null)[]) => t.map((x) => (x === null ? null : { type: x.type, duration: x.duration }));
const canonBox = (b: Box): Box => [b[0], b[1], b[2], b[3]];

export const encodeJson = {
  strings: (v: string[] | null) => (v === null ? null : JSON.stringify([...v])),
  ranges: (v: VideoRange[] | null) => (v === null ? null : JSON.stringify(canonRanges(v))),
  transitions: (v: (VideoTransition | null)[] | null) => (v === null ? null : JSON.stringify(canonTransitions(v))),
  box: (v: Box | null) => (v === null ? null : JSON.stringify(canonBox(v))),
};

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const num = (v: number | string | bigint): number => Number(v);
const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));
const bool = (v: number | string | boolean): boolean => v === true || Number(v) === 1;

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// ---- record <-> row ----------------------------------------------------------------------------

const ENCODERS: { [K in keyof EventRecord]?: (v: EventRecord[K]) => unknown } = {
  tags: encodeJson.strings,
  allow_holes: (v) => (v ? 1 : 0),
  public: (v) => (v ? 1 : 0),
  uploader_whitelist: encodeJson.strings,
  video_ranges: encodeJson.ranges,
  video_transitions: encodeJson.transitions,
  video_tags: encodeJson.strings,
  thumbnail_crop: encodeJson.box,
  thumbnail_location: encodeJson.box,
};

/**
 * Encode a partial record for INSERT/UPDATE. Writing thumbnail_image always writes its hash too, so
 * the two can never disagree.
 */
export function encodePatch(patch: Partial<EventRecord>): StoredPatch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch) as [keyof EventRecord, unknown][]) {
    if (v === undefined || k === 'thumbnail_image_sha256') continue;
    const enc = ENCODERS[k] as ((x: unknown) => unknown) | undefined;
    out[k] = enc ? enc(v) : v;
  }
  if (patch.thumbnail_image !== undefined) {
    out.thumbnail_image = patch.thumbnail_image;
    out.thumbnail_image_sha256 = patch.thumbnail_image === null ? null : sha256Hex(patch.thumbnail_image);
  }
  return out as StoredPatch;
}

export function decodeView(r: StoredRow): EventView {
  return {
    id: r.id,
    channel: r.channel,
    quality: r.quality,
    event_start: num(r.event_start),
    event_end: numOrNull(r.event_end),
    category: r.category,
    notes: r.notes,
    description: r.description,
    tags: parseJson<string[]>(r.tags) ?? [],
    allow_holes: bool(r.allow_holes),
    uploader_whitelist: parseJson<string[]>(r.uploader_whitelist),
    upload_location: r.upload_location,
    public: bool(r.public),
    video_ranges: parseJson<VideoRange[]>(r.video_ranges),
    video_transitions: parseJson<(VideoTransition | null)[]>(r.video_transitions),
    video_title: r.video_title,
    video_description: r.video_description,
    video_tags: parseJson<string[]>(r.video_tags),
    video_channel: r.video_channel,
    video_quality: r.video_quality,
    thumbnail_mode: r.thumbnail_mode as ThumbnailMode,
    thumbnail_time: numOrNull(r.thumbnail_time),
    thumbnail_template: r.thumbnail_template,
    thumbnail_image_sha256: r.thumbnail_image_sha256,
    thumbnail_crop: parseJson<Box>(r.thumbnail_crop),
    thumbnail_location: parseJson<Box>(r.thumbnail_location),
    state: r.state as EventState,
    uploader: r.uploader,
    error: r.error,
    video_id: r.video_id,
    video_link: r.video_link,
    editor: r.editor,
    edit_time: numOrNull(r.edit_time),
    upload_time: numOrNull(r.upload_time),
    last_modified: numOrNull(r.last_modified),
    thumbnail_last_written: r.thumbnail_last_written,
    revision: num(r.revision),
    created_at: num(r.created_at),
    created_by: r.created_by,
    updated_at: num(r.updated_at),
  };
}

export function decodeRecord(r: StoredRow): EventRecord {
  const img = r.thumbnail_image ?? null;
  return { ...decodeView(r), thumbnail_image: img === null ? null : Buffer.isBuffer(img) ? img : Buffer.from(img) };
}

// ---- public JSON -------------------------------------------------------------------------------

/** epoch µs → "2026-11-21T19:02:03.500000Z" (microsecond precision, always UTC). */
export function isoFromUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const base = new Date(ms).toISOString(); // ...T19:02:03.500Z
  const micros = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${base.slice(0, 19)}.${micros}Z`;
}

const isoOrNull = (us: number | null) => (us === null ? null : isoFromUs(us));

export interface EventJson {
  id: string;
  channel: string;
  quality: string;
  event_start: string;
  event_end: string | null;
  category: string;
  notes: string;
  description: string;
  tags: string[];
  allow_holes: boolean;
  uploader_whitelist: string[] | null;
  upload_location: string | null;
  public: boolean;
  video_ranges: { start: string; end: string }[] | null;
  video_transitions: (VideoTransition | null)[] | null;
  video_title: string | null;
  video_description: string | null;
  video_tags: string[] | null;
  video_channel: string | null;
  video_quality: string;
  thumbnail_mode: ThumbnailMode;
  thumbnail_time: string | null;
  thumbnail_template: string | null;
  /** null = no stored image; the bytes are at GET .../thumbnail.png */
  thumbnail_image_sha256: string | null;
  thumbnail_crop: Box | null;
  thumbnail_location: Box | null;
  state: EventState;
  uploader: string | null;
  error: string | null;
  video_id: string | null;
  video_link: string | null;
  editor: string | null;
  edit_time: string | null;
  upload_time: string | null;
  last_modified: string | null;
  thumbnail_last_written: string | null;
  revision: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

export function toJson(e: EventView): EventJson {
  return {
    id: e.id,
    channel: e.channel,
    quality: e.quality,
    event_start: isoFromUs(e.event_start),
    event_end: isoOrNull(e.event_end),
    category: e.category,
    notes: e.notes,
    description: e.description,
    tags: e.tags,
    allow_holes: e.allow_holes,
    uploader_whitelist: e.uploader_whitelist,
    upload_location: e.upload_location,
    public: e.public,
    video_ranges: e.video_ranges?.map((r) => ({ start: isoFromUs(r.start), end: isoFromUs(r.end) })) ?? null,
    video_transitions: e.video_transitions,
    video_title: e.video_title,
    video_description: e.video_description,
    video_tags: e.video_tags,
    video_channel: e.video_channel,
    video_quality: e.video_quality,
    thumbnail_mode: e.thumbnail_mode,
    thumbnail_time: isoOrNull(e.thumbnail_time),
    thumbnail_template: e.thumbnail_template,
    thumbnail_image_sha256: e.thumbnail_image_sha256,
    thumbnail_crop: e.thumbnail_crop,
    thumbnail_location: e.thumbnail_location,
    state: e.state,
    uploader: e.uploader,
    error: e.error,
    video_id: e.video_id,
    video_link: e.video_link,
    editor: e.editor,
    edit_time: isoOrNull(e.edit_time),
    upload_time: isoOrNull(e.upload_time),
    last_modified: isoOrNull(e.last_modified),
    thumbnail_last_written: e.thumbnail_last_written,
    revision: e.revision,
    created_at: isoFromUs(e.created_at),
    created_by: e.created_by,
    updated_at: isoFromUs(e.updated_at),
  };
}

/** Record field name → the public field that shows it (only the image differs). */
export const publicFieldOf = (field: keyof EventRecord): keyof EventJson =>
  field === 'thumbnail_image' ? 'thumbnail_image_sha256' : (field as keyof EventJson);
