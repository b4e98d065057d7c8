/**
 * Numbered migrations of DATA/playlists.sqlite3, applied by the events database's migration runner
 * (main/core/events/migrations.ts: each migration in its own locked transaction with its
 * schema_migrations row, at most once). Written with Kysely's schema builder only.
 */
import type { Migration } from '../core/events/migrations.ts';

export const PLAYLISTS_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'playlists and playlist_sync',
    async up(db) {
      await db.schema
        .createTable('playlists')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('account', 'text')
        .addColumn('location', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('first_event_id', 'text')
        .addColumn('last_event_id', 'text')
        .addColumn('show_in_description', 'integer', (c) => c.notNull())
        .addColumn('default_template', 'text')
        .addColumn('remove_unmatched', 'integer', (c) => c.notNull())
        .addColumn('reorder', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('playlist_sync')
        .addColumn('playlist_id', 'text', (c) => c.primaryKey().references('playlists.id').onDelete('cascade'))
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('mirror', 'text')
        .addColumn('mirror_valid', 'integer', (c) => c.notNull())
        .addColumn('pending_op', 'text')
        .addColumn('skipped', 'text', (c) => c.notNull())
        .addColumn('force', 'text')
        .addColumn('last_run_at', 'bigint')
        .addColumn('last_checked_at', 'bigint')
        .addColumn('last_full_at', 'bigint')
        .addColumn('items', 'integer')
        .addColumn('pending_inserts', 'integer', (c) => c.notNull())
        .addColumn('pending_moves', 'integer', (c) => c.notNull())
        .addColumn('pending_removals', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'bigint')
        .addColumn('blocked', 'text')
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('quota_day', 'text')
        .addColumn('quota_units', 'integer', (c) => c.notNull())
        .execute();
    },
  },
];
