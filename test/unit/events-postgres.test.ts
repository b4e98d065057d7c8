/**
 * Portability to PostgreSQL (DESIGN §5): the real repository and migrations run against a Kysely
 * instance with PostgreSQL's adapter and query compiler over a driver that executes nothing, and every
 * statement they issue is captured. The key statements (claim, owned writes, revision-checked edits,
 * rollback, filters) must come out in PostgreSQL form, and nothing SQLite-only may appear anywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter,
  SqliteIntrospector, SqliteQueryCompiler, type CompiledQuery,
} from 'kysely';
import { migrate } from '../../main/core/events/migrations.ts';
import type { EditInputs, ModifiableInputs } from '../../main/core/events/model.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';
import type { EventsDatabase } from '../../main/core/events/schema.ts';

type Captured = { sql: string; parameters: readonly unknown[] };

function capture(dialect: 'postgres' | 'sqlite'): { db: Kysely<EventsDatabase>; queries: Captured[] } {
  const queries: Captured[] = [];
  const db = new Kysely<EventsDatabase>({
    dialect: {
      createAdapter: () => (dialect === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => (dialect === 'postgres' ? new PostgresIntrospector(k) : new SqliteIntrospector(k)),
      createQueryCompiler: () => (dialect === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
    log: (e) => {
      const q: CompiledQuery = e.query;
      queries.push({ sql: q.sql, parameters: q.parameters });
    },
  });
  return { db, queries };
}

const T0 = 1_800_000_000_000_000;
const seen: EditInputs = {
  allow_holes: false, uploader_whitelist: null, upload_location: 'youtube', public: true,
  video_ranges: [{ start: T0, end: T0 + 1 }], video_transitions: [], video_title: 't', video_description: '',
  video_tags: [], video_channel: 'c', video_quality: 'source', thumbnail_mode: 'CUSTOM', thumbnail_time: null,
  thumbnail_template: null, thumbnail_image: Buffer.from([0x89, 0x50]), thumbnail_crop: [0, 0, 1, 1], thumbnail_location: null,
};
const ID = '00000000-0000-4000-8000-000000000001';

/** Everything the repository can issue, run once. */
async function exercise(db: Kysely<EventsDatabase>): Promise<void> {
  const repo = new EventsRepository(db, { now: () => T0 });
  await repo.create({ id: ID, channel: 'c', quality: 'source', event_start: T0, event_end: null, tags: ['x'] }, 'me').catch(() => undefined);
  await repo.get(ID);
  await repo.getView(ID);
  await repo.list({ limit: 10, offset: 0, states: ['EDITED', 'DONE'], channel: 'c', tag: 'Poster Moment', text: '100%', order: 'updated_at', desc: true })
    .catch(() => undefined); // the dummy driver returns no count row
  await repo.history(ID);
  await repo.snapshotAt(ID, 1);
  await repo.listChangedSince(T0);
  await repo.updateIfRevision(ID, 3, { notes: 'n', video_ranges: [{ start: T0, end: T0 + 5 }], public: false }, 'draft', 'ed');
  await repo.listCandidates('me', ['youtube', 'local']);
  await repo.claimEvent(ID, 'me', seen);
  await repo.setRowIfOwned(ID, 'me', { state: 'FINALIZING' }, 'CLAIMED');
  await repo.rollbackOwned('me');
  await repo.markUploaded(ID, 'me', { videoId: 'v', videoLink: 'l', thumbnailLastWritten: null, needsTranscode: false });
  await repo.failRetryable(ID, 'me', 'e');
  await repo.setCandidateError(ID, 'e');
  await repo.listTranscoding('youtube');
  await repo.markTranscoded([ID]);
  await repo.listModified('youtube');
  const mod: ModifiableInputs = { ...seen };
  await repo.markUpdated(ID, mod);
  await repo.setUpdateError(ID, 'e');
}

/** Constructs that exist in SQLite but not in PostgreSQL (or mean something else there). */
const SQLITE_ONLY = [
  /\?/, /`/, /\bjson_\w+\(/i, /\bjson\(/i, /\bifnull\(/i, /\bstrftime\(/i, /\bdatetime\(/i, /\bjulianday\(/i,
  /\bglob\b/i, /\binsert or\b/i, /\breplace into\b/i, /\bautoincrement\b/i, /\blast_insert_rowid\(/i,
  /\bpragma\b/i, /\browid\b/i, /\bblob\b/i, /\bbegin immediate\b/i, /\bis not\s+\$/i, /\bwithout rowid\b/i,
];

test('every repository statement compiles to PostgreSQL with no SQLite-only syntax', async () => {
  const { db, queries } = capture('postgres');
  await exercise(db);
  assert.ok(queries.length >= 20, `captured ${queries.length} statements`);
  for (const q of queries) {
    for (const re of SQLITE_ONLY) assert.doesNotMatch(q.sql, re, `SQLite-only ${re} in: ${q.sql}`);
    const placeholders = [...q.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(placeholders.length ? Math.max(...placeholders) : 0, q.parameters.length, `placeholders match parameters: ${q.sql}`);
    for (const p of q.parameters) assert.notEqual(typeof p, 'boolean', `booleans are stored as integers: ${q.sql}`);
  }
});

test('claim is one conditional UPDATE comparing every edit input with IS NOT DISTINCT FROM', async () => {
  const { db, queries } = capture('postgres');
  await new EventsRepository(db, { now: () => T0 }).claimEvent(ID, 'me', seen);
  const claim = queries.find((q) => q.sql.startsWith('update "events"'))!;
  assert.ok(claim, queries.map((q) => q.sql).join('\n'));
  assert.match(claim.sql, /^update "events" set "state" = \$1, "uploader" = \$2, "error" = \$3, "revision" = "revision" \+ 1, "updated_at" = \$4 where \("id" = \$5 and "state" = \$6 and /);
  const compared = [...claim.sql.matchAll(/"(\w+)" is not distinct from \$\d+/g)].map((m) => m[1]);
  assert.deepEqual(compared, [
    'allow_holes', 'uploader_whitelist', 'upload_location', 'public', 'video_ranges', 'video_transitions', 'video_title',
    'video_description', 'video_tags', 'video_channel', 'video_quality', 'thumbnail_mode', 'thumbnail_time',
    'thumbnail_template', 'thumbnail_image', 'thumbnail_crop', 'thumbnail_location',
  ]);
  assert.match(claim.sql, /\) returning \*$/);
  assert.deepEqual(claim.parameters.slice(0, 6), ['CLAIMED', 'me', null, T0, ID, 'EDITED']);
  // inputs are compared in their stored form: canonical JSON text, 0/1, bytes
  assert.ok(claim.parameters.includes(JSON.stringify([{ start: T0, end: T0 + 1 }])));
  assert.ok(claim.parameters.includes('[0,0,1,1]'));
  assert.ok(claim.parameters.some((p) => Buffer.isBuffer(p)));
  // history row in the same transaction is only written when a row was claimed; the dummy driver claims none
  assert.equal(queries.filter((q) => q.sql.startsWith('insert')).length, 0);
});

test('owned writes, revision-checked edits and rollback are conditional updates in PostgreSQL form', async () => {
  const { db, queries } = capture('postgres');
  const repo = new EventsRepository(db, { now: () => T0 });
  await repo.setRowIfOwned(ID, 'me', { state: 'FINALIZING' }, 'CLAIMED');
  await repo.updateIfRevision(ID, 7, { notes: 'n' }, 'draft', null);
  await repo.rollbackOwned('me');
  const updates = queries.filter((q) => q.sql.startsWith('update')).map((q) => q.sql);
  assert.equal(updates.length, 4);
  assert.match(updates[0]!, /where \("id" = \$\d+ and "uploader" = \$\d+ and "state" = \$\d+\) returning \*$/);
  assert.match(updates[1]!, /where \("id" = \$\d+ and "revision" = \$\d+\) returning \*$/);
  assert.match(updates[2]!, /set "state" = \$1, "uploader" = \$2, .* where \("state" = \$\d+ and "uploader" = \$\d+\)/);
  assert.match(updates[3]!, /where \("state" = \$\d+ and "uploader" = \$\d+ and "error" is null\)/);
});

test('filters use portable lower()/LIKE with an explicit escape character', async () => {
  const { db, queries } = capture('postgres');
  await new EventsRepository(db).list({ limit: 5, offset: 10, text: '50%_off', tag: 'A b' }).catch(() => undefined);
  const select = queries[0]!;
  assert.match(select.sql, /lower\("video_title"\) like \$\d+ escape '\\'/);
  assert.match(select.sql, /limit \$\d+ offset \$\d+$/);
  assert.ok(select.parameters.includes('%50\\%\\_off%'));
  assert.ok(select.parameters.includes('%"a b"%'));
});

test('migrations compile to PostgreSQL DDL: bigint times, bytea image, check constraints, table lock', async () => {
  const { db, queries } = capture('postgres');
  await migrate(db, 'postgres');
  const all = queries.map((q) => q.sql).join(';\n');
  assert.match(all, /create table if not exists "schema_migrations"/);
  assert.match(all, /lock table schema_migrations in exclusive mode/);
  assert.match(all, /"thumbnail_image" bytea/);
  assert.match(all, /"event_start" bigint not null/);
  assert.match(all, /constraint "events_state_valid" check \("state" in \('UNEDITED', 'EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING', 'DONE', 'MODIFIED'\)\)/);
  assert.match(all, /constraint "event_history_pk" primary key \("event_id", "revision"\)/);
  assert.match(all, /references "events" \("id"\) on delete cascade/);
  for (const re of SQLITE_ONLY) assert.doesNotMatch(all, re);
});

test('the SQLite and PostgreSQL forms of the claim differ only in placeholders and quoting rules', async () => {
  const pg = capture('postgres');
  const lite = capture('sqlite');
  await new EventsRepository(pg.db, { now: () => T0 }).claimEvent(ID, 'me', seen);
  await new EventsRepository(lite.db, { now: () => T0 }).claimEvent(ID, 'me', seen);
  const a = pg.queries.find((q) => q.sql.startsWith('update'))!;
  const b = lite.queries.find((q) => q.sql.startsWith('update'))!;
  assert.equal(a.sql.replace(/\$\d+/g, '?'), b.sql);
  assert.deepEqual(a.parameters, b.parameters);
});
