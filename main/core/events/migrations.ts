/**
 * Numbered schema migrations for the events database. Each migration is written with Kysely's schema
 * builder (no dialect-specific SQL, except the binary column type, chosen from `dialect`), runs inside
 * its own transaction together with its `schema_migrations` row, and is applied at most once: a
 * half-applied migration cannot exist, and reopening the database is a no-op.
 *
 * Several processes (the node, a cutter worker, other nodes sharing PostgreSQL) may open the database
 * at the same moment, so each pending migration takes the database's write lock before re-checking
 * whether it is still pending. That lock statement is the one dialect-aware piece of this file.
 */
import { sql, type Kysely } from 'kysely';
import { EVENT_STATES, THUMBNAIL_MODES } from './model.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  // Migrations see an untyped database: the typed schema describes the latest version only.
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

export class MigrationError extends Error {}

const inList = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

export const EVENTS_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events and event_history',
    async up(db, dialect) {
      const binary = dialect === 'postgres' ? 'bytea' : 'blob';
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('quality', 'text', (c) => c.notNull())
        .addColumn('event_start', 'bigint', (c) => c.notNull())
        .addColumn('event_end', 'bigint')
        .addColumn('category', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('allow_holes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('uploader_whitelist', 'text')
        .addColumn('upload_location', 'text')
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('video_ranges', 'text')
        .addColumn('video_transitions', 'text')
        .addColumn('video_title', 'text')
        .addColumn('video_description', 'text')
        .addColumn('video_tags', 'text')
        .addColumn('video_channel', 'text')
        .addColumn('video_quality', 'text', (c) => c.notNull().defaultTo('source'))
        .addColumn('thumbnail_mode', 'text', (c) => c.notNull().defaultTo('BARE'))
        .addColumn('thumbnail_time', 'bigint')
        .addColumn('thumbnail_template', 'text')
        .addColumn('thumbnail_image', binary)
        .addColumn('thumbnail_image_sha256', 'text')
        .addColumn('thumbnail_crop', 'text')
        .addColumn('thumbnail_location', 'text')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('UNEDITED'))
        .addColumn('uploader', 'text')
        .addColumn('error', 'text')
        .addColumn('video_id', 'text')
        .addColumn('video_link', 'text')
        .addColumn('editor', 'text')
        .addColumn('edit_time', 'bigint')
        .addColumn('upload_time', 'bigint')
        .addColumn('last_modified', 'bigint')
        .addColumn('thumbnail_last_written', 'text')
        .addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // Invariants from wubloader's schema that catch a buggy writer at the database, whoever it is.
        .addCheckConstraint('events_state_valid', inList('state', EVENT_STATES))
        .addCheckConstraint('events_thumbnail_mode_valid', inList('thumbnail_mode', THUMBNAIL_MODES))
        .addCheckConstraint('events_uploader_when_owned',
          sql`${sql.ref('uploader')} is not null or not (${inList('state', ['CLAIMED', 'FINALIZING', 'TRANSCODING'])})`)
        .addCheckConstraint('events_link_when_published',
          sql`${sql.ref('video_link')} is not null or not (${inList('state', ['DONE', 'MODIFIED'])})`)
        .addCheckConstraint('events_location_when_edited',
          sql`${sql.ref('upload_location')} is not null or ${sql.ref('state')} = 'UNEDITED'`)
        .execute();
      await db.schema.createIndex('events_state').on('events').column('state').execute();
      await db.schema.createIndex('events_channel_start').on('events').columns(['channel', 'event_start']).execute();
      await db.schema.createIndex('events_updated_at').on('events').column('updated_at').execute();

      await db.schema
        .createTable('event_history')
        .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .addColumn('snapshot', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_history_pk', ['event_id', 'revision'])
        .execute();
    },
  },
];

/** Take the database-wide write lock for the rest of this transaction. */
async function beginLocked(conn: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    // IMMEDIATE takes the write lock up front (waiting through busy_timeout) instead of failing on upgrade.
    await sql`begin immediate`.execute(conn);
  } else {
    await sql`begin`.execute(conn);
    await sql`lock table schema_migrations in exclusive mode`.execute(conn);
  }
}

function checkOrder(migrations: Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new MigrationError(`Migrations out of order: ${migrations[i - 1]!.version} then ${migrations[i]!.version}`);
    }
  }
}

/**
 * Bring the database up to the newest migration. Returns the versions applied by this call (empty
 * when the schema was already current). Refuses a database written by a newer Tapedeck.
 */
export async function migrate(db: Kysely<any>, dialect: Dialect, migrations: Migration[] = EVENTS_MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const known = new Set(migrations.map((m) => m.version));
  const done = new Set((await db.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)));
  const unknown = [...done].filter((v) => !known.has(v));
  if (unknown.length) {
    throw new MigrationError(`The events database has schema version(s) ${unknown.join(', ')} unknown to this Tapedeck (written by a newer version?)`);
  }
  const pending = migrations.filter((m) => !done.has(m.version));
  if (pending.length === 0) return [];

  const applied: number[] = [];
  await db.connection().execute(async (conn) => {
    for (const m of pending) {
      await beginLocked(conn, dialect);
      try {
        // Another process may have applied it while we waited for the lock.
        const already = await conn.selectFrom('schema_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
        if (!already) {
          await m.up(conn, dialect);
          await conn.insertInto('schema_migrations').values({ version: m.version, name: m.name, applied_at: Date.now() * 1000 }).execute();
          applied.push(m.version);
        }
        await sql`commit`.execute(conn);
      } catch (e) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw new MigrationError(`Events database migration ${m.version} (${m.name}) failed and was rolled back: ${(e as Error).message}`);
      }
    }
  });
  return applied;
}
