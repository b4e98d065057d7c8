/**
 * Data access for playlists: definitions (the operator API) and sync state (the worker). Kysely query
 * builder only, no dialect-specific SQL or upserts: the sync row is inserted with its playlist in one
 * transaction and afterwards only updated, conditionally on its `epoch`.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import {
  normalizeTags, type CreatePlaylistInput, type MirrorEntry, type PendingOp, type PlaylistDef, type PlaylistPatch,
  type SyncMode, type SyncState,
} from './model.ts';
import type { PlaylistSyncTable, PlaylistsDatabase, PlaylistsTable } from './schema.ts';

export class PlaylistExistsError extends Error {}
export class StalePlaylistError extends Error {
  constructor(readonly current: PlaylistDef) {
    super(`The playlist changed since you loaded it (now revision ${current.revision}); reload and try again`);
  }
}

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));
const bool = (v: number | string): boolean => Number(v) === 1;

function decodeDef(r: Selectable<PlaylistsTable>): PlaylistDef {
  return {
    id: r.id,
    name: r.name,
    account: r.account,
    location: r.location,
    tags: JSON.parse(r.tags) as string[],
    first_event_id: r.first_event_id,
    last_event_id: r.last_event_id,
    show_in_description: bool(r.show_in_description),
    default_template: r.default_template,
    remove_unmatched: bool(r.remove_unmatched),
    reorder: bool(r.reorder),
    enabled: bool(r.enabled),
    revision: num(r.revision),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

function decodeSync(r: Selectable<PlaylistSyncTable>): SyncState {
  return {
    playlist_id: r.playlist_id,
    epoch: r.epoch,
    mirror: r.mirror === null ? null : (JSON.parse(r.mirror) as [string, string][]).map(([itemId, videoId]) => ({ itemId, videoId })),
    mirror_valid: bool(r.mirror_valid),
    pending_op: r.pending_op === null ? null : (JSON.parse(r.pending_op) as PendingOp),
    skipped: JSON.parse(r.skipped) as Record<string, number>,
    force: r.force as SyncMode | null,
    last_run_at: numOrNull(r.last_run_at),
    last_checked_at: numOrNull(r.last_checked_at),
    last_full_at: numOrNull(r.last_full_at),
    items: numOrNull(r.items),
    pending_inserts: num(r.pending_inserts),
    pending_moves: num(r.pending_moves),
    pending_removals: num(r.pending_removals),
    last_error: r.last_error,
    last_error_at: numOrNull(r.last_error_at),
    blocked: r.blocked,
    failures: num(r.failures),
    next_attempt_at: numOrNull(r.next_attempt_at),
    quota_day: r.quota_day,
    quota_units: num(r.quota_units),
  };
}

/** Encode a partial sync state for UPDATE. */
function encodeSync(p: Partial<Omit<SyncState, 'playlist_id' | 'epoch'>>): Updateable<PlaylistSyncTable> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    if (k === 'mirror') out.mirror = v === null ? null : JSON.stringify((v as MirrorEntry[]).map((e) => [e.itemId, e.videoId]));
    else if (k === 'pending_op') out.pending_op = v === null ? null : JSON.stringify(v);
    else if (k === 'skipped') out.skipped = JSON.stringify(v);
    else if (k === 'mirror_valid') out.mirror_valid = v ? 1 : 0;
    else out[k] = v;
  }
  return out as Updateable<PlaylistSyncTable>;
}

const defColumns = (d: Omit<PlaylistDef, 'revision' | 'created_at' | 'updated_at' | 'id'>) => ({
  name: d.name,
  account: d.account,
  location: d.location,
  tags: JSON.stringify(normalizeTags(d.tags)),
  first_event_id: d.first_event_id,
  last_event_id: d.last_event_id,
  show_in_description: d.show_in_description ? 1 : 0,
  default_template: d.default_template,
  remove_unmatched: d.remove_unmatched ? 1 : 0,
  reorder: d.reorder ? 1 : 0,
  enabled: d.enabled ? 1 : 0,
});

export interface PlaylistRow {
  def: PlaylistDef;
  sync: SyncState | undefined;
}

export class PlaylistStore {
  constructor(readonly db: Kysely<PlaylistsDatabase>, private readonly now: () => number = Date.now) {}

  // ---- definitions ---------------------------------------------------------------------------

  async listDefs(): Promise<PlaylistDef[]> {
    const rows = await this.db.selectFrom('playlists').selectAll().orderBy('name', 'asc').orderBy('id', 'asc').execute();
    return rows.map(decodeDef);
  }

  async getDef(id: string): Promise<PlaylistDef | undefined> {
    const row = await this.db.selectFrom('playlists').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? decodeDef(row) : undefined;
  }

  async list(): Promise<PlaylistRow[]> {
    const defs = await this.listDefs();
    const syncs = new Map((await this.db.selectFrom('playlist_sync').selectAll().execute()).map((r) => [r.playlist_id, decodeSync(r)]));
    return defs.map((def) => ({ def, sync: syncs.get(def.id) }));
  }

  async get(id: string): Promise<PlaylistRow | undefined> {
    const def = await this.getDef(id);
    return def ? { def, sync: await this.getSync(id) } : undefined;
  }

  /*
   * Write transactions start with their write (never read-then-write): with SQLite's WAL, a
   * transaction that read first cannot upgrade to a writer once another process (the sync worker)
   * has committed meanwhile, and fails with SQLITE_BUSY instead of waiting.
   */

  async create(input: CreatePlaylistInput): Promise<PlaylistDef> {
    if (await this.getDef(input.id)) throw new PlaylistExistsError(`Playlist ${input.id} is already managed`);
    const now = this.now();
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await trx.insertInto('playlists')
          .values({ id: input.id, ...defColumns(input), revision: 1, created_at: now, updated_at: now })
          .returningAll().executeTakeFirstOrThrow();
        await trx.insertInto('playlist_sync').values({
          playlist_id: input.id, epoch: randomUUID(), mirror: null, mirror_valid: 0, pending_op: null, skipped: '{}', force: null,
          last_run_at: null, last_checked_at: null, last_full_at: null, items: null, pending_inserts: 0, pending_moves: 0,
          pending_removals: 0, last_error: null, last_error_at: null, blocked: null, failures: 0, next_attempt_at: null,
          quota_day: null, quota_units: 0,
        }).execute();
        return decodeDef(row);
      });
    } catch (e) {
      // created by someone else between our check and our insert (primary key violation)
      if (await this.getDef(input.id)) throw new PlaylistExistsError(`Playlist ${input.id} is already managed`);
      throw e;
    }
  }

  /**
   * Apply a patch (optionally only at `baseRevision`). A changed definition is worth another try, so
   * a "blocked" or backing-off playlist is released. undefined = no such playlist.
   */
  async update(id: string, patch: PlaylistPatch, baseRevision?: number): Promise<PlaylistDef | undefined> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.getDef(id);
      if (!cur) return undefined;
      if (baseRevision !== undefined && baseRevision !== cur.revision) throw new StalePlaylistError(cur);
      const merged = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as PlaylistDef;
      const updated = await this.db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('playlists')
          .set({ ...defColumns(merged), revision: cur.revision + 1, updated_at: this.now() })
          .where('id', '=', id).where('revision', '=', cur.revision)
          .returningAll().executeTakeFirst();
        if (!row) return undefined; // someone else wrote first
        await trx.updateTable('playlist_sync').set({ blocked: null, next_attempt_at: null, failures: 0 }).where('playlist_id', '=', id).execute();
        return decodeDef(row);
      });
      if (updated) return updated;
      if (attempt >= 3 || baseRevision !== undefined) {
        const now = await this.getDef(id);
        if (!now) return undefined;
        throw new StalePlaylistError(now);
      }
    }
  }

  /** Stop managing a playlist (YouTube is not touched). */
  async remove(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('playlist_sync').where('playlist_id', '=', id).execute();
      const r = await trx.deleteFrom('playlists').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  /** Operator asked for a sync now: also lifts a block and any backoff. */
  async requestSync(id: string, mode: SyncMode): Promise<boolean> {
    const r = await this.db.updateTable('playlist_sync')
      .set({ force: mode, blocked: null, next_attempt_at: null })
      .where('playlist_id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // ---- sync state (worker) -------------------------------------------------------------------

  async getSync(id: string): Promise<SyncState | undefined> {
    const row = await this.db.selectFrom('playlist_sync').selectAll().where('playlist_id', '=', id).executeTakeFirst();
    return row ? decodeSync(row) : undefined;
  }

  /**
   * One atomic UPDATE of the sync row, only if it still belongs to the same incarnation of the
   * playlist. false = the playlist was deleted (or re-created) meanwhile.
   */
  async writeSync(id: string, epoch: string, patch: Partial<Omit<SyncState, 'playlist_id' | 'epoch'>>): Promise<boolean> {
    const set = encodeSync(patch);
    if (Object.keys(set).length === 0) return true;
    const r = await this.db.updateTable('playlist_sync').set(set)
      .where('playlist_id', '=', id).where('epoch', '=', epoch).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Clear an operator's sync request once it has been served (unless a newer one replaced it). */
  async clearForce(id: string, epoch: string, mode: SyncMode): Promise<void> {
    await this.db.updateTable('playlist_sync').set({ force: null })
      .where('playlist_id', '=', id).where('epoch', '=', epoch).where('force', '=', mode).execute();
  }
}
