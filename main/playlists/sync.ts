/**
 * The playlist sync (wubloader's playlist_manager, §8, plus removals and reordering): keeps each
 * managed YouTube playlist equal to "the published videos whose tags match, in start-time order".
 *
 * Quota discipline (every call goes through YouTubeApi → quota ledger):
 *  - Local mirror. Each playlist's item list is kept in the playlists database and updated after every
 *    change we make. A run first plans against the mirror (order.ts, local data only); when nothing
 *    is to be done and no periodic check is due, it makes NO call at all, also after a restart.
 *  - First-page check. Before the first insert or move of a run (their positions depend on the
 *    mirror being right) one page of 50 is read (1 unit); if its total and its entries agree with
 *    the mirror, the rest is not read. Otherwise the whole list is refetched. Deletions address an
 *    entry by its item id, so they need no check.
 *  - Bounded refetching. A refetch reads at most ceil(total/50)+1 pages and checks every page for
 *    progress and a stable total; at most `maxRefetchesPerRun` refetches per run; a playlist never
 *    spends more than `dailyUnitBudget` units per Pacific day; failed runs back off exponentially;
 *    problems only the operator can fix (playlist not manually sorted, missing, not ours, full) block
 *    the playlist until its definition is edited or a sync is requested, instead of retrying forever;
 *    a video YouTube refuses to add is left out for `refusedRetryMs`; the same change is never planned
 *    twice in one run.
 *  - Periodic verification (optional, off by default) notices edits made behind our back even when
 *    we have nothing to add; otherwise they are found by the next run with work or an operator's Sync.
 *
 * Crash safety: a mutation is recorded as `pending_op` before the call and cleared in the same
 * UPDATE that records its result in the mirror. A process killed in between leaves pending_op set,
 * and the next run refetches the playlist before doing anything, so it sees the entry that was
 * added and does not add it twice.
 */
import { z } from 'zod';
import type { EventsRepository } from '../core/events/repository.ts';
import { AccountNeedsReconnectError, YouTubeError } from '../youtube/errors.ts';
import { nextPacificMidnight, pacificDay } from '../youtube/pacific.ts';
import type { YouTubeOp } from '../youtube/quota-costs.ts';
import { loadCatalog } from './catalog.ts';
import { playlistJson, type MirrorEntry, type MutationOp, type PendingOp, type PlaylistDef, type SyncState } from './model.ts';
import { planPlaylist, type Action, type Catalog, type Plan } from './order.ts';
import type { PlaylistStore } from './store.ts';
import { PAGE_SIZE, type ItemsPage, type PlaylistClient } from './youtube.ts';

export const PLAYLIST_STATUS_TOPIC = 'playlist.status';

/** YouTube's cap on playlist length (5,000 items) in pages, plus one. */
const MAX_PAGES = 101;

export const SyncSettings = z.object({
  /** how often the worker looks for work (local reads only, no quota), ms */
  intervalMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /**
   * Periodic first-page check of a playlist even with nothing to do (finds outside edits), ms.
   * 0 (default) = never: a run with nothing new then costs nothing, ever; outside edits are found by
   * the next run that has work, or when the operator presses Sync. 6 h costs 4 units/day/playlist.
   */
  checkIntervalMs: z.number().int().min(0).default(0),
  /** periodic full refetch (also finds moves beyond the first page: ceil(items/50) units); 0 = never */
  fullCheckIntervalMs: z.number().int().min(0).default(0),
  maxRefetchesPerRun: z.number().int().min(1).max(10).default(2),
  /** inserts + moves + deletes per playlist per run (the rest waits for the next run) */
  maxChangesPerRun: z.number().int().min(1).max(1000).default(50),
  /** units one playlist may spend per Pacific day */
  dailyUnitBudget: z.number().int().min(1).default(5000),
  /** a video YouTube refused to add (deleted, private) is retried after this long, ms */
  refusedRetryMs: z.number().int().min(0).default(6 * 3_600_000),
  /**
   * YouTube's list can lag behind a fresh insert. A video we added less than this long ago that a
   * refetch does not show yet is not added again until this much time has passed, ms.
   */
  insertGraceMs: z.number().int().min(0).default(15 * 60_000),
  /** longest wait after repeated failures, ms */
  maxBackoffMs: z.number().int().min(1000).default(3_600_000),
  /** first wait after a failure, ms (doubles per failure) */
  backoffMs: z.number().int().min(10).default(60_000),
});
export type SyncSettings = z.infer<typeof SyncSettings>;

export interface SyncDeps {
  store: PlaylistStore;
  events: EventsRepository;
  client: PlaylistClient;
  /** units a call costs (the quota ledger's price list) */
  costOf: (op: YouTubeOp) => number;
  /** the connected account to use for a playlist, or why there is none */
  accountFor: (def: PlaylistDef) => { account: string } | { error: string };
  /** upload locations whose events are YouTube videos */
  locations: readonly string[];
  /** of those, the ones that upload everything unlisted (their videos are never added) */
  unlistedLocations?: readonly string[];
  publish?: (topic: string, data: unknown, key?: string) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  clock?: () => number;
  /** test hook: runs right after YouTube accepted a change, before it is recorded locally */
  afterMutation?: (op: MutationOp, playlistId: string) => void;
}

export interface RunReport {
  id: string;
  /** calls made, by kind */
  calls: { list: number; insert: number; move: number; delete: number };
  units: number;
  skipped?: 'disabled' | 'blocked' | 'backoff';
  error?: string;
  /** what is still to do (against the mirror) after the run */
  pending: { inserts: number; moves: number; removals: number };
}

/** Only the operator can fix it: no automatic retries until the definition changes or a sync is requested. */
class BlockedError extends Error {}
/** The day's budget for this playlist is spent. */
class BudgetError extends Error {}
/** The mirror is wrong (an entry we addressed is gone, or YouTube put something elsewhere): refetch. */
class ResyncNeeded extends Error {}
/** Pages did not add up (the playlist changed while being read). */
class OutdatedRead extends Error {}
/** YouTube refused to add a video (deleted or private): leave it out for a while, go on with the rest. */
class SkipVideo extends Error {}

interface RunCtx {
  def: PlaylistDef;
  account: string;
  state: SyncState;
  mirror: MirrorEntry[];
  valid: boolean;
  units: number;
  today: string;
  refetches: number;
  skipped: Record<string, number>;
  report: RunReport;
}

const OP_OF = { list: 'playlistItems.list', insert: 'playlistItems.insert', move: 'playlistItems.update', delete: 'playlistItems.delete' } as const;

/** A 4xx answer (or a local refusal) means YouTube did not apply the change. */
function notApplied(e: unknown): boolean {
  if (!(e instanceof YouTubeError)) return false;
  if (e.parked || e instanceof AccountNeedsReconnectError) return true;
  return e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429;
}

export class PlaylistSync {
  private readonly clock: () => number;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakeRequested = false;
  private readonly published = new Map<string, string>();
  /** playlist id → video id → when we added it (YouTube's lists may lag behind a fresh insert) */
  private readonly recentInserts = new Map<string, Map<string, number>>();

  constructor(private readonly deps: SyncDeps, readonly settings: SyncSettings) {
    this.clock = deps.clock ?? Date.now;
  }

  // ---- loop --------------------------------------------------------------------------------

  start(): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.runOnce();
        } catch (e) {
          this.deps.log?.('error', `playlist sync run failed: ${(e as Error).message}`);
        }
        await this.sleep(this.settings.intervalMs);
      }
    })();
  }

  /** Run again now (a playlist was added or changed, or the operator asked for a sync). */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakeRequested = true; // busy: the next sleep returns at once
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || this.stopped) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = finish;
    });
  }

  // ---- runs --------------------------------------------------------------------------------

  /** One pass over every managed playlist, one after the other (they share quota and pacing). */
  async runOnce(): Promise<RunReport[]> {
    const rows = await this.deps.store.list();
    if (rows.length === 0) return [];
    const catalog = await loadCatalog(this.deps.events, this.deps.locations, this.deps.unlistedLocations);
    const out: RunReport[] = [];
    for (const { def } of rows) {
      if (this.stopped) break;
      out.push(await this.syncPlaylist(def.id, catalog));
    }
    return out;
  }

  /** Sync one playlist now (catalog: loaded if not given). */
  async syncPlaylist(id: string, catalog?: Catalog): Promise<RunReport> {
    const report: RunReport = { id, calls: { list: 0, insert: 0, move: 0, delete: 0 }, units: 0, pending: { inserts: 0, moves: 0, removals: 0 } };
    const row = await this.deps.store.get(id);
    if (!row || !row.sync) return { ...report, error: 'no such playlist' };
    const { def, sync: state } = row;
    const cat = catalog ?? await loadCatalog(this.deps.events, this.deps.locations, this.deps.unlistedLocations);
    const now = this.clock();
    const skipped = Object.fromEntries(Object.entries(state.skipped).filter(([, until]) => until > now));
    const skip = new Set(Object.keys(skipped));
    const localPlan = () => planPlaylist(def, cat, state.mirror ?? [], skip);

    if (!def.enabled || ((state.blocked || (state.next_attempt_at ?? 0) > now) && !state.force)) {
      const why = !def.enabled ? 'disabled' : state.blocked ? 'blocked' : 'backoff';
      const plan = localPlan();
      await this.finish(def, state, { ...pendingOf(plan) }, false);
      return { ...report, skipped: why, pending: pendingCounts(plan) };
    }
    const acct = this.deps.accountFor(def);
    if ('error' in acct) {
      // a local check (no quota): tried again every run, so connecting the account is enough
      await this.finish(def, state, { ...pendingOf(localPlan()), last_error: acct.error, last_error_at: now, last_run_at: now }, false);
      return { ...report, error: acct.error, pending: pendingCounts(localPlan()) };
    }

    const today = pacificDay(now);
    const ctx: RunCtx = {
      def, account: acct.account, state, report, today, refetches: 0, skipped,
      mirror: state.mirror ? [...state.mirror] : [],
      valid: state.mirror !== null && state.mirror_valid && state.pending_op === null,
      units: state.quota_day === today ? state.quota_units : 0,
    };
    const s = this.settings;
    let plan: Plan | null = null;
    try {
      let verified = false;
      const fullDue = s.fullCheckIntervalMs > 0 && (state.last_full_at ?? 0) + s.fullCheckIntervalMs <= now;
      const checkDue = s.checkIntervalMs > 0 && (state.last_checked_at ?? 0) + s.checkIntervalMs <= now;
      if (!ctx.valid || state.force === 'full' || fullDue) {
        await this.refresh(ctx, true);
        verified = true;
      } else if (state.force === 'check' || checkDue) {
        await this.refresh(ctx, false);
        verified = true;
      }
      const done = new Set<string>();
      let changes = 0;
      for (;;) {
        plan = planPlaylist(def, cat, ctx.mirror, new Set(Object.keys(ctx.skipped)));
        const a = plan.next;
        if (!a || changes >= s.maxChangesPerRun) break;
        if (a.type !== 'delete' && !verified) {
          await this.refresh(ctx, false);
          verified = true;
          continue;
        }
        const key = `${a.type}:${a.type === 'insert' ? a.video.videoId : a.entry.itemId}`;
        if (done.has(key)) throw new Error(`the same change (${key}) came up twice in one run; stopping to protect the quota`);
        done.add(key);
        try {
          await this.apply(ctx, a);
          changes++;
        } catch (e) {
          if (e instanceof SkipVideo) {
            this.deps.log?.('warn', `${def.id}: ${e.message}`);
            continue;
          }
          if (!(e instanceof ResyncNeeded)) throw e;
          this.deps.log?.('warn', `${def.id}: ${e.message}; refetching the playlist`);
          ctx.valid = false;
          await this.refresh(ctx, true);
          verified = true;
          done.clear();
        }
      }
      plan = planPlaylist(def, cat, ctx.mirror, new Set(Object.keys(ctx.skipped)));
      await this.finish(def, state, {
        ...pendingOf(plan), last_run_at: now, last_error: null, last_error_at: null, blocked: null, failures: 0, next_attempt_at: null,
        quota_day: today, quota_units: ctx.units, skipped: ctx.skipped, items: ctx.valid ? ctx.mirror.length : state.items,
      }, report.units > 0 || state.last_run_at === null);
      if (state.force) await this.deps.store.clearForce(def.id, state.epoch, state.force);
      return { ...report, pending: pendingCounts(plan) };
    } catch (caught) {
      const e = blockedBy(def, caught) ?? caught;
      const msg = (e as Error).message;
      const patch: Partial<SyncState> = {
        ...pendingOf(plan ?? planPlaylist(def, cat, ctx.mirror, skip)),
        last_run_at: now, last_error: msg, last_error_at: now, quota_day: today, quota_units: ctx.units, skipped: ctx.skipped,
      };
      if (e instanceof BlockedError) {
        patch.blocked = msg;
        patch.next_attempt_at = null;
      } else if (e instanceof BudgetError) {
        patch.next_attempt_at = nextPacificMidnight(now);
      } else if (e instanceof YouTubeError && e.parked?.until) {
        patch.next_attempt_at = e.parked.until;
      } else if (e instanceof AccountNeedsReconnectError) {
        patch.next_attempt_at = now + 5 * 60_000;
      } else {
        const failures = state.failures + 1;
        patch.failures = failures;
        patch.next_attempt_at = now + Math.min(s.maxBackoffMs, s.backoffMs * 2 ** (failures - 1));
        // like wubloader: after an unexplained failure the mirror is not trusted until refetched
        patch.mirror_valid = false;
      }
      this.deps.log?.(e instanceof BlockedError ? 'warn' : 'error', `playlist ${def.name} (${def.id}): ${msg}`);
      await this.finish(def, state, patch, true);
      if (state.force) await this.deps.store.clearForce(def.id, state.epoch, state.force);
      return { ...report, error: msg, pending: { inserts: patch.pending_inserts ?? 0, moves: patch.pending_moves ?? 0, removals: patch.pending_removals ?? 0 } };
    }
  }

  // ---- YouTube calls -------------------------------------------------------------------------

  /** Charge the call to this playlist's daily budget, then make it. */
  private async call<T>(ctx: RunCtx, kind: keyof RunReport['calls'], fn: () => Promise<T>): Promise<T> {
    const cost = this.deps.costOf(OP_OF[kind]);
    if (ctx.units + cost > this.settings.dailyUnitBudget) {
      throw new BudgetError(`this playlist's daily budget of ${this.settings.dailyUnitBudget} units is used up (${ctx.units} spent today); it resumes after midnight Pacific`);
    }
    // Google bills failed calls too, so count before knowing the outcome.
    ctx.units += cost;
    ctx.report.units += cost;
    ctx.report.calls[kind]++;
    return fn();
  }

  /**
   * Read the first page; unless `full`, stop there if it agrees with the mirror. Otherwise read the
   * whole playlist (bounded) and make it the mirror.
   */
  private async refresh(ctx: RunCtx, full: boolean): Promise<void> {
    for (;;) {
      const first = await this.call(ctx, 'list', () => this.deps.client.page(ctx.account, ctx.def.id));
      const now = this.clock();
      if (!full && ctx.valid && first.total === ctx.mirror.length && samePrefix(first.entries, ctx.mirror)) {
        await this.write(ctx, { last_checked_at: now, quota_day: ctx.today, quota_units: ctx.units });
        return;
      }
      if (!full) this.deps.log?.('info', `${ctx.def.id}: the playlist differs from our copy (${first.total} entries, we had ${ctx.mirror.length}); refetching it`);
      if (ctx.refetches >= this.settings.maxRefetchesPerRun) {
        throw new Error(`the playlist was refetched ${ctx.refetches} times in this run and still did not add up; trying again later`);
      }
      ctx.refetches++;
      try {
        const entries = await this.readAll(ctx, first);
        ctx.mirror = entries;
        ctx.valid = true;
        this.holdLaggingInserts(ctx, now);
        await this.write(ctx, {
          mirror: entries, mirror_valid: true, pending_op: null, items: entries.length,
          last_checked_at: now, last_full_at: now, quota_day: ctx.today, quota_units: ctx.units,
        });
        return;
      } catch (e) {
        if (!(e instanceof OutdatedRead)) throw e;
        this.deps.log?.('warn', `${ctx.def.id}: ${e.message}`);
        full = true;
      }
    }
  }

  /** After a refetch: videos we added moments ago but YouTube does not list yet are not added twice. */
  private holdLaggingInserts(ctx: RunCtx, now: number): void {
    const recent = this.recentInserts.get(ctx.def.id);
    if (!recent) return;
    const listed = new Set(ctx.mirror.map((e) => e.videoId));
    for (const [videoId, at] of recent) {
      if (at + this.settings.insertGraceMs <= now) recent.delete(videoId);
      else if (!listed.has(videoId)) {
        ctx.skipped[videoId] = at + this.settings.insertGraceMs;
        this.deps.log?.('warn', `${ctx.def.id}: YouTube does not list ${videoId} yet although we added it; not adding it again before ${new Date(at + this.settings.insertGraceMs).toISOString()}`);
      }
    }
  }

  private async readAll(ctx: RunCtx, first: ItemsPage): Promise<MirrorEntry[]> {
    const total = first.total;
    const maxPages = Math.min(MAX_PAGES, Math.ceil(total / PAGE_SIZE) + 1);
    const all = [...first.entries];
    let token = first.nextPageToken;
    let pages = 1;
    while (all.length < total) {
      if (!token) throw new OutdatedRead(`YouTube stopped paging after ${all.length} of ${total} entries`);
      if (pages >= maxPages) throw new OutdatedRead(`still short of ${total} entries after ${pages} pages`);
      const p = await this.call(ctx, 'list', () => this.deps.client.page(ctx.account, ctx.def.id, token!));
      pages++;
      if (p.total !== total) throw new OutdatedRead(`the playlist changed while it was being read (${total} → ${p.total} entries)`);
      if (p.entries.length === 0) throw new OutdatedRead('YouTube returned an empty page before the end of the playlist');
      all.push(...p.entries);
      token = p.nextPageToken;
    }
    if (all.length !== total || new Set(all.map((e) => e.itemId)).size !== all.length) {
      throw new OutdatedRead(`read ${all.length} entries for a playlist of ${total} (duplicates or extra entries)`);
    }
    return all;
  }

  private async apply(ctx: RunCtx, a: Action): Promise<void> {
    const { client } = this.deps;
    const id = ctx.def.id;
    const now = this.clock();
    const pending: PendingOp = a.type === 'insert'
      ? { op: 'insert', videoId: a.video.videoId, position: a.index, at: now }
      : a.type === 'move'
        ? { op: 'move', videoId: a.entry.videoId, itemId: a.entry.itemId, position: a.to, at: now }
        : { op: 'delete', videoId: a.entry.videoId, itemId: a.entry.itemId, at: now };
    await this.write(ctx, { pending_op: pending, quota_day: ctx.today, quota_units: ctx.units });
    try {
      if (a.type === 'insert') {
        const res = await this.call(ctx, 'insert', () => client.insert(ctx.account, id, a.video.videoId, a.index));
        this.deps.afterMutation?.('insert', id);
        ctx.mirror.splice(res.position, 0, res.entry);
        if (!this.recentInserts.has(id)) this.recentInserts.set(id, new Map());
        this.recentInserts.get(id)!.set(a.video.videoId, this.clock());
        this.deps.log?.('info', `${id}: added ${a.video.videoId} at ${res.position}`);
        if (res.position !== a.index) return this.misplacedByYouTube(ctx, a.video.videoId, a.index, res.position);
      } else if (a.type === 'move') {
        const pos = await this.call(ctx, 'move', () => client.move(ctx.account, id, a.entry, a.to));
        this.deps.afterMutation?.('move', id);
        const from = ctx.mirror.findIndex((e) => e.itemId === a.entry.itemId);
        ctx.mirror.splice(from, 1);
        ctx.mirror.splice(pos, 0, a.entry);
        this.deps.log?.('info', `${id}: moved ${a.entry.videoId} from ${from} to ${pos}`);
        if (pos !== a.to) return this.misplacedByYouTube(ctx, a.entry.videoId, a.to, pos);
      } else {
        await this.call(ctx, 'delete', () => client.delete(ctx.account, a.entry.itemId));
        this.deps.afterMutation?.('delete', id);
        ctx.mirror.splice(ctx.mirror.findIndex((e) => e.itemId === a.entry.itemId), 1);
        this.deps.log?.('info', `${id}: removed ${a.entry.videoId} (${a.reason})`);
      }
    } catch (e) {
      if (!notApplied(e)) throw e; // outcome unknown: pending_op stays, the next run refetches first
      await this.write(ctx, { pending_op: null, quota_day: ctx.today, quota_units: ctx.units });
      throw this.explain(ctx, a, e as YouTubeError);
    }
    await this.write(ctx, { mirror: ctx.mirror, mirror_valid: true, pending_op: null, items: ctx.mirror.length, quota_day: ctx.today, quota_units: ctx.units });
  }

  /** YouTube accepted a change but put the entry elsewhere: record what it did, then refetch. */
  private async misplacedByYouTube(ctx: RunCtx, videoId: string, wanted: number, got: number): Promise<void> {
    await this.write(ctx, { mirror: ctx.mirror, mirror_valid: false, pending_op: null, quota_day: ctx.today, quota_units: ctx.units });
    throw new ResyncNeeded(`YouTube put ${videoId} at ${got} instead of ${wanted}`);
  }

  /** What a refused change means for the run (an error to throw). */
  private explain(ctx: RunCtx, a: Action, e: YouTubeError): Error {
    const blocked = blockedBy(ctx.def, e);
    if (blocked) return blocked;
    switch (e.reason) {
      case 'videoNotFound':
        if (a.type === 'insert') {
          ctx.skipped[a.video.videoId] = this.clock() + this.settings.refusedRetryMs;
          return new SkipVideo(`YouTube does not know video ${a.video.videoId} (deleted or private); it is left out for now`);
        }
        return new ResyncNeeded(`YouTube answered videoNotFound for ${a.entry.videoId}`);
      case 'playlistItemNotFound':
        return new ResyncNeeded(`the entry of ${a.type === 'insert' ? a.video.videoId : a.entry.videoId} is no longer in the playlist`);
      case 'invalidPlaylistItemPosition':
        return new ResyncNeeded(`YouTube refused position ${a.type === 'insert' ? a.index : a.type === 'move' ? a.to : '?'} (our copy of the playlist is out of date)`);
      default:
        return e;
    }
  }

  private async write(ctx: RunCtx, patch: Partial<Omit<SyncState, 'playlist_id' | 'epoch'>>): Promise<void> {
    await this.deps.store.writeSync(ctx.def.id, ctx.state.epoch, patch);
  }

  /** Record the outcome and publish `playlist.status` when something an operator sees changed. */
  private async finish(def: PlaylistDef, state: SyncState, patch: Partial<Omit<SyncState, 'playlist_id' | 'epoch'>>, always: boolean): Promise<void> {
    await this.deps.store.writeSync(def.id, state.epoch, patch);
    const fresh = await this.deps.store.getSync(def.id);
    if (!fresh) return;
    const now = this.clock();
    const json = playlistJson(def, fresh, pacificDay(now), this.settings.dailyUnitBudget);
    const { last_run_at: _r, ...visible } = json.status;
    const sig = JSON.stringify({ ...json, status: visible });
    if (!always && this.published.get(def.id) === sig) return;
    this.published.set(def.id, sig);
    this.deps.publish?.(PLAYLIST_STATUS_TOPIC, json, def.id);
  }
}

function pendingOf(plan: Plan): { pending_inserts: number; pending_moves: number; pending_removals: number } {
  return { pending_inserts: plan.inserts.length, pending_moves: plan.moves.length, pending_removals: plan.removals.length };
}

/** Answers only the operator can do something about: the playlist is blocked instead of retried. */
function blockedBy(def: PlaylistDef, e: unknown): BlockedError | null {
  if (e instanceof BlockedError) return e;
  if (!(e instanceof YouTubeError)) return null;
  const name = `"${def.name}" (${def.id})`;
  switch (e.reason) {
    case 'manualSortRequired':
      return new BlockedError(`YouTube refuses to place videos in playlist ${name}: it is sorted automatically (by date or popularity). Set it to manual order in YouTube Studio, then press Sync.`);
    case 'playlistNotFound':
      return new BlockedError(`YouTube playlist ${name} was not found (deleted, or a wrong id). Fix the playlist id, then press Sync.`);
    case 'playlistItemsNotAccessible':
    case 'playlistOperationUnsupported':
    case 'forbidden':
    case 'insufficientPermissions':
      return new BlockedError(`The account cannot change playlist ${name} (${e.reason}). Check which account manages it, then press Sync.`);
    case 'playlistContainsMaximumNumberOfVideos':
      return new BlockedError(`Playlist ${name} is full (YouTube's limit is 5000 videos).`);
    default:
      return null;
  }
}

function pendingCounts(plan: Plan): RunReport['pending'] {
  return { inserts: plan.inserts.length, moves: plan.moves.length, removals: plan.removals.length };
}

function samePrefix(page: readonly MirrorEntry[], mirror: readonly MirrorEntry[]): boolean {
  return page.every((e, i) => mirror[i] !== undefined && mirror[i]!.itemId === e.itemId && mirror[i]!.videoId === e.videoId);
}
