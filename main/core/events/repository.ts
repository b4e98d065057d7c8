/**
 * Data access for events: every query the node, the operator API and the cutter run against the
 * events database. Written only with Kysely's query builder and portable SQL (no SQLite pragmas,
 * functions or upsert syntax) so one PostgreSQL database can replace the per-node SQLite file; the
 * test suite compiles these statements with Kysely's PostgreSQL compiler to keep it that way.
 *
 * Concurrency model (wubloader §5.3): there are no long-held locks. Every write is one conditional
 * UPDATE whose WHERE clause states what the writer believes (revision, state, owner, inputs it saw);
 * if someone else got there first the UPDATE matches no row and the caller learns it lost. Each write
 * bumps `revision` and appends the resulting snapshot to `event_history` in the same transaction, so a
 * killed process leaves either both or neither.
 */
import { randomUUID } from 'node:crypto';
import type { Expression, ExpressionBuilder, Insertable, Kysely, SqlBool } from 'kysely';
import { sql } from 'kysely';
import {
  decodeRecord, decodeView, encodePatch, toJson, type EventJson, type StoredRow,
} from './codec.ts';
import {
  EDIT_INPUT_FIELDS, MODIFIABLE_FIELDS, nowUs, type EditInputs, type EventRecord, type EventState,
  type EventView, type ModifiableInputs,
} from './model.ts';
import type { EventsDatabase, EventsTable } from './schema.ts';

export type EventsKysely = Kysely<EventsDatabase>;
type Where = (eb: ExpressionBuilder<EventsDatabase, 'events'>) => Expression<SqlBool>;

/** Every column except the image bytes (listings never need them). */
const VIEW_COLUMNS = [
  'id', 'channel', 'quality', 'event_start', 'event_end', 'category', 'notes', 'description', 'tags',
  'allow_holes', 'uploader_whitelist', 'upload_location', 'public', 'video_ranges', 'video_transitions',
  'video_title', 'video_description', 'video_tags', 'video_channel', 'video_quality', 'thumbnail_mode',
  'thumbnail_time', 'thumbnail_template', 'thumbnail_image_sha256', 'thumbnail_crop', 'thumbnail_location',
  'state', 'uploader', 'error', 'video_id', 'video_link', 'editor', 'edit_time', 'upload_time', 'last_modified',
  'thumbnail_last_written', 'revision', 'created_at', 'created_by', 'updated_at',
] as const satisfies readonly Exclude<keyof EventsTable, 'thumbnail_image'>[];

export const FINALIZING_DIED_ERROR =
  'Uploader died during FINALIZING, please determine if video was actually uploaded or not, then set state to DONE (with the video id and link) or reset the event.';

export interface NewEvent extends Partial<EditInputs> {
  id?: string;
  channel: string;
  quality: string;
  event_start: number;
  event_end: number | null;
  category?: string;
  notes?: string;
  description?: string;
  tags?: string[];
}

export type EventPatch = Partial<Omit<EventRecord, 'id' | 'revision' | 'created_at' | 'created_by' | 'updated_at' | 'thumbnail_image_sha256'>>;

/** Fields the cutter may write on a row it owns. */
export type OwnedPatch = Partial<Pick<EventRecord,
  'state' | 'uploader' | 'error' | 'video_id' | 'video_link' | 'upload_time' | 'last_modified' | 'thumbnail_image' | 'thumbnail_last_written'>>;

export interface ListFilter {
  states?: EventState[];
  channel?: string;
  /** matches `tags` or `video_tags`, whole tag, case-insensitive */
  tag?: string;
  /** substring of title, video description, description, notes or category, case-insensitive */
  text?: string;
  limit: number;
  offset: number;
  order?: 'event_start' | 'updated_at';
  desc?: boolean;
}

export interface HistoryEntry {
  revision: number;
  action: string;
  actor: string | null;
  changed_at: number;
}

export interface RepositoryOptions {
  /** clock in epoch µs (tests pin it) */
  now?: () => number;
  /** called after every committed write with the new state of each changed event */
  onChange?: (event: EventRecord, action: string) => void;
}

/** LIKE pattern for "contains", with the pattern's own wildcards escaped (escape char: backslash). */
export function containsPattern(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const lowerLike = (column: keyof EventsTable, pattern: string) =>
  sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;

export class EventsRepository {
  private readonly now: () => number;

  constructor(readonly db: EventsKysely, private readonly opts: RepositoryOptions = {}) {
    this.now = opts.now ?? nowUs;
  }

  // ---- reads ---------------------------------------------------------------------------------

  async get(id: string): Promise<EventRecord | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? decodeRecord(row) : undefined;
  }

  async getView(id: string): Promise<EventView | undefined> {
    const row = await this.db.selectFrom('events').select(VIEW_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? decodeView(row as StoredRow) : undefined;
  }

  async list(f: ListFilter): Promise<{ events: EventView[]; total: number }> {
    const where: Where = (eb) => {
      const conds: Expression<SqlBool>[] = [];
      if (f.states?.length) conds.push(eb('state', 'in', f.states));
      if (f.channel) conds.push(eb('channel', '=', f.channel));
      if (f.tag) {
        // tags are canonical JSON arrays, so a whole tag appears as its JSON string literal
        const p = containsPattern(JSON.stringify(f.tag));
        conds.push(eb.or([lowerLike('tags', p), lowerLike('video_tags', p)]));
      }
      if (f.text) {
        const p = containsPattern(f.text);
        conds.push(eb.or((['video_title', 'video_description', 'description', 'notes', 'category'] as const).map((c) => lowerLike(c, p))));
      }
      return eb.and(conds);
    };
    const order = f.order ?? 'event_start';
    const dir = f.desc ? 'desc' : 'asc';
    const rows = await this.db.selectFrom('events').select(VIEW_COLUMNS).where(where)
      .orderBy(order, dir).orderBy('id', dir).limit(f.limit).offset(f.offset).execute();
    const count = await this.db.selectFrom('events').select((eb) => eb.fn.countAll<number | string>().as('n')).where(where).executeTakeFirstOrThrow();
    return { events: rows.map((r) => decodeView(r as StoredRow)), total: Number(count.n) };
  }

  async history(id: string): Promise<HistoryEntry[]> {
    const rows = await this.db.selectFrom('event_history').select(['revision', 'action', 'actor', 'changed_at'])
      .where('event_id', '=', id).orderBy('revision', 'asc').execute();
    return rows.map((r) => ({ revision: Number(r.revision), action: r.action, actor: r.actor, changed_at: Number(r.changed_at) }));
  }

  /** The event as it was right after `revision` (public form), if that revision is recorded. */
  async snapshotAt(id: string, revision: number): Promise<EventJson | undefined> {
    const row = await this.db.selectFrom('event_history').select('snapshot')
      .where('event_id', '=', id).where('revision', '=', revision).executeTakeFirst();
    return row ? (JSON.parse(row.snapshot) as EventJson) : undefined;
  }

  /** Cheap change feed: which events were written at or after `sinceUs` (by any process or node). */
  async listChangedSince(sinceUs: number): Promise<{ id: string; revision: number }[]> {
    const rows = await this.db.selectFrom('events').select(['id', 'revision']).where('updated_at', '>=', sinceUs).execute();
    return rows.map((r) => ({ id: r.id, revision: Number(r.revision) }));
  }

  // ---- writes (generic) ----------------------------------------------------------------------

  async create(e: NewEvent, actor: string | null): Promise<EventRecord> {
    const now = this.now();
    // Every column is written explicitly (no reliance on DB defaults, which differ per dialect).
    const full: Omit<EventRecord, 'thumbnail_image_sha256'> = {
      id: e.id ?? randomUUID(),
      channel: e.channel,
      quality: e.quality,
      event_start: e.event_start,
      event_end: e.event_end,
      category: e.category ?? '',
      notes: e.notes ?? '',
      description: e.description ?? '',
      tags: e.tags ?? [],
      allow_holes: e.allow_holes ?? false,
      uploader_whitelist: e.uploader_whitelist ?? null,
      upload_location: e.upload_location ?? null,
      public: e.public ?? true,
      video_ranges: e.video_ranges ?? null,
      video_transitions: e.video_transitions ?? null,
      video_title: e.video_title ?? null,
      video_description: e.video_description ?? null,
      video_tags: e.video_tags ?? null,
      video_channel: e.video_channel ?? null,
      video_quality: e.video_quality ?? e.quality,
      thumbnail_mode: e.thumbnail_mode ?? 'BARE',
      thumbnail_time: e.thumbnail_time ?? null,
      thumbnail_template: e.thumbnail_template ?? null,
      thumbnail_image: e.thumbnail_image ?? null,
      thumbnail_crop: e.thumbnail_crop ?? null,
      thumbnail_location: e.thumbnail_location ?? null,
      state: 'UNEDITED',
      uploader: null,
      error: null,
      video_id: null,
      video_link: null,
      editor: null,
      edit_time: null,
      upload_time: null,
      last_modified: null,
      thumbnail_last_written: null,
      revision: 1,
      created_at: now,
      created_by: actor,
      updated_at: now,
    };
    const values = encodePatch(full) as Insertable<EventsTable>;
    const record = await this.db.transaction().execute(async (trx) => {
      const row = await trx.insertInto('events').values(values).returningAll().executeTakeFirstOrThrow();
      const rec = decodeRecord(row);
      await this.appendHistory(trx, rec, 'create', actor);
      return rec;
    });
    this.opts.onChange?.(record, 'create');
    return record;
  }

  /**
   * Apply `patch` only if the event is still at `revision` (the caller decided based on that
   * version). undefined = someone else wrote first (or the event is gone): re-read and decide again.
   */
  async updateIfRevision(id: string, revision: number, patch: EventPatch, action: string, actor: string | null): Promise<EventRecord | undefined> {
    const [rec] = await this.update((eb) => eb.and([eb('id', '=', id), eb('revision', '=', revision)]), patch, action, actor);
    return rec;
  }

  /** One conditional UPDATE (+ history) in a transaction; returns the rows it changed. */
  private async update(where: Where, patch: EventPatch, action: string, actor: string | null): Promise<EventRecord[]> {
    const now = this.now();
    const stored = encodePatch(patch);
    const changed = await this.db.transaction().execute(async (trx) => {
      const rows = await trx.updateTable('events')
        .set({ ...stored, revision: sql<number>`${sql.ref('revision')} + 1`, updated_at: now })
        .where(where).returningAll().execute();
      const recs = rows.map(decodeRecord);
      for (const r of recs) await this.appendHistory(trx, r, action, actor);
      return recs;
    });
    for (const r of changed) this.opts.onChange?.(r, action);
    return changed;
  }

  private async appendHistory(trx: EventsKysely, r: EventRecord, action: string, actor: string | null): Promise<void> {
    await trx.insertInto('event_history').values({
      event_id: r.id, revision: r.revision, action, actor, changed_at: r.updated_at, snapshot: JSON.stringify(toJson(r)),
    }).execute();
  }

  /** WHERE every listed input column IS NOT DISTINCT FROM the value seen (compared in stored form). */
  private static unchanged(eb: ExpressionBuilder<EventsDatabase, 'events'>, seen: Partial<EditInputs>, fields: readonly (keyof EditInputs)[]): Expression<SqlBool>[] {
    const pick: Partial<EditInputs> = {};
    for (const f of fields) (pick as Record<string, unknown>)[f] = seen[f];
    const stored = encodePatch(pick) as Record<string, unknown>;
    return fields.map((f) => eb(f, 'is not distinct from', stored[f] as never));
  }

  // ---- cutter: claiming and owned transitions (reference §5.3/§5.4) ---------------------------

  /**
   * EDITED events this cutter may take: its upload locations, and a whitelist that is empty or names
   * it (with `explicitOnly`, only rows whose whitelist names it). Ordered oldest first; the cutter
   * shuffles them so several nodes do not all race for the same row.
   */
  async listCandidates(uploaderName: string, locations: string[], opts: { explicitOnly?: boolean } = {}): Promise<EventRecord[]> {
    if (locations.length === 0) return [];
    const rows = await this.db.selectFrom('events').selectAll()
      .where('state', '=', 'EDITED').where('upload_location', 'in', locations)
      .orderBy('event_start', 'asc').orderBy('id', 'asc').execute();
    return rows.map(decodeRecord).filter((r) =>
      r.uploader_whitelist === null ? !opts.explicitOnly : r.uploader_whitelist.includes(uploaderName));
  }

  /**
   * Atomically take an EDITED event, provided none of its edit inputs changed since the cutter read
   * them. Exactly one of several concurrent claimers (threads, processes or nodes) wins.
   */
  async claimEvent(id: string, uploader: string, seen: EditInputs): Promise<boolean> {
    const won = await this.update(
      (eb) => eb.and([eb('id', '=', id), eb('state', '=', 'EDITED'), ...EventsRepository.unchanged(eb, seen, EDIT_INPUT_FIELDS)]),
      { state: 'CLAIMED', uploader, error: null }, 'claim', uploader,
    );
    return won.length === 1;
  }

  /**
   * Write to an event this cutter owns and expects in `expectedState`. Returns the row count:
   * 0 means an operator pulled it back (cancel/re-edit/reset) or something is inconsistent.
   */
  async setRowIfOwned(id: string, uploader: string, patch: OwnedPatch, expectedState: EventState, action = 'cutter'): Promise<number> {
    const rows = await this.update(
      (eb) => eb.and([eb('id', '=', id), eb('uploader', '=', uploader), eb('state', '=', expectedState)]),
      patch, action, uploader,
    );
    return rows.length;
  }

  /** At cutter start-up: release what a previous run of this cutter held (reference §5.3). */
  async rollbackOwned(uploader: string): Promise<{ released: number; flagged: number }> {
    const released = await this.update(
      (eb) => eb.and([eb('state', '=', 'CLAIMED'), eb('uploader', '=', uploader)]),
      { state: 'EDITED', uploader: null }, 'rollback', uploader,
    );
    const flagged = await this.update(
      (eb) => eb.and([eb('state', '=', 'FINALIZING'), eb('uploader', '=', uploader), eb('error', 'is', null)]),
      { error: FINALIZING_DIED_ERROR }, 'rollback', uploader,
    );
    return { released: released.length, flagged: flagged.length };
  }

  /** The last cut chunk was handed to the backend: CLAIMED → FINALIZING. */
  markFinalizing(id: string, uploader: string): Promise<number> {
    return this.setRowIfOwned(id, uploader, { state: 'FINALIZING' }, 'CLAIMED', 'finalizing');
  }

  /** Upload confirmed: FINALIZING → TRANSCODING (backend still processing) or DONE. */
  markUploaded(id: string, uploader: string, r: { videoId: string; videoLink: string; thumbnailLastWritten: string | null; needsTranscode: boolean }): Promise<number> {
    return this.setRowIfOwned(id, uploader, {
      state: r.needsTranscode ? 'TRANSCODING' : 'DONE', video_id: r.videoId, video_link: r.videoLink,
      thumbnail_last_written: r.thumbnailLastWritten, error: null, ...(r.needsTranscode ? {} : { upload_time: this.now() }),
    }, 'FINALIZING', 'uploaded');
  }

  /** A retryable failure: back to EDITED for any cutter to try again, with the reason shown. */
  failRetryable(id: string, uploader: string, error: string, from: EventState = 'CLAIMED'): Promise<number> {
    return this.setRowIfOwned(id, uploader, { state: 'EDITED', uploader: null, error }, from, 'retryable-error');
  }

  /** A non-retryable failure: back to UNEDITED for an editor to fix; the uploader is kept for diagnosis. */
  failNonRetryable(id: string, uploader: string, error: string, from: EventState = 'CLAIMED'): Promise<number> {
    return this.setRowIfOwned(id, uploader, { state: 'UNEDITED', error }, from, 'error');
  }

  /** Unknown outcome while finalizing: stays FINALIZING with an error; an operator must check. */
  failDuringFinalizing(id: string, uploader: string, error: string): Promise<number> {
    return this.setRowIfOwned(id, uploader, { error }, 'FINALIZING', 'finalizing-error');
  }

  /** Video uploaded but setting its thumbnail failed: MODIFIED with the error (the updater skips errored rows). */
  markUploadedThumbnailFailed(id: string, uploader: string, r: { videoId: string; videoLink: string; error: string }): Promise<number> {
    const now = this.now();
    return this.setRowIfOwned(id, uploader, {
      state: 'MODIFIED', video_id: r.videoId, video_link: r.videoLink, error: r.error, upload_time: now, last_modified: now,
    }, 'FINALIZING', 'thumbnail-error');
  }

  /** A cutter that lacks footage says so once, without taking the row (other nodes may have it). */
  async setCandidateError(id: string, error: string): Promise<boolean> {
    const rows = await this.update(
      (eb) => eb.and([eb('id', '=', id), eb('state', '=', 'EDITED'), eb('error', 'is', null)]), { error }, 'candidate-error', null,
    );
    return rows.length === 1;
  }

  // ---- transcode checker and updater (reference §5.5) ----------------------------------------

  async listTranscoding(location: string): Promise<EventView[]> {
    const rows = await this.db.selectFrom('events').select(VIEW_COLUMNS)
      .where('state', '=', 'TRANSCODING').where('upload_location', '=', location).orderBy('updated_at', 'asc').execute();
    return rows.map((r) => decodeView(r as StoredRow));
  }

  /** TRANSCODING → DONE for the given ids (those still TRANSCODING). Returns how many moved. */
  async markTranscoded(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.update(
      (eb) => eb.and([eb('id', 'in', ids), eb('state', '=', 'TRANSCODING')]), { state: 'DONE', upload_time: this.now() }, 'transcoded', null,
    );
    return rows.length;
  }

  /** Published videos whose metadata an editor changed and that are not parked on an error. */
  async listModified(location: string): Promise<EventRecord[]> {
    const rows = await this.db.selectFrom('events').selectAll()
      .where('state', '=', 'MODIFIED').where('error', 'is', null).where('upload_location', '=', location)
      .orderBy('last_modified', 'asc').execute();
    return rows.map(decodeRecord);
  }

  /**
   * The updater pushed `seen` to the backend: MODIFIED → DONE, unless an editor changed a modifiable
   * field meanwhile (then it stays MODIFIED and is picked up again).
   */
  async markUpdated(id: string, seen: ModifiableInputs, extra: Pick<OwnedPatch, 'thumbnail_last_written' | 'thumbnail_image'> = {}): Promise<boolean> {
    const rows = await this.update(
      (eb) => eb.and([eb('id', '=', id), eb('state', '=', 'MODIFIED'), eb('error', 'is', null), ...EventsRepository.unchanged(eb, seen, MODIFIABLE_FIELDS)]),
      { state: 'DONE', ...extra }, 'updated', null,
    );
    return rows.length === 1;
  }

  async setUpdateError(id: string, error: string): Promise<boolean> {
    const rows = await this.update((eb) => eb.and([eb('id', '=', id), eb('state', '=', 'MODIFIED')]), { error }, 'update-error', null);
    return rows.length === 1;
  }
}
