/**
 * Playlist definitions and sync state as plain values, the API's zod schemas, and their JSON form.
 * No I/O here, so the API, the worker and tests share it.
 */
import { z } from 'zod';
import { isoFromUs } from '../core/events/codec.ts';
import { playlistUrl } from '../core/events/playlist-lines.ts';
import { TEMPLATE_NAME } from '../core/templates/store.ts';

export interface PlaylistDef {
  /** the YouTube playlist id */
  id: string;
  name: string;
  account: string | null;
  location: string | null;
  /** lowercased, unique; [] = every eligible video */
  tags: string[];
  first_event_id: string | null;
  last_event_id: string | null;
  show_in_description: boolean;
  default_template: string | null;
  remove_unmatched: boolean;
  reorder: boolean;
  enabled: boolean;
  revision: number;
  /** epoch ms */
  created_at: number;
  updated_at: number;
}

/** One entry of a YouTube playlist as mirrored locally. */
export interface MirrorEntry {
  itemId: string;
  videoId: string;
}

export type MutationOp = 'insert' | 'move' | 'delete';

/** A YouTube call that changes the playlist, recorded before it is made (see sync.ts). */
export interface PendingOp {
  op: MutationOp;
  videoId: string;
  itemId?: string;
  position?: number;
  at: number;
}

export type SyncMode = 'check' | 'full';

export interface SyncState {
  playlist_id: string;
  epoch: string;
  mirror: MirrorEntry[] | null;
  mirror_valid: boolean;
  pending_op: PendingOp | null;
  skipped: Record<string, number>;
  force: SyncMode | null;
  last_run_at: number | null;
  last_checked_at: number | null;
  last_full_at: number | null;
  items: number | null;
  pending_inserts: number;
  pending_moves: number;
  pending_removals: number;
  last_error: string | null;
  last_error_at: number | null;
  blocked: string | null;
  failures: number;
  next_attempt_at: number | null;
  quota_day: string | null;
  quota_units: number;
}

// ---- API input ---------------------------------------------------------------------------------

export const YOUTUBE_PLAYLIST_ID = /^[A-Za-z0-9_-]{2,64}$/;
const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LOCATION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const PlaylistIdParam = z.string().regex(YOUTUBE_PLAYLIST_ID, 'must be a YouTube playlist id (letters, digits, _ and -)');

const name = z.string().trim().min(1, 'may not be empty').max(150)
  .refine((s) => !/[\r\n<>]/.test(s), 'may not contain line breaks, < or >');
const tag = z.string().trim().min(1, 'tags may not be empty').max(100)
  .refine((s) => !/[<>,\r\n]/.test(s), 'tags may not contain <, >, commas or line breaks');
const eventId = z.string().regex(UUID, 'must be an event id (UUID)').transform((s) => s.toLowerCase());

const fields = {
  name,
  account: z.string().regex(ACCOUNT_ID, 'must be a connected account id').nullable(),
  location: z.string().regex(LOCATION_NAME, 'must be an upload location name').nullable(),
  tags: z.array(tag).max(50),
  first_event_id: eventId.nullable(),
  last_event_id: eventId.nullable(),
  show_in_description: z.boolean(),
  default_template: z.string().regex(TEMPLATE_NAME, 'must be a thumbnail template name').nullable(),
  remove_unmatched: z.boolean(),
  reorder: z.boolean(),
  enabled: z.boolean(),
};

export const CreatePlaylistBody = z.strictObject({
  id: PlaylistIdParam,
  name: fields.name,
  account: fields.account.default(null),
  location: fields.location.default(null),
  tags: fields.tags.default([]),
  first_event_id: fields.first_event_id.default(null),
  last_event_id: fields.last_event_id.default(null),
  show_in_description: fields.show_in_description.default(false),
  default_template: fields.default_template.default(null),
  remove_unmatched: fields.remove_unmatched.default(true),
  reorder: fields.reorder.default(true),
  enabled: fields.enabled.default(true),
});
export type CreatePlaylistInput = z.output<typeof CreatePlaylistBody>;

export const UpdatePlaylistBody = z.strictObject({
  /** the revision the operator edited; a mismatch is a 409 instead of a silent overwrite */
  baseRevision: z.number().int().min(1).optional(),
  name: fields.name.optional(),
  account: fields.account.optional(),
  location: fields.location.optional(),
  tags: fields.tags.optional(),
  first_event_id: fields.first_event_id.optional(),
  last_event_id: fields.last_event_id.optional(),
  show_in_description: fields.show_in_description.optional(),
  default_template: fields.default_template.optional(),
  remove_unmatched: fields.remove_unmatched.optional(),
  reorder: fields.reorder.optional(),
  enabled: fields.enabled.optional(),
});
export type UpdatePlaylistInput = z.output<typeof UpdatePlaylistBody>;
export type PlaylistPatch = Omit<UpdatePlaylistInput, 'baseRevision'>;

export const SyncBody = z.strictObject({ full: z.boolean().default(false) });

/** Lowercased, trimmed, first occurrence kept. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

/** Problems with a definition as a whole (after a patch): field → message. */
export function checkDefinition(d: Pick<PlaylistDef, 'account' | 'location' | 'first_event_id' | 'last_event_id'>): string[] {
  const out: string[] = [];
  if (!d.account && !d.location) out.push('account or location: one of them is required (which YouTube account manages the playlist)');
  if (d.first_event_id && d.first_event_id === d.last_event_id) out.push('first_event_id and last_event_id must be different events');
  return out;
}

// ---- JSON --------------------------------------------------------------------------------------

const iso = (ms: number | null): string | null => (ms === null ? null : isoFromUs(ms * 1000));

export interface PlaylistStatusJson {
  /** new: never synced; ok; pending: work waiting (quota, backoff); error: last run failed; blocked: needs the operator */
  state: 'disabled' | 'new' | 'ok' | 'pending' | 'error' | 'blocked';
  last_run_at: string | null;
  last_checked_at: string | null;
  last_full_fetch_at: string | null;
  /** entries in the playlist as last seen (null: never fetched) */
  items: number | null;
  pending: { inserts: number; moves: number; removals: number };
  last_error: string | null;
  last_error_at: string | null;
  blocked: string | null;
  next_attempt_at: string | null;
  /** units this playlist's YouTube calls cost today (Pacific day), and its daily cap */
  quota_today: { day: string; units: number; budget: number };
}

/** A definition as the API shows it: times as ISO strings, its URL and its sync status added. */
export interface PlaylistJson extends Omit<PlaylistDef, 'created_at' | 'updated_at'> {
  url: string;
  created_at: string;
  updated_at: string;
  status: PlaylistStatusJson;
}

export function statusJson(def: Pick<PlaylistDef, 'enabled'>, s: SyncState | undefined, today: string, budget: number): PlaylistStatusJson {
  const pending = { inserts: s?.pending_inserts ?? 0, moves: s?.pending_moves ?? 0, removals: s?.pending_removals ?? 0 };
  const work = pending.inserts + pending.moves + pending.removals > 0;
  let state: PlaylistStatusJson['state'];
  if (!def.enabled) state = 'disabled';
  else if (s?.blocked) state = 'blocked';
  else if (s?.last_error) state = 'error';
  else if (!s || s.last_run_at === null) state = 'new';
  else state = work ? 'pending' : 'ok';
  return {
    state,
    last_run_at: iso(s?.last_run_at ?? null),
    last_checked_at: iso(s?.last_checked_at ?? null),
    last_full_fetch_at: iso(s?.last_full_at ?? null),
    items: s?.items ?? null,
    pending,
    last_error: s?.last_error ?? null,
    last_error_at: iso(s?.last_error_at ?? null),
    blocked: s?.blocked ?? null,
    next_attempt_at: iso(s?.next_attempt_at ?? null),
    quota_today: { day: today, units: s && s.quota_day === today ? s.quota_units : 0, budget },
  };
}

export function playlistJson(def: PlaylistDef, s: SyncState | undefined, today: string, budget: number): PlaylistJson {
  return {
    ...def,
    url: playlistUrl(def.id),
    created_at: iso(def.created_at)!,
    updated_at: iso(def.updated_at)!,
    status: statusJson(def, s, today, budget),
  };
}

/**
 * The thumbnail template to preselect for an event with `tags`: the default template of the most
 * specific playlist (most tags) whose tags are all on the event; ties go to the first by name.
 */
export function defaultTemplateFor(defs: readonly PlaylistDef[], tags: readonly string[]): string | null {
  const have = new Set(tags.map((t) => t.trim().toLowerCase()));
  const candidates = defs
    .filter((d) => d.enabled && d.default_template && d.tags.every((t) => have.has(t)))
    .sort((a, b) => b.tags.length - a.tags.length || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return candidates[0]?.default_template ?? null;
}
