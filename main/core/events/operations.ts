/**
 * What an editor can do to an event, and when (wubloader thrimshim's rules, reference §5.2), on top
 * of the repository's conditional writes:
 *
 *   create                         → UNEDITED
 *   saveDraft   UNEDITED|EDITED|CLAIMED → UNEDITED   (re-editing pulls a queued/claimed job back)
 *   submit      UNEDITED|EDITED|CLAIMED → EDITED     (all required inputs present and valid)
 *   modify      DONE|MODIFIED      → MODIFIED        (only title/description/tags/public/thumbnail change)
 *   cancel      EDITED|CLAIMED     → UNEDITED
 *   reset       any                → UNEDITED        (clears uploader, error and publication outputs)
 *   manualLink  UNEDITED           → DONE            (the video was published by hand)
 *
 * Stale edits: every write names the revision the editor loaded. If the event moved on since, the
 * write is refused with what changed (base → theirs, plus ours) instead of overwriting silently,
 * unless the editor explicitly overrides after seeing the diff.
 *
 * A CLAIMED event that is re-edited or cancelled loses its `uploader`; the cutter's next owned
 * write matches no row and it abandons the job (reference §5.3).
 */
import { isDeepStrictEqual } from 'node:util';
import { sha256Hex, toJson, type EventJson } from './codec.ts';
import {
  MODIFIABLE_FIELDS, nowUs, US_PER_SECOND, type EventRecord, type EventState,
} from './model.ts';
import { withPlaylistBlock, type DescriptionPlaylist } from './playlist-lines.ts';
import type { EventPatch, EventsRepository } from './repository.ts';
import { validateEvent, ValidationError, type EventRules, type Mode } from './validation.ts';

export class NotFoundError extends Error {
  constructor(id: string) {
    super(`No event ${id}`);
  }
}

export class StateConflictError extends Error {
  constructor(message: string, readonly state: EventState) {
    super(message);
  }
}

export interface FieldChange {
  field: string;
  /** the value when the editor loaded the event (absent if that revision is not recorded) */
  base?: unknown;
  /** what this request wanted */
  ours: unknown;
  /** what is stored now */
  theirs: unknown;
}

export class StaleEditError extends Error {
  constructor(readonly current: EventJson, readonly changed: FieldChange[], readonly baseRevision: number) {
    super(`The event changed since you loaded it (your revision ${baseRevision}, now ${current.revision}): review the changes, then accept them or resend with override`);
  }
}

export interface WriteMeta {
  baseRevision: number;
  override?: boolean;
  editor?: string;
}

export interface OperationsOptions extends EventRules {
  /** how far before a live marker's time the event starts, seconds */
  leadInSeconds: number;
  /** transient write conflicts (another process wrote between our read and write) retried this often */
  maxAttempts?: number;
  // ---- playlist block (issue 5) ----
  /**
   * The playlists to list in video descriptions (show-in-description ones; main/playlists provides
   * them). When set, submit and modify rewrite the block at the end of video_description
   * (playlist-lines.ts) before validating, so the 5000-byte limit includes it. Absent: descriptions
   * are left exactly as sent.
   */
  descriptionPlaylists?: () => Promise<DescriptionPlaylist[]>;
  /**
   * Upload locations whose videos go into playlists (YouTube, not unlisted-only); absent = all. An
   * event elsewhere, or not public, gets no block (it will not be in any playlist).
   */
  descriptionPlaylistLocations?: readonly string[];
}

export type CreateInput = {
  channel: string;
  quality?: string;
  category?: string;
  notes?: string;
  description?: string;
  tags?: string[];
  editor?: string;
} & ({ time: number; leadInSeconds?: number } | { start: number; end: number });

export interface ManualLink {
  video_link: string;
  video_id?: string;
}

/** Bookkeeping fields left out of stale-edit diffs. */
const NOT_DIFFED = new Set(['id', 'revision', 'updated_at', 'created_at', 'created_by']);
const EDITABLE_STATES: EventState[] = ['UNEDITED', 'EDITED', 'CLAIMED'];
const YOUTUBE_LINK = /^https?:\/\/(?:www\.)?(?:youtu\.be\/|youtube\.com\/watch\?v=)([A-Za-z0-9_-]{11})(?:[?&#].*)?$/;

export class EventOperations {
  private readonly now: () => number;

  constructor(readonly repo: EventsRepository, readonly rules: OperationsOptions, now: () => number = nowUs) {
    this.now = now;
  }

  async create(input: CreateInput): Promise<EventRecord> {
    const quality = input.quality ?? 'source';
    const common = {
      channel: input.channel, quality, category: input.category ?? '', notes: input.notes ?? '',
      description: input.description ?? '', tags: input.tags ?? [],
      video_channel: input.channel, video_quality: quality, video_description: '', video_tags: [...(input.tags ?? [])],
      upload_location: this.rules.locations[0] ?? null, thumbnail_mode: 'BARE' as const,
    };
    if ('time' in input) {
      const lead = input.leadInSeconds ?? this.rules.leadInSeconds;
      return this.repo.create({
        ...common, event_start: input.time - Math.round(lead * US_PER_SECOND), event_end: null, thumbnail_time: input.time,
      }, input.editor ?? null);
    }
    if (!(input.start < input.end)) throw new ValidationError([{ fields: ['start', 'end'], message: 'start must be before end' }]);
    return this.repo.create({
      ...common, event_start: input.start, event_end: input.end,
      // a range is a ready-made single-range edit: only a title is missing before it can be submitted
      video_ranges: [{ start: input.start, end: input.end }], video_transitions: [],
      thumbnail_time: input.start + Math.floor((input.end - input.start) / 2),
    }, input.editor ?? null);
  }

  async saveDraft(id: string, meta: WriteMeta, req: EventPatch): Promise<EventRecord> {
    return this.write(id, meta, 'draft', req, (cur) => {
      this.requireState(cur, EDITABLE_STATES, 'save a draft of');
      const patch = this.withThumbnailRule(cur, req);
      this.validate({ ...cur, ...patch }, 'draft', req);
      return { ...patch, state: 'UNEDITED', uploader: null, error: null };
    });
  }

  async submit(id: string, meta: WriteMeta, req: EventPatch): Promise<EventRecord> {
    const playlists = await this.describedPlaylists();
    return this.write(id, meta, 'submit', req, (cur) => {
      this.requireState(cur, EDITABLE_STATES, 'submit');
      const patch = this.withThumbnailRule(cur, req);
      const merged = { ...cur, ...patch };
      const filled: EventPatch = {
        ...patch,
        video_description: merged.video_description ?? '',
        video_tags: merged.video_tags ?? [],
        video_channel: merged.video_channel ?? cur.channel,
      };
      if (playlists) filled.video_description = withPlaylistBlock(filled.video_description!, this.listedIn(playlists, merged), filled.video_tags!); // playlist block
      this.validate({ ...cur, ...filled }, 'submit', req);
      return { ...filled, state: 'EDITED', uploader: null, error: null, editor: meta.editor ?? null, edit_time: this.now() };
    });
  }

  async modify(id: string, meta: WriteMeta, req: EventPatch): Promise<EventRecord> {
    const playlists = await this.describedPlaylists();
    return this.write(id, meta, 'modify', req, (cur) => {
      this.requireState(cur, ['DONE', 'MODIFIED'], 'modify');
      // An editor form may send the whole event back: fields that cannot change on a published video
      // are accepted only if they equal what is stored, and are then left out of the write.
      const modifiable: EventPatch = {};
      for (const [k, v] of Object.entries(req) as [keyof EventPatch, unknown][]) {
        if ((MODIFIABLE_FIELDS as readonly string[]).includes(k)) (modifiable as Record<string, unknown>)[k] = v;
        else if (!isDeepStrictEqual(v, cur[k])) {
          throw new ValidationError([{ fields: [k], message: `${k} cannot be changed on a published video` }]);
        }
      }
      const patch = this.withThumbnailRule(cur, modifiable);
      if (playlists) { // playlist block: kept consistent with the (possibly changed) tags and playlists
        const m = { ...cur, ...patch };
        patch.video_description = withPlaylistBlock(m.video_description ?? '', this.listedIn(playlists, m), m.video_tags ?? m.tags);
      }
      this.validate({ ...cur, ...patch }, 'modify', modifiable);
      return { ...patch, state: 'MODIFIED', last_modified: this.now(), error: null };
    });
  }

  async cancel(id: string, meta: WriteMeta): Promise<EventRecord> {
    return this.write(id, meta, 'cancel', {}, (cur) => {
      if (cur.state !== 'EDITED' && cur.state !== 'CLAIMED') {
        const hint = cur.state === 'FINALIZING' || cur.state === 'TRANSCODING'
          ? ' (the upload may already have happened: check the video, then use reset)' : '';
        throw new StateConflictError(`Only EDITED or CLAIMED events can be cancelled; this one is ${cur.state}${hint}`, cur.state);
      }
      return { state: 'UNEDITED', uploader: null, error: null };
    });
  }

  async reset(id: string, meta: WriteMeta): Promise<EventRecord> {
    return this.write(id, meta, 'reset', {}, () => ({
      state: 'UNEDITED', uploader: null, error: null, video_id: null, video_link: null, editor: null,
      edit_time: null, upload_time: null, last_modified: null, thumbnail_last_written: null,
    }));
  }

  async manualLink(id: string, meta: WriteMeta, link: ManualLink): Promise<EventRecord> {
    const yt = YOUTUBE_LINK.exec(link.video_link);
    if (yt && link.video_id !== undefined && link.video_id !== yt[1]) {
      throw new ValidationError([{ fields: ['video_id'], message: `video_id ${link.video_id} does not match the YouTube link (${yt[1]})` }]);
    }
    const req: EventPatch = { video_link: link.video_link, video_id: yt ? yt[1]! : (link.video_id ?? null) };
    return this.write(id, meta, 'manual-link', req, (cur) => {
      this.requireState(cur, ['UNEDITED'], 'link a manually published video to');
      const now = this.now();
      return {
        ...req, state: 'DONE', upload_location: yt ? 'youtube-manual' : 'manual', thumbnail_mode: 'NONE',
        error: null, uploader: null, editor: meta.editor ?? null, edit_time: now, upload_time: now,
      };
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The playlists an event can be in at all: none unless it is public and on a playlist location. */
  private listedIn(playlists: DescriptionPlaylist[], e: Pick<EventRecord, 'public' | 'upload_location'>): DescriptionPlaylist[] {
    const where = this.rules.descriptionPlaylistLocations;
    return e.public && (!where || where.includes(e.upload_location ?? '')) ? playlists : [];
  }

  /** Playlist block source (issue 5); a failure leaves descriptions as they are rather than blocking edits. */
  private async describedPlaylists(): Promise<DescriptionPlaylist[] | null> {
    if (!this.rules.descriptionPlaylists) return null;
    try {
      return await this.rules.descriptionPlaylists();
    } catch (e) {
      console.error('[events] could not read the playlists for video descriptions; leaving descriptions unchanged', e);
      return null;
    }
  }

  /**
   * Read, check the editor's revision, decide, then write only if nobody wrote in between; a lost
   * race is retried from the read (and then reported as stale unless overriding).
   */
  private async write(id: string, meta: WriteMeta, action: string, req: EventPatch, decide: (cur: EventRecord) => EventPatch): Promise<EventRecord> {
    const attempts = this.rules.maxAttempts ?? 5;
    for (let i = 0; i < attempts; i++) {
      const cur = await this.repo.get(id);
      if (!cur) throw new NotFoundError(id);
      if (cur.revision !== meta.baseRevision && !meta.override) throw await this.staleError(cur, meta.baseRevision, req);
      const patch = decide(cur);
      const updated = await this.repo.updateIfRevision(id, cur.revision, patch, action, meta.editor ?? null);
      if (updated) return updated;
    }
    throw new StateConflictError('The event is changing too fast to save; try again', (await this.repo.get(id))?.state ?? 'UNEDITED');
  }

  private async staleError(cur: EventRecord, baseRevision: number, req: EventPatch): Promise<StaleEditError> {
    const theirs = toJson(cur);
    const requested = { ...cur, ...req } as EventRecord;
    if (req.thumbnail_image !== undefined) requested.thumbnail_image_sha256 = req.thumbnail_image ? sha256Hex(req.thumbnail_image) : null;
    const ours = toJson(requested);
    const touched = new Set(Object.keys(req).map((k) => (k === 'thumbnail_image' ? 'thumbnail_image_sha256' : k)));
    const base = baseRevision < cur.revision ? await this.repo.snapshotAt(cur.id, baseRevision) : undefined;
    const fields = (Object.keys(theirs) as (keyof EventJson)[]).filter((f) => !NOT_DIFFED.has(f));
    let changed: FieldChange[];
    if (base) {
      changed = fields.filter((f) => !isDeepStrictEqual(base[f], theirs[f]))
        .map((f) => ({ field: f, base: base[f], ours: touched.has(f) ? ours[f] : base[f], theirs: theirs[f] }));
    } else {
      // base revision unknown (never existed, or from another history): show where we and they differ
      changed = fields.filter((f) => touched.has(f) && !isDeepStrictEqual(ours[f], theirs[f]))
        .map((f) => ({ field: f, ours: ours[f], theirs: theirs[f] }));
    }
    return new StaleEditError(theirs, changed, baseRevision);
  }

  private requireState(cur: EventRecord, allowed: EventState[], what: string): void {
    if (allowed.includes(cur.state)) return;
    const published = ['FINALIZING', 'TRANSCODING', 'DONE', 'MODIFIED'].includes(cur.state);
    const why = published && allowed.includes('UNEDITED')
      ? `Video already published or being published (state ${cur.state}): use modify to change its metadata, or reset it to cut again`
      : `Cannot ${what} an event in state ${cur.state} (allowed from ${allowed.join(', ')})`;
    throw new StateConflictError(why, cur.state);
  }

  /**
   * Thumbnail image rule: an image may only be sent with mode CUSTOM, and when the mode is not
   * CUSTOM any stored (cutter-generated) image is dropped so it is regenerated from the new inputs.
   */
  private withThumbnailRule(cur: EventRecord, req: EventPatch): EventPatch {
    const mode = req.thumbnail_mode ?? cur.thumbnail_mode;
    if (mode === 'CUSTOM') return req;
    if (req.thumbnail_image) {
      throw new ValidationError([{ fields: ['thumbnail_image'], message: `thumbnail_image can only be sent with thumbnail_mode CUSTOM (mode is ${mode})` }]);
    }
    return cur.thumbnail_image === null && req.thumbnail_image === undefined ? req : { ...req, thumbnail_image: null };
  }

  private validate(merged: EventRecord, mode: Mode, req: object): void {
    const problems = validateEvent(merged, this.rules, mode, new Set(Object.keys(req)));
    if (problems.length) throw new ValidationError(problems);
  }
}
