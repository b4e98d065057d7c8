/**
 * DATA/playlists.sqlite3: numbered migrations applied once, definitions CRUD with optimistic
 * revisions, the sync row guarded by its epoch, sync requests — and every statement in portable
 * (PostgreSQL-compilable) form, like the events repository.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery,
} from 'kysely';
import { migrate } from '../../main/core/events/migrations.ts';
import { openPlaylistsDb, playlistsDbPath, type PlaylistsDb } from '../../main/playlists/db.ts';
import { PLAYLISTS_MIGRATIONS } from '../../main/playlists/migrations.ts';
import { CreatePlaylistBody, playlistJson } from '../../main/playlists/model.ts';
import type { PlaylistsDatabase } from '../../main/playlists/schema.ts';
import { PlaylistExistsError, PlaylistStore, StalePlaylistError } from '../../main/playlists/store.ts';

let dir: string;
let h: PlaylistsDb;
let store: PlaylistStore;
let now = 1_800_000_000_000;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-plstore-'));
  h = await openPlaylistsDb(dir);
  store = new PlaylistStore(h.db, () => now);
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const body = (o: Record<string, unknown> = {}) => CreatePlaylistBody.parse({ id: 'PLstore1', name: 'Store', account: 'acct', tags: ['Day 1', 'day 1 ', 'Run'], ...o });

test('the file is created in the data dir with migration 1 recorded once', async () => {
  assert.ok(existsSync(playlistsDbPath(dir)), 'playlists.sqlite3 exists');
  const again = await openPlaylistsDb(dir);
  try {
    const rows = await again.db.selectFrom('schema_migrations').selectAll().execute();
    assert.deepEqual(rows.map((r) => [Number(r.version), r.name]), [[1, PLAYLISTS_MIGRATIONS[0]!.name]]);
  } finally {
    await again.close();
  }
});

test('definitions: create with normalized tags and defaults, duplicate refused, update by revision, remove', async () => {
  const d = await store.create(body());
  assert.deepEqual(d.tags, ['day 1', 'run']);
  assert.equal(d.revision, 1);
  assert.equal(d.show_in_description, false);
  assert.equal(d.remove_unmatched, true);
  assert.equal(d.created_at, now);
  await assert.rejects(store.create(body()), PlaylistExistsError);
  const s = (await store.getSync(d.id))!;
  assert.equal(s.mirror, null);
  assert.equal(s.mirror_valid, false);
  assert.equal(s.quota_units, 0);

  now += 1000;
  const u = (await store.update(d.id, { name: 'Renamed', reorder: false }, 1))!;
  assert.equal(u.revision, 2);
  assert.equal(u.name, 'Renamed');
  assert.equal(u.reorder, false);
  assert.deepEqual(u.tags, ['day 1', 'run'], 'untouched fields stay');
  assert.equal(u.updated_at, now);
  await assert.rejects(store.update(d.id, { name: 'x' }, 1), (e: unknown) => e instanceof StalePlaylistError && e.current.revision === 2);
  assert.equal(await store.update('PLnone', { name: 'x' }), undefined);
  const json = playlistJson(u, await store.getSync(d.id), '2027-01-15', 5000);
  assert.equal(json.status.state, 'new');
  assert.equal(json.created_at, new Date(u.created_at).toISOString().replace('Z', '000Z'));

  assert.equal(await store.remove(d.id), true);
  assert.equal(await store.get(d.id), undefined);
  assert.equal(await store.getSync(d.id), undefined, 'the sync row goes with it');
  assert.equal(await store.remove(d.id), false);
});

test('sync rows: writes are atomic per row and refused for a deleted-and-recreated playlist', async () => {
  const d = await store.create(body({ id: 'PLstore2' }));
  const old = (await store.getSync(d.id))!;
  assert.equal(await store.writeSync(d.id, old.epoch, {
    mirror: [{ itemId: 'i1', videoId: 'v1' }], mirror_valid: true, pending_op: { op: 'insert', videoId: 'v2', position: 1, at: 5 },
    skipped: { v3: 99 }, items: 1, quota_day: '2027-01-15', quota_units: 51,
  }), true);
  const s = (await store.getSync(d.id))!;
  assert.deepEqual(s.mirror, [{ itemId: 'i1', videoId: 'v1' }]);
  assert.deepEqual(s.pending_op, { op: 'insert', videoId: 'v2', position: 1, at: 5 });
  assert.deepEqual(s.skipped, { v3: 99 });
  assert.equal(s.quota_units, 51);

  await store.remove(d.id);
  await store.create(body({ id: 'PLstore2' }));
  assert.equal(await store.writeSync(d.id, old.epoch, { items: 7 }), false, 'a worker still busy with the old playlist cannot write');
  const fresh = (await store.getSync(d.id))!;
  assert.notEqual(fresh.epoch, old.epoch);
  assert.equal(fresh.items, null);
  assert.equal(fresh.mirror, null);
});

test('sync requests lift a block and backoff; serving one clears only that request', async () => {
  const d = await store.create(body({ id: 'PLstore3' }));
  const s = (await store.getSync(d.id))!;
  await store.writeSync(d.id, s.epoch, { blocked: 'manual sort', next_attempt_at: now + 1e6, failures: 3 });
  assert.equal(await store.requestSync(d.id, 'full'), true);
  let t = (await store.getSync(d.id))!;
  assert.deepEqual([t.force, t.blocked, t.next_attempt_at], ['full', null, null]);
  await store.clearForce(d.id, s.epoch, 'check');
  assert.equal((await store.getSync(d.id))!.force, 'full', 'a different request is kept');
  await store.clearForce(d.id, s.epoch, 'full');
  assert.equal((await store.getSync(d.id))!.force, null);
  assert.equal(await store.requestSync('PLnone', 'check'), false);
  // editing the definition also releases a blocked playlist
  await store.writeSync(d.id, s.epoch, { blocked: 'not found', next_attempt_at: now + 1e6, failures: 2 });
  await store.update(d.id, { name: 'fixed' });
  t = (await store.getSync(d.id))!;
  assert.deepEqual([t.blocked, t.next_attempt_at, t.failures], [null, null, 0]);
});

// ---- portability ----

function capture(): { db: Kysely<PlaylistsDatabase>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const db = new Kysely<PlaylistsDatabase>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (e) => void queries.push(e.query),
  });
  return { db, queries };
}

const SQLITE_ONLY = [
  /\?/, /`/, /\bjson_\w+\(/i, /\bifnull\(/i, /\bstrftime\(/i, /\bdatetime\(/i, /\bglob\b/i, /\binsert or\b/i,
  /\breplace into\b/i, /\bautoincrement\b/i, /\bpragma\b/i, /\browid\b/i, /\bblob\b/i, /\bbegin immediate\b/i, /\bon conflict\b/i,
];

test('every store statement and the migration compile to PostgreSQL without SQLite-only syntax', async () => {
  const { db, queries } = capture();
  await migrate(db, 'postgres', PLAYLISTS_MIGRATIONS);
  const s = new PlaylistStore(db, () => 1);
  const ignore = () => undefined;
  await s.listDefs();
  await s.list();
  await s.get('PLx');
  await s.create(body({ id: 'PLx' })).catch(ignore);
  await s.update('PLx', { name: 'y' }, 3).catch(ignore);
  await s.remove('PLx').catch(ignore);
  await s.requestSync('PLx', 'check').catch(ignore);
  await s.writeSync('PLx', 'e', { mirror: [], mirror_valid: true, pending_op: null, quota_units: 1 }).catch(ignore);
  await s.clearForce('PLx', 'e', 'full');
  assert.ok(queries.length >= 12, `captured ${queries.length} statements`);
  const all = queries.map((q) => q.sql).join(';\n');
  assert.match(all, /create table "playlists"/);
  assert.match(all, /references "playlists" \("id"\) on delete cascade/);
  assert.match(all, /"created_at" bigint not null/);
  assert.match(all, /update "playlist_sync" set .* where \("playlist_id" = \$\d+ and "epoch" = \$\d+\)|update "playlist_sync" set .* where "playlist_id" = \$\d+ and "epoch" = \$\d+/);
  for (const q of queries) {
    for (const re of SQLITE_ONLY) assert.doesNotMatch(q.sql, re, `SQLite-only ${re} in: ${q.sql}`);
    for (const p of q.parameters) assert.notEqual(typeof p, 'boolean', `booleans are stored as integers: ${q.sql}`);
  }
});
