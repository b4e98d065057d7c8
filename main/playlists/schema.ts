/**
 * Tables of DATA/playlists.sqlite3 as Kysely sees them. Same storage conventions as the events
 * database (main/core/events/schema.ts): lists as canonical JSON text, booleans as 0/1, times as
 * integer epoch milliseconds (BIGINT), so the statements stay portable to PostgreSQL.
 */
import type { ColumnType } from 'kysely';

type Int = ColumnType<number | string, number, number>;
type NullableInt = ColumnType<number | string | null, number | null, number | null>;

/** One managed YouTube playlist (wubloader's `playlists` row, plus our sync switches). */
export interface PlaylistsTable {
  /** the YouTube playlist id (PL…): the resource id of /api/playlists/:id */
  id: string;
  name: string;
  /** connected YouTube account id to call the API with (or null: the location's account) */
  account: string | null;
  /** a youtube upload location whose account is used (when account is null) */
  location: string | null;
  /** JSON string[] (lowercased); [] = every eligible video */
  tags: string;
  first_event_id: string | null;
  last_event_id: string | null;
  show_in_description: Int;
  default_template: string | null;
  /** delete entries of our videos that no longer match (tags removed, made unlisted) */
  remove_unmatched: Int;
  /** move misplaced entries back into start-time order */
  reorder: Int;
  enabled: Int;
  revision: Int;
  created_at: Int;
  updated_at: Int;
}

/**
 * What the sync worker knows about each playlist: the local mirror of YouTube's item list, the
 * mutation in flight (crash safety), and the status shown to operators. One row per playlist,
 * created and deleted with it; `epoch` changes when a playlist is deleted and created again, so a
 * worker still busy with the old one cannot write into the new row.
 */
export interface PlaylistSyncTable {
  playlist_id: string;
  epoch: string;
  /** JSON [[itemId, videoId], ...] in playlist order; null = never fetched */
  mirror: string | null;
  /** 0 = the mirror must be refetched before it is trusted */
  mirror_valid: Int;
  /** JSON {op, videoId, itemId?, position?, at}: a YouTube mutation that may have happened */
  pending_op: string | null;
  /** JSON {videoId: untilMs}: videos YouTube refused to add (not found/private), retried after */
  skipped: string;
  /** operator asked for a check now: 'check' (first page) or 'full' (whole list) */
  force: string | null;
  last_run_at: NullableInt;
  last_checked_at: NullableInt;
  last_full_at: NullableInt;
  items: NullableInt;
  pending_inserts: Int;
  pending_moves: Int;
  pending_removals: Int;
  last_error: string | null;
  last_error_at: NullableInt;
  /** a problem only the operator can fix (manual sorting, playlist missing...): no retries until then */
  blocked: string | null;
  failures: Int;
  next_attempt_at: NullableInt;
  /** Pacific day and the units this playlist's calls cost on it */
  quota_day: string | null;
  quota_units: Int;
}

export interface SchemaMigrationsTable {
  version: Int;
  name: string;
  applied_at: Int;
}

export interface PlaylistsDatabase {
  playlists: PlaylistsTable;
  playlist_sync: PlaylistSyncTable;
  schema_migrations: SchemaMigrationsTable;
}
