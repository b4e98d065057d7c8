/**
 * Operator API for managed YouTube playlists, mounted under /api:
 *
 *   GET    /api/playlists                        → {playlists: PlaylistJson[]}   (each with its sync status)
 *   POST   /api/playlists                        {id, name, account?|location?, tags?, first_event_id?,
 *                                                 last_event_id?, show_in_description?, default_template?,
 *                                                 remove_unmatched?, reorder?, enabled?}   → 201 {playlist}
 *   GET    /api/playlists/default-template?tag=…&tag=…   → {template: string|null}  (editor preselection)
 *   GET    /api/playlists/:id                    → {playlist}
 *   PUT    /api/playlists/:id                    {baseRevision?, any field but id} → {playlist}
 *   DELETE /api/playlists/:id                    → {ok: true}   (stops managing it; YouTube is not touched)
 *   POST   /api/playlists/:id/sync               {full?} → 202 {playlist}   (sync now; lifts a block)
 *   GET    /api/playlists/:id/items              → {items, expected, pending}  (mirror vs. what it should be;
 *                                                 local data only, no quota)
 *
 * `id` is the YouTube playlist id. Times are ISO-8601 UTC. Errors: 400 {error} for bad input (nothing
 * is changed), 404 {error}, 409 {error} (already managed / changed since baseRevision), 413.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { NodeConfig } from '../core/config.ts';
import type { EventsRepository } from '../core/events/repository.ts';
import { HttpError } from '../core/http/params.ts';
import { jsonBody, jsonHandler, parseInput } from '../core/http/json-api.ts';
import { isoFromUs } from '../core/events/codec.ts';
import { pacificDay } from '../youtube/pacific.ts';
import { loadCatalog } from './catalog.ts';
import {
  checkDefinition, CreatePlaylistBody, defaultTemplateFor, playlistJson, PlaylistIdParam, SyncBody, UpdatePlaylistBody,
  type PlaylistDef, type PlaylistPatch,
} from './model.ts';
import { classify, expectedOrder, planPlaylist } from './order.ts';
import { PlaylistExistsError, StalePlaylistError, type PlaylistStore } from './store.ts';

export const PLAYLISTS_BASE = '/playlists';
const MAX_BODY_BYTES = 64 * 1024;

export interface PlaylistRoutesDeps {
  store: PlaylistStore;
  events: EventsRepository;
  config: Pick<NodeConfig, 'uploadLocations'>;
  /** YouTube locations whose events are candidates (catalog), and those that upload unlisted only */
  locations: readonly string[];
  unlistedLocations: readonly string[];
  /** is this account connected? (throws if the accounts cannot be read) */
  accountExists(id: string): boolean;
  templateExists(name: string): Promise<boolean>;
  dailyUnitBudget: number;
  /** a definition changed or a sync was requested */
  onChange(id: string): void;
  clock?: () => number;
}

const handle = jsonHandler({
  name: 'playlists',
  internalError: 'Internal error in the playlists API',
  mapError: (c, e) => {
    if (e instanceof PlaylistExistsError) return c.json({ error: e.message }, 409);
    if (e instanceof StalePlaylistError) return c.json({ error: e.message, current: e.current }, 409);
    return undefined;
  },
});

function playlistId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!PlaylistIdParam.safeParse(id).success) throw new HttpError(400, `Invalid playlist id ${JSON.stringify(id.slice(0, 80))}: expected a YouTube playlist id`);
  return id;
}

export function playlistsRoutes(d: PlaylistRoutesDeps): Hono {
  const app = new Hono();
  const clock = d.clock ?? Date.now;
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `Request body too large (max ${MAX_BODY_BYTES} bytes)` }, 413) });
  app.use(PLAYLISTS_BASE, limit);
  app.use(`${PLAYLISTS_BASE}/*`, limit);
  const json = (def: PlaylistDef, sync: Parameters<typeof playlistJson>[1]) => playlistJson(def, sync, pacificDay(clock()), d.dailyUnitBudget);

  /** Everything about a definition that zod cannot know: references to other things on this node. */
  async function checkReferences(def: Pick<PlaylistDef, 'account' | 'location' | 'first_event_id' | 'last_event_id' | 'default_template'>, touched: Set<string>): Promise<void> {
    const problems = checkDefinition(def);
    if (def.location && touched.has('location')) {
      const loc = d.config.uploadLocations.find((l) => l.name === def.location);
      if (!loc) problems.push(`location: no upload location ${JSON.stringify(def.location)} on this node`);
      else if (loc.type !== 'youtube') problems.push(`location: ${JSON.stringify(def.location)} is not a YouTube location`);
      else if (!def.account && !loc.account) problems.push(`location: ${JSON.stringify(def.location)} has no YouTube account; set account`);
    }
    if (def.account && touched.has('account')) {
      let known: boolean;
      try {
        known = d.accountExists(def.account);
      } catch (e) {
        throw new HttpError(400, `account: cannot read the connected YouTube accounts (${(e as Error).message})`);
      }
      if (!known) problems.push(`account: no connected YouTube account ${JSON.stringify(def.account)}`);
    }
    for (const f of ['first_event_id', 'last_event_id'] as const) {
      const id = def[f];
      if (id && touched.has(f) && !(await d.events.getView(id))) problems.push(`${f}: no event ${id}`);
    }
    if (def.default_template && touched.has('default_template') && !(await d.templateExists(def.default_template))) {
      problems.push(`default_template: no thumbnail template ${JSON.stringify(def.default_template)}`);
    }
    if (problems.length) throw new HttpError(400, problems.join('; '));
  }

  app.get(PLAYLISTS_BASE, handle(async (c) => {
    const rows = await d.store.list();
    return c.json({ playlists: rows.map((r) => json(r.def, r.sync)) });
  }));

  app.post(PLAYLISTS_BASE, handle(async (c) => {
    const body = await jsonBody(c);
    const input = parseInput(CreatePlaylistBody, body);
    await checkReferences(input, new Set(Object.keys(input)));
    const def = await d.store.create(input);
    d.onChange(def.id);
    return c.json({ playlist: json(def, await d.store.getSync(def.id)) }, 201);
  }));

  app.get(`${PLAYLISTS_BASE}/default-template`, handle(async (c) => {
    const tags = c.req.queries('tag') ?? [];
    return c.json({ template: defaultTemplateFor(await d.store.listDefs(), tags) });
  }));

  app.get(`${PLAYLISTS_BASE}/:id`, handle(async (c) => {
    const id = playlistId(c);
    const row = await d.store.get(id);
    if (!row) throw new HttpError(404, `No managed playlist ${id}`);
    return c.json({ playlist: json(row.def, row.sync) });
  }));

  app.put(`${PLAYLISTS_BASE}/:id`, handle(async (c) => {
    const id = playlistId(c);
    const { baseRevision, ...patch } = parseInput(UpdatePlaylistBody, await jsonBody(c));
    const cur = await d.store.getDef(id);
    if (!cur) throw new HttpError(404, `No managed playlist ${id}`);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as PlaylistPatch;
    await checkReferences({ ...cur, ...defined }, new Set(Object.keys(defined)));
    const def = await d.store.update(id, defined, baseRevision);
    if (!def) throw new HttpError(404, `No managed playlist ${id}`);
    d.onChange(id);
    return c.json({ playlist: json(def, await d.store.getSync(id)) });
  }));

  app.delete(`${PLAYLISTS_BASE}/:id`, handle(async (c) => {
    const id = playlistId(c);
    if (!(await d.store.remove(id))) throw new HttpError(404, `No managed playlist ${id}`);
    return c.json({ ok: true });
  }));

  app.post(`${PLAYLISTS_BASE}/:id/sync`, handle(async (c) => {
    const id = playlistId(c);
    const body = parseInput(SyncBody, await jsonBody(c, true));
    if (!(await d.store.getDef(id))) throw new HttpError(404, `No managed playlist ${id}`);
    await d.store.requestSync(id, body.full ? 'full' : 'check');
    d.onChange(id);
    const row = await d.store.get(id);
    return c.json({ playlist: json(row!.def, row!.sync) }, 202);
  }));

  app.get(`${PLAYLISTS_BASE}/:id/items`, handle(async (c) => {
    const id = playlistId(c);
    const row = await d.store.get(id);
    if (!row) throw new HttpError(404, `No managed playlist ${id}`);
    const catalog = await loadCatalog(d.events, d.locations, d.unlistedLocations);
    const mirror = row.sync?.mirror ?? [];
    const plan = planPlaylist(row.def, catalog, mirror);
    const at = (us: number) => isoFromUs(us);
    return c.json({
      fetched: row.sync?.mirror !== null && row.sync?.mirror !== undefined,
      mirror_valid: row.sync?.mirror_valid ?? false,
      items: classify(row.def, catalog, mirror).map((x, position) => ({
        position, item_id: x.entry.itemId, video_id: x.entry.videoId, kind: x.kind,
        event_id: x.video?.eventId ?? null, start: x.video ? at(x.video.start) : null,
      })),
      expected: expectedOrder(row.def, catalog).map((v) => ({ video_id: v.videoId, event_id: v.eventId, start: at(v.start) })),
      pending: {
        inserts: plan.inserts.map((v) => v.videoId),
        moves: plan.moves.map((e) => e.videoId),
        removals: plan.removals.map((e) => e.videoId),
      },
    });
  }));

  return app;
}
