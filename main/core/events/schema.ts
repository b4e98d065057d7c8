/**
 * Table shapes as stored, for Kysely. The storage encoding is chosen so the same rows mean the same
 * thing on SQLite and PostgreSQL: arrays/objects as canonical JSON text, booleans as 0/1 integers,
 * times as integer epoch µs (BIGINT). PostgreSQL drivers return BIGINT as strings, so every integer
 * column is typed `number | string` on the way out and the codec coerces with Number().
 */
import type { ColumnType } from 'kysely';

/** integer column: number in, number (SQLite) or numeric string (PostgreSQL BIGINT) out */
type Int = ColumnType<number | string, number, number>;
type NullableInt = ColumnType<number | string | null, number | null, number | null>;

export interface EventsTable {
  id: string;
  channel: string;
  quality: string;
  event_start: Int;
  event_end: NullableInt;
  category: string;
  notes: string;
  description: string;
  /** JSON string[] */
  tags: string;

  allow_holes: Int;
  /** JSON string[] | NULL (NULL = any cutter) */
  uploader_whitelist: string | null;
  upload_location: string | null;
  public: Int;
  /** JSON [{start,end}] µs */
  video_ranges: string | null;
  /** JSON [{type,duration}|null] */
  video_transitions: string | null;
  video_title: string | null;
  video_description: string | null;
  /** JSON string[] */
  video_tags: string | null;
  video_channel: string | null;
  video_quality: string;
  thumbnail_mode: string;
  thumbnail_time: NullableInt;
  thumbnail_template: string | null;
  thumbnail_image: Buffer | null;
  thumbnail_image_sha256: string | null;
  /** JSON [l,t,r,b] */
  thumbnail_crop: string | null;
  thumbnail_location: string | null;

  state: string;
  uploader: string | null;
  error: string | null;
  video_id: string | null;
  video_link: string | null;
  editor: string | null;
  edit_time: NullableInt;
  upload_time: NullableInt;
  last_modified: NullableInt;
  thumbnail_last_written: string | null;

  revision: Int;
  created_at: Int;
  created_by: string | null;
  updated_at: Int;
}

/** One row per revision of every event: who did what, and the event as it was after (API form, no image bytes). */
export interface EventHistoryTable {
  event_id: string;
  revision: Int;
  action: string;
  actor: string | null;
  changed_at: Int;
  /** JSON of the public event form */
  snapshot: string;
}

export interface SchemaMigrationsTable {
  version: Int;
  name: string;
  applied_at: Int;
}

export interface EventsDatabase {
  events: EventsTable;
  event_history: EventHistoryTable;
  schema_migrations: SchemaMigrationsTable;
}
