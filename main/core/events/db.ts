/**
 * Opening the events database: DATA/events.sqlite3 through better-sqlite3, wrapped in Kysely's
 * SqliteDialect so everything above this file speaks dialect-neutral Kysely (a PostgreSQL deployment
 * swaps this file for a PostgresDialect pool and passes dialect 'postgres' to migrate()).
 *
 * Durability: WAL journal (readers never block the writer, a killed process never leaves a torn
 * page) with synchronous=FULL (a committed edit survives power loss too: operator work is never lost,
 * and the write rate here is tiny). busy_timeout lets the node and cutter workers, each with its own
 * connection, wait for each other's short write transactions instead of failing.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_MIGRATIONS, migrate, type Dialect, type Migration } from './migrations.ts';
import type { EventsDatabase } from './schema.ts';

export const EVENTS_DB_FILE = 'events.sqlite3';

export interface EventsDb {
  db: Kysely<EventsDatabase>;
  dialect: Dialect;
  /** the raw SQLite connection (tests and diagnostics only; repository code never touches it) */
  sqlite: Database.Database;
  close(): Promise<void>;
}

export interface OpenOptions {
  migrations?: Migration[];
  /** how long a write waits for another connection's transaction, ms */
  busyTimeoutMs?: number;
}

export const eventsDbPath = (dataDir: string): string => join(dataDir, EVENTS_DB_FILE);

/** FIFO async mutex. */
class AsyncLock {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with the release function once the lock is held. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

const fileLocks = new Map<string, AsyncLock>();

/** Kysely's SQLite driver, plus the process-wide lock for its file. */
class ProcessLockedDriver implements Driver {
  private release: (() => void) | null = null;

  constructor(private readonly inner: Driver, private readonly lock: AsyncLock) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.lock.acquire();
    try {
      const conn = await this.inner.acquireConnection();
      this.release = release; // the inner driver has one connection, so at most one holder here
      return conn;
    } catch (e) {
      release();
      throw e;
    }
  }

  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(c, s);
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(c);
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(c);
  }

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    const release = this.release;
    this.release = null;
    try {
      await this.inner.releaseConnection(c);
    } finally {
      release?.();
    }
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class LockedSqliteDialect extends SqliteDialect {
  constructor(database: Database.Database, private readonly lock: AsyncLock) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ProcessLockedDriver(super.createDriver(), this.lock);
  }
}

export async function openEventsDb(file: string, opts: OpenOptions = {}): Promise<EventsDb> {
  const sqlite = new Database(file, { timeout: opts.busyTimeoutMs ?? 10_000 });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite.close();
    throw e;
  }
  const key = realpathSync(file);
  let lock = fileLocks.get(key);
  if (!lock) fileLocks.set(key, (lock = new AsyncLock()));
  const db = new Kysely<EventsDatabase>({ dialect: new LockedSqliteDialect(sqlite, lock) });
  try {
    await migrate(db, 'sqlite', opts.migrations ?? EVENTS_MIGRATIONS);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
}
