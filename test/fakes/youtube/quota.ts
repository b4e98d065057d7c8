/**
 * Quota ledger, one per Google Cloud project (an OAuth client id maps to a project).
 *
 * Model (protocols.md B8):
 * - 10,000 units/day by default, reset at 00:00 America/Los_Angeles (DST-aware).
 * - Method costs: *.list = 1; writes (insert/update/delete) = 50; thumbnails.set = 50.
 * - videos.insert comes in two documented flavours, both shipped as profiles:
 *     'shared-1600'  — the long-standing 1600 units from the shared bucket (~6 uploads/day);
 *     'separate-100' — the 2026 model: videos.insert has its own bucket of 100 calls/day, cost 1.
 * - "Every request, even an invalid one, costs at least 1 unit": a request that
 *   fails with a client error (4xx other than 401/quota) is billed
 *   `invalidRequestCost` (default 1, capped at the method's cost) instead of the
 *   full cost, from the method's own bucket (so an invalid videos.insert in the
 *   'separate-100' profile uses up one of the 100 uploads [UNSURE]). Requests
 *   rejected for bad credentials cannot be attributed to a
 *   project and cost nothing; server errors (5xx) cost nothing.
 * - A request is rejected with 403 quotaExceeded when its full cost does not fit
 *   in what is left of the day ([UNSURE] whether Google lets the last call overdraw;
 *   refusing is the conservative choice for a client that must park jobs).
 *
 * Cost is reserved when the request is admitted (so concurrent calls cannot
 * overdraw) and settled when the response is finished.
 */
import { nextPacificMidnight, pacificDayKey } from './clock.ts';
import { errors } from './errors.ts';

export type QuotaBucket = 'units' | 'uploads';
export type UploadBucketProfile = 'shared-1600' | 'separate-100';

export type BilledOp =
  | 'videos.insert'
  | 'videos.list'
  | 'videos.update'
  | 'videos.delete'
  | 'thumbnails.set'
  | 'playlistItems.list'
  | 'playlistItems.insert'
  | 'playlistItems.update'
  | 'playlistItems.delete'
  | 'playlists.list'
  | 'playlists.insert'
  | 'playlists.update'
  | 'playlists.delete'
  | 'channels.list'
  | 'videoCategories.list';

export const BASE_COSTS: Record<Exclude<BilledOp, 'videos.insert'>, number> = {
  'videos.list': 1,
  'videos.update': 50,
  'videos.delete': 50,
  'thumbnails.set': 50,
  'playlistItems.list': 1,
  'playlistItems.insert': 50,
  'playlistItems.update': 50,
  'playlistItems.delete': 50,
  'playlists.list': 1,
  'playlists.insert': 50,
  'playlists.update': 50,
  'playlists.delete': 50,
  'channels.list': 1,
  'videoCategories.list': 1,
};

export interface QuotaOptions {
  profile: UploadBucketProfile;
  dailyQuota: number;
  dailyUploads: number;
  costs: Partial<Record<BilledOp, number>>;
  invalidRequestCost: number;
}

export type Settlement = 'full' | 'invalid' | 'none';

export interface LedgerEntry {
  /** Epoch ms when the request was admitted. */
  at: number;
  /** Pacific-time day the units were charged to. */
  day: string;
  project: string;
  op: BilledOp;
  bucket: QuotaBucket;
  /** Units actually charged (0 while pending or when not billed). */
  units: number;
  outcome: Settlement | 'pending';
  status?: number;
}

export interface QuotaSpent {
  day: string;
  /** Units spent from the shared 10,000/day bucket. */
  units: number;
  /** videos.insert calls spent from the separate upload bucket ('separate-100' profile). */
  uploads: number;
  unitsLimit: number;
  uploadsLimit: number;
}

export interface Reservation {
  settle(outcome: Settlement, status?: number): void;
  readonly entry: LedgerEntry;
}

export class QuotaLedger {
  readonly entries: LedgerEntry[] = [];
  private readonly days = new Map<string, { units: number; uploads: number }>();

  constructor(
    private readonly clock: () => number,
    readonly opts: QuotaOptions,
  ) {}

  costOf(op: BilledOp): { bucket: QuotaBucket; cost: number } {
    const override = this.opts.costs[op];
    if (op === 'videos.insert') {
      if (this.opts.profile === 'separate-100') return { bucket: 'uploads', cost: override ?? 1 };
      return { bucket: 'units', cost: override ?? 1600 };
    }
    return { bucket: 'units', cost: override ?? BASE_COSTS[op] };
  }

  private counters(project: string, day: string) {
    const key = `${project}\u0000${day}`;
    let c = this.days.get(key);
    if (!c) {
      c = { units: 0, uploads: 0 };
      this.days.set(key, c);
    }
    return c;
  }

  private limit(bucket: QuotaBucket): number {
    return bucket === 'uploads' ? this.opts.dailyUploads : this.opts.dailyQuota;
  }

  /** Admit a request: reserve its full cost or throw 403 quotaExceeded. */
  reserve(project: string, op: BilledOp): Reservation {
    const now = this.clock();
    const day = pacificDayKey(now);
    const { bucket, cost } = this.costOf(op);
    const c = this.counters(project, day);
    if (c[bucket] + cost > this.limit(bucket)) throw errors.quotaExceeded();
    c[bucket] += cost;
    const entry: LedgerEntry = { at: now, day, project, op, bucket, units: 0, outcome: 'pending' };
    this.entries.push(entry);
    let settled = false;
    const invalidCost = Math.min(this.opts.invalidRequestCost, cost);
    return {
      entry,
      settle: (outcome, status) => {
        if (settled) return;
        settled = true;
        const charged = outcome === 'full' ? cost : outcome === 'invalid' ? invalidCost : 0;
        c[bucket] -= cost - charged;
        entry.units = charged;
        entry.outcome = outcome;
        if (status !== undefined) entry.status = status;
      },
    };
  }

  /** What a project has spent in the Pacific day containing `at` (default: now). */
  spent(project: string, at: number = this.clock()): QuotaSpent {
    const day = pacificDayKey(at);
    const c = this.days.get(`${project}\u0000${day}`) ?? { units: 0, uploads: 0 };
    return {
      day,
      units: c.units,
      uploads: c.uploads,
      unitsLimit: this.opts.dailyQuota,
      uploadsLimit: this.opts.dailyUploads,
    };
  }

  /** Pretend a project has already spent this much today (e.g. to start a test near the limit). */
  setSpent(project: string, spent: { units?: number; uploads?: number }): void {
    const c = this.counters(project, pacificDayKey(this.clock()));
    if (spent.units !== undefined) c.units = spent.units;
    if (spent.uploads !== undefined) c.uploads = spent.uploads;
  }

  /** Epoch ms of the next quota reset (next 00:00 Pacific). */
  resetsAt(at: number = this.clock()): number {
    return nextPacificMidnight(at);
  }
}
