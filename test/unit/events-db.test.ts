/**
 * The events database file: WAL, numbered migrations applied once, in a transaction, idempotently on
 * reopen and safely when two openers race; and crash safety: a process killed with SIGKILL in the
 * middle of a repository write leaves the event exactly as it was (no half row, no orphan history).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { toJson } from '../../main/core/events/codec.ts';
import { openEventsDb } from '../../main/core/events/db.ts';
import { EVENTS_MIGRATIONS, migrate, type Migration } from '../../main/core/events/migrations.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tapedeck-events-db-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const EVENTS_DIR = fileURLToPath(new URL('../../main/core/events/', import.meta.url));
const T0 = 1_800_000_000_000_000;

test('opens in WAL mode with foreign keys, and records migration 1 once', async () => {
  const file = join(tmp(), 'events.sqlite3');
  const h = await openEventsDb(file);
  assert.equal(h.sqlite.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(h.sqlite.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(h.sqlite.pragma('synchronous', { simple: true }), 2); // FULL
  const rows = await h.db.selectFrom('schema_migrations').selectAll().execute();
  assert.deepEqual(rows.map((r) => [Number(r.version), r.name]), [[1, EVENTS_MIGRATIONS[0]!.name]]);
  await h.close();
});

test('reopening applies nothing and keeps the data; a new migration is applied exactly once', async () => {
  const file = join(tmp(), 'events.sqlite3');
  const h1 = await openEventsDb(file);
  const repo = new EventsRepository(h1.db);
  const e = await repo.create({ channel: 'ch', quality: 'source', event_start: T0, event_end: null }, 'me');
  assert.deepEqual(await migrate(h1.db, 'sqlite'), []);
  await h1.close();

  let runs = 0;
  const m2: Migration = {
    version: 2, name: 'add a column',
    async up(db) {
      runs++;
      await db.schema.alterTable('events').addColumn('extra', 'text').execute();
    },
  };
  const h2 = await openEventsDb(file, { migrations: [...EVENTS_MIGRATIONS, m2] });
  const h3 = await openEventsDb(file, { migrations: [...EVENTS_MIGRATIONS, m2] });
  assert.equal(runs, 1);
  const versions = (await h2.db.selectFrom('schema_migrations').select('version').orderBy('version').execute()).map((r) => Number(r.version));
  assert.deepEqual(versions, [1, 2]);
  assert.equal((await new EventsRepository(h3.db).get(e.id))?.channel, 'ch');
  await h2.close();
  await h3.close();
});

test('a failing migration is rolled back entirely and leaves the previous version usable', async () => {
  const file = join(tmp(), 'events.sqlite3');
  await (await openEventsDb(file)).close();
  const bad: Migration = {
    version: 2, name: 'half done',
    async up(db) {
      await db.schema.createTable('half').addColumn('x', 'integer').execute();
      await db.schema.alterTable('events').addColumn('y', 'text').execute();
      throw new Error('boom');
    },
  };
  await assert.rejects(openEventsDb(file, { migrations: [...EVENTS_MIGRATIONS, bad] }), /migration 2 \(half done\) failed and was rolled back: boom/);
  const h = await openEventsDb(file);
  const tables = h.sqlite.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[];
  assert.ok(!tables.some((t) => t.name === 'half'), 'table from the failed migration must not exist');
  const cols = (h.sqlite.prepare('pragma table_info(events)').all() as { name: string }[]).map((c) => c.name);
  assert.ok(!cols.includes('y'));
  assert.deepEqual((await h.db.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)), [1]);
  await new EventsRepository(h.db).create({ channel: 'ch', quality: 'source', event_start: T0, event_end: null }, null);
  await h.close();
});

test('a database from a newer Tapedeck is refused rather than misread', async () => {
  const file = join(tmp(), 'events.sqlite3');
  const h = await openEventsDb(file);
  await h.db.insertInto('schema_migrations').values({ version: 99, name: 'future', applied_at: 0 }).execute();
  await h.close();
  await assert.rejects(openEventsDb(file), /schema version\(s\) 99 unknown/);
});

test('migrations out of order are a programming error', async () => {
  const file = join(tmp(), 'events.sqlite3');
  await assert.rejects(openEventsDb(file, { migrations: [EVENTS_MIGRATIONS[0]!, { ...EVENTS_MIGRATIONS[0]!, name: 'dup' }] }), /out of order/);
});

test('two processes opening a fresh database at once: both succeed, schema created once', { timeout: 30_000 }, async () => {
  const file = join(tmp(), 'events.sqlite3');
  const code = `
    const { openEventsDb } = await import(${JSON.stringify(join(EVENTS_DIR, 'db.ts'))});
    await new Promise((r) => process.stdin.once('data', r));
    const h = await openEventsDb(process.argv[1]);
    await h.close();
    process.stdout.write('opened\\n');
    process.exit(0);`;
  const kids = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, file], { stdio: ['pipe', 'pipe', 'pipe'] }));
  await new Promise((r) => setTimeout(r, 1500)); // let both finish loading
  for (const k of kids) k.stdin.write('go\n');
  const results = await Promise.all(kids.map((k) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    let out = '';
    let err = '';
    k.stdout.on('data', (d) => (out += d));
    k.stderr.on('data', (d) => (err += d));
    k.on('exit', (c) => resolve({ code: c, out, err }));
  })));
  for (const r of results) assert.equal(r.code, 0, r.err);
  const h = await openEventsDb(file);
  assert.equal((await h.db.selectFrom('schema_migrations').selectAll().execute()).length, 1);
  await h.close();
});

/**
 * Child: opens the DB, creates an event, then runs a real repository update whose transaction is
 * frozen right after the UPDATE statement (a Kysely plugin that never returns), reports that, and
 * waits to be killed.
 */
const FREEZE_CHILD = `
  const { Kysely, SqliteDialect } = await import('kysely');
  const Database = (await import('better-sqlite3')).default;
  const { EventsRepository } = await import(${JSON.stringify(join(EVENTS_DIR, 'repository.ts'))});
  const { openEventsDb } = await import(${JSON.stringify(join(EVENTS_DIR, 'db.ts'))});
  const file = process.argv[1];
  (await openEventsDb(file)).close();
  let freeze = false;
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }), plugins: [{
    transformQuery: (a) => a.node,
    transformResult: async (a) => {
      if (freeze && a.result.rows.length && 'revision' in a.result.rows[0]) {
        process.stdout.write('FROZEN ' + JSON.stringify(a.result.rows[0].revision) + '\\n');
        await new Promise(() => {});
      }
      return a.result;
    },
  }] });
  const repo = new EventsRepository(db);
  const e = await repo.create({ channel: 'ch', quality: 'source', event_start: ${T0}, event_end: null, notes: 'before' }, 'child');
  process.stdout.write('CREATED ' + e.id + '\\n');
  freeze = true;
  await repo.updateIfRevision(e.id, 1, { notes: 'after', video_title: 'half' }, 'draft', 'child');
`;

test('SIGKILL in the middle of a repository write leaves no half-written row or history', { timeout: 30_000 }, async () => {
  const file = join(tmp(), 'events.sqlite3');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', FREEZE_CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const frozen = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/FROZEN/.test(out)) resolve(out);
    });
    child.on('exit', () => reject(new Error(`child exited early: ${out} ${err}`)));
  });
  const id = /CREATED (\S+)/.exec(frozen)![1]!;
  assert.match(frozen, /FROZEN 2/); // the UPDATE had run inside the transaction
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const h = await openEventsDb(file);
  assert.equal(h.sqlite.pragma('integrity_check', { simple: true }), 'ok');
  const repo = new EventsRepository(h.db);
  const e = (await repo.get(id))!;
  assert.equal(e.revision, 1);
  assert.equal(e.notes, 'before');
  assert.equal(e.video_title, null);
  assert.deepEqual((await repo.history(id)).map((x) => x.revision), [1]);
  await h.close();
});

test('SIGKILL during a stream of writes: every event row matches its latest history snapshot', { timeout: 30_000 }, async () => {
  const file = join(tmp(), 'events.sqlite3');
  const code = `
    const { openEventsDb } = await import(${JSON.stringify(join(EVENTS_DIR, 'db.ts'))});
    const { EventsRepository } = await import(${JSON.stringify(join(EVENTS_DIR, 'repository.ts'))});
    const h = await openEventsDb(process.argv[1]);
    const repo = new EventsRepository(h.db);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await repo.create({ channel: 'ch', quality: 'source', event_start: ${T0} + i, event_end: null }, 'w')).id);
    process.stdout.write('READY\\n');
    for (let n = 0; ; n++) {
      const id = ids[n % ids.length];
      const cur = await repo.get(id);
      await repo.updateIfRevision(id, cur.revision, { notes: 'note ' + n, video_title: 'title ' + n, tags: ['t' + n] }, 'draft', 'w');
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('READY') && resolve());
    child.on('exit', () => reject(new Error('writer exited early')));
  });
  await new Promise((r) => setTimeout(r, 400));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const h = await openEventsDb(file);
  assert.equal(h.sqlite.pragma('integrity_check', { simple: true }), 'ok');
  const repo = new EventsRepository(h.db);
  const { events } = await repo.list({ limit: 100, offset: 0 });
  assert.equal(events.length, 5);
  let writes = 0;
  for (const v of events) {
    const hist = await repo.history(v.id);
    assert.equal(hist.at(-1)!.revision, v.revision, 'history ends at the row revision');
    assert.deepEqual(hist.map((x) => x.revision), Array.from({ length: v.revision }, (_, i) => i + 1));
    const snap = await repo.snapshotAt(v.id, v.revision);
    assert.deepEqual(snap, toJson(v));
    writes += v.revision - 1;
  }
  assert.ok(writes > 5, `the writer should have committed several writes before being killed (${writes})`);
  const orphans = await sql<{ n: number }>`select count(*) as n from event_history where event_id not in (select id from events)`.execute(h.db);
  assert.equal(Number(orphans.rows[0]!.n), 0);
  await h.close();
});
