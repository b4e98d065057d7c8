/**
 * DATA/playlists.sqlite3: playlist definitions, the sync mirror and status.
 *
 * Why a file of its own and not a table in the events database: a playlist names a YouTube account
 * and upload location of THIS node (accounts.json, config.json are per node), and exactly one node
 * must sync a given YouTube playlist (two would both insert every new video), so the definitions are
 * node-local configuration like the quota ledger — while the events database may be one PostgreSQL
 * shared by several nodes. The file is opened exactly like the events database (WAL, synchronous=FULL,
 * the same numbered-migration runner and process lock) and the repository uses only portable Kysely
 * statements, so moving these tables into a shared database later is a matter of a migration.
 */
import type { Kysely } from 'kysely';
import { join } from 'node:path';
import { openEventsDb } from '../core/events/db.ts';
import { PLAYLISTS_MIGRATIONS } from './migrations.ts';
import type { PlaylistsDatabase } from './schema.ts';

export const PLAYLISTS_DB_FILE = 'playlists.sqlite3';

export const playlistsDbPath = (dataDir: string): string => join(dataDir, PLAYLISTS_DB_FILE);

export interface PlaylistsDb {
  db: Kysely<PlaylistsDatabase>;
  close(): Promise<void>;
}

export async function openPlaylistsDb(dataDir: string): Promise<PlaylistsDb> {
  const h = await openEventsDb(playlistsDbPath(dataDir), { migrations: PLAYLISTS_MIGRATIONS });
  return { db: h.db as unknown as Kysely<PlaylistsDatabase>, close: () => h.close() };
}
