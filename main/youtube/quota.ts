/**
 * Local quota ledger, one per Google project (an OAuth client belongs to one project, and quota is
 * per project, not per account — several channels connected through the same client share it).
 *
 * Every call is charged here BEFORE it is made; a call that would not fit in what is left of the
 * Pacific day is refused locally with QuotaParkedError instead of being sent (failed calls cost
 * quota too, and a 403 at the end of the day would only confirm what we already know). When YouTube
 * says quotaExceeded anyway (someone else used the project, our count drifted), the bucket is parked
 * until the next midnight Pacific.
 *
 * Storage: SQLite (DATA/youtube/quota.sqlite) because the cutter and the playlist sync are separate
 * worker processes spending the same project's quota; an IMMEDIATE transaction makes check-and-charge
 * atomic across them, and the counts survive restarts. Usage is keyed by Pacific day, so the daily
 * reset needs no timer and is DST-correct by construction. Plain SQL, no SQLite-only features beyond
 * pragmas.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { QuotaParkedError } from './errors.ts';
import { nextPacificMidnight, pacificDay } from './pacific.ts';
import {
  costOf, DEFAULT_DAILY_UNITS, DEFAULT_DAILY_UPLOADS,
  type QuotaBucket, type QuotaProfile, type YouTubeOp,
} from './quota-costs.ts';

export interface QuotaLedgerOptions {
  /** SQLite file; ':memory:' for a throw-away ledger */
  path: string;
  profile?: QuotaProfile;
  /** shared units per project per day (default 10,000) */
  dailyUnits?: number;
  /** videos.insert calls per project per day in the 'separate-100' profile (default 100) */
  dailyUploads?: number;
  /** per-call cost overrides (a project with a raised allocation, a changed price list) */
  costs?: Partial<Record<YouTubeOp, number>>;
  /** injectable clock, epoch ms */
  clock?: () => number;
}

export interface QuotaCharge {
  /** row id of the call record (for refund) */
  id: number;
  project: string;
  op: YouTubeOp;
  bucket: QuotaBucket;
  units: number;
  day: string;
}

export interface QuotaStatus {
  project: string;
  day: string;
  profile: QuotaProfile;
  units: number;
  unitsLimit: number;
  /** what the separate 'uploads' bucket has spent (always 0 in 'shared-1600', where inserts cost units) */
  uploads: number;
  uploadsLimit: number;
  /**
   * videos.insert calls charged today whichever bucket paid for them: the upload count operators
   * read. Not derivable from `uploads`, which only sees inserts in the 'separate-100' profile.
   */
  videosInserted: number;
  /** bucket → epoch ms it is parked until (only buckets currently parked) */
  parked: Partial<Record<QuotaBucket, { until: number; reason: string }>>;
  /** next reset (midnight Pacific), epoch ms */
  resetsAt: number;
}

export class QuotaLedger {
  readonly profile: QuotaProfile;
  readonly dailyUnits: number;
  readonly dailyUploads: number;
  private readonly costs: Partial<Record<YouTubeOp, number>>;
  private readonly clock: () => number;
  private readonly db: Database.Database;

  constructor(opts: QuotaLedgerOptions) {
    this.profile = opts.profile ?? 'shared-1600';
    this.dailyUnits = opts.dailyUnits ?? DEFAULT_DAILY_UNITS;
    this.dailyUploads = opts.dailyUploads ?? DEFAULT_DAILY_UPLOADS;
    this.costs = opts.costs ?? {};
    this.clock = opts.clock ?? Date.now;
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS quota_usage (
        project TEXT NOT NULL, day TEXT NOT NULL, bucket TEXT NOT NULL, units INTEGER NOT NULL,
        PRIMARY KEY (project, day, bucket));
      CREATE TABLE IF NOT EXISTS quota_parks (
        project TEXT NOT NULL, bucket TEXT NOT NULL, until_ms INTEGER NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (project, bucket));
      CREATE TABLE IF NOT EXISTS quota_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, day TEXT NOT NULL,
        project TEXT NOT NULL, op TEXT NOT NULL, bucket TEXT NOT NULL, units INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS quota_calls_by_day ON quota_calls (project, day, op);
    `);
  }

  costOf(op: YouTubeOp): { bucket: QuotaBucket; cost: number } {
    return costOf(this.profile, op, this.costs);
  }

  limitOf(bucket: QuotaBucket): number {
    return bucket === 'uploads' ? this.dailyUploads : this.dailyUnits;
  }

  /**
   * Charge `op` to `project` or throw QuotaParkedError without charging. Atomic across processes.
   */
  charge(project: string, op: YouTubeOp): QuotaCharge {
    const { bucket, cost } = this.costOf(op);
    const now = this.clock();
    const day = pacificDay(now);
    const tx = this.db.transaction((): QuotaCharge => {
      const park = this.db.prepare('SELECT until_ms, reason FROM quota_parks WHERE project = ? AND bucket = ?').get(project, bucket) as
        { until_ms: number; reason: string } | undefined;
      if (park && park.until_ms > now) throw new QuotaParkedError(project, bucket, park.until_ms, park.reason);
      const used = this.used(project, day, bucket);
      const limit = this.limitOf(bucket);
      if (used + cost > limit) {
        throw new QuotaParkedError(project, bucket, nextPacificMidnight(now),
          `${op} needs ${cost} ${bucket === 'uploads' ? 'upload calls' : 'units'} but ${used} of ${limit} are spent today (${day} Pacific)`);
      }
      this.db.prepare(`INSERT INTO quota_usage (project, day, bucket, units) VALUES (?, ?, ?, ?)
        ON CONFLICT (project, day, bucket) DO UPDATE SET units = units + excluded.units`).run(project, day, bucket, cost);
      const info = this.db.prepare('INSERT INTO quota_calls (at_ms, day, project, op, bucket, units) VALUES (?, ?, ?, ?, ?, ?)')
        .run(now, day, project, op, bucket, cost);
      return { id: Number(info.lastInsertRowid), project, op, bucket, units: cost, day };
    });
    return tx.immediate();
  }

  /**
   * Give back a charge for a call Google cannot have billed: it was rejected for bad credentials
   * (401; such requests cannot be attributed to a project). Anything that reached the API with valid
   * credentials stays charged, even if it failed — Google bills invalid requests too.
   */
  refund(charge: QuotaCharge): void {
    this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM quota_calls WHERE id = ?').run(charge.id);
      if (del.changes === 0) return;
      this.db.prepare('UPDATE quota_usage SET units = MAX(0, units - ?) WHERE project = ? AND day = ? AND bucket = ?')
        .run(charge.units, charge.project, charge.day, charge.bucket);
    }).immediate();
  }

  /**
   * YouTube said the daily quota is spent (quotaExceeded / dailyLimitExceeded): park the bucket
   * `op` draws from until the next midnight Pacific and return the error to throw.
   */
  park(project: string, op: YouTubeOp, why = 'YouTube answered quotaExceeded'): QuotaParkedError {
    const { bucket } = this.costOf(op);
    const until = nextPacificMidnight(this.clock());
    this.db.prepare(`INSERT INTO quota_parks (project, bucket, until_ms, reason) VALUES (?, ?, ?, ?)
      ON CONFLICT (project, bucket) DO UPDATE SET until_ms = excluded.until_ms, reason = excluded.reason`).run(project, bucket, until, why);
    return new QuotaParkedError(project, bucket, until, why);
  }

  /** Operator override ("the quota was raised"): lift parks of a project now. */
  unpark(project: string): void {
    this.db.prepare('DELETE FROM quota_parks WHERE project = ?').run(project);
  }

  /** Throw QuotaParkedError if `op` for `project` is parked right now (no charge). */
  assertNotParked(project: string, op: YouTubeOp): void {
    const { bucket } = this.costOf(op);
    const park = this.db.prepare('SELECT until_ms, reason FROM quota_parks WHERE project = ? AND bucket = ?').get(project, bucket) as
      { until_ms: number; reason: string } | undefined;
    if (park && park.until_ms > this.clock()) throw new QuotaParkedError(project, bucket, park.until_ms, park.reason);
  }

  status(project: string): QuotaStatus {
    const now = this.clock();
    const day = pacificDay(now);
    const parked: QuotaStatus['parked'] = {};
    const rows = this.db.prepare('SELECT bucket, until_ms, reason FROM quota_parks WHERE project = ? AND until_ms > ?').all(project, now) as
      Array<{ bucket: QuotaBucket; until_ms: number; reason: string }>;
    for (const r of rows) parked[r.bucket] = { until: r.until_ms, reason: r.reason };
    return {
      project, day, profile: this.profile,
      units: this.used(project, day, 'units'), unitsLimit: this.dailyUnits,
      uploads: this.used(project, day, 'uploads'), uploadsLimit: this.dailyUploads,
      // Counted from the call records (a refund deletes its record), not from a bucket.
      videosInserted: (this.db.prepare("SELECT COUNT(*) AS n FROM quota_calls WHERE project = ? AND day = ? AND op = 'videos.insert'")
        .get(project, day) as { n: number }).n,
      parked, resetsAt: nextPacificMidnight(now),
    };
  }

  /** Calls charged to a project (newest last), for the UI and tests. */
  calls(project: string, day?: string): Array<{ at: number; day: string; op: YouTubeOp; bucket: QuotaBucket; units: number }> {
    const rows = (day
      ? this.db.prepare('SELECT at_ms, day, op, bucket, units FROM quota_calls WHERE project = ? AND day = ? ORDER BY id').all(project, day)
      : this.db.prepare('SELECT at_ms, day, op, bucket, units FROM quota_calls WHERE project = ? ORDER BY id').all(project)) as
      Array<{ at_ms: number; day: string; op: YouTubeOp; bucket: QuotaBucket; units: number }>;
    return rows.map((r) => ({ at: r.at_ms, day: r.day, op: r.op, bucket: r.bucket, units: r.units }));
  }

  /** Forget call records and usage older than `days` Pacific days (the audit table would grow forever). */
  prune(days = 35): void {
    const cutoff = pacificDay(this.clock() - days * 86_400_000);
    this.db.prepare('DELETE FROM quota_calls WHERE day < ?').run(cutoff);
    this.db.prepare('DELETE FROM quota_usage WHERE day < ?').run(cutoff);
  }

  close(): void {
    this.db.close();
  }

  private used(project: string, day: string, bucket: QuotaBucket): number {
    const row = this.db.prepare('SELECT units FROM quota_usage WHERE project = ? AND day = ? AND bucket = ?').get(project, day, bucket) as
      { units: number } | undefined;
    return row?.units ?? 0;
  }
}
