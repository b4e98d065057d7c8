/**
 * Operator events API, mounted under /api. (`GET /api/events` is already the node's SSE stream, so the
 * events database lives at /api/db/events.) Times are ISO-8601 UTC text with microseconds.
 *
 *   GET  /api/db/events/defaults          → {title_prefix, title_max_length, description_max_bytes, ...}
 *   GET  /api/db/events?state=&state=&channel=&tag=&q=&limit=&offset=&order=event_start|updated_at&desc=
 *                                         → {events: EventJson[], total, limit, offset}
 *   POST /api/db/events  {channel, quality?, time, leadInSeconds?, category?, notes?, description?, tags?, editor?}
 *                     or {channel, quality?, start, end, ...}       → 201 {event}
 *   GET  /api/db/events/:id               → {event}
 *   GET  /api/db/events/:id/history       → {history: [{revision, action, actor, changed_at}]}
 *   GET  /api/db/events/:id/thumbnail.png → the stored thumbnail image (404 if none)
 *   PUT  /api/db/events/:id               {baseRevision, override?, editor?, ...any sheet/edit field} → {event}   save draft (→ UNEDITED)
 *   POST /api/db/events/:id/submit        {baseRevision, override?, editor?, ...fields}   → {event}   (→ EDITED)
 *   POST /api/db/events/:id/modify        {baseRevision, override?, editor?, video_title?, video_description?,
 *                                          video_tags?, public?, thumbnail_*?}             → {event}   (DONE|MODIFIED → MODIFIED)
 *                                          (other fields may be sent back unchanged; changing them is a 400)
 *   POST /api/db/events/:id/cancel        {baseRevision, override?, editor?}             → {event}   (EDITED|CLAIMED → UNEDITED)
 *   POST /api/db/events/:id/reset         {baseRevision, override?, editor?}             → {event}   (any → UNEDITED)
 *   POST /api/db/events/:id/manual-link   {baseRevision, override?, editor?, video_link, video_id?} → {event} (UNEDITED → DONE)
 *
 * Errors: 400 {error, problems?} bad input (nothing changed); 404 {error} no such event;
 * 409 {error, code:'stale', current, changed:[{field, base?, ours, theirs}]} the event changed since
 * baseRevision; 409 {error, code:'state', state} not allowed in the event's state; 413 body too large.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { HttpError } from '../http/params.ts';
import { jsonBody, jsonHandler, parseInput } from '../http/json-api.ts';
import {
  CreateMarkerBody, CreateRangeBody, EditBody, EventIdParam, ListQuery, ManualLinkBody, ModifyBody, TransitionBody,
} from './api-schemas.ts';
import { isoFromUs, toJson } from './codec.ts';
import { EVENT_STATES, THUMBNAIL_MODES } from './model.ts';
import { EventOperations, NotFoundError, StaleEditError, StateConflictError, type WriteMeta } from './operations.ts';
import type { EventPatch } from './repository.ts';
import {
  charLength, MAX_DESCRIPTION_BYTES, MAX_TAGS_CHARS, MAX_THUMBNAIL_BYTES, MAX_TITLE_CHARS, ValidationError,
} from './validation.ts';

export const EVENTS_BASE = '/db/events';
/** A 2 MiB PNG is ~2.8 MB of base64; leave room for the rest of the edit. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Wrap a handler so every failure becomes a JSON answer whatever app this router is mounted in. */
const handle = jsonHandler({
  name: 'events',
  internalError: 'Internal error in the events database',
  mapError: (c, e) => {
    if (e instanceof ValidationError) return c.json({ error: e.message, problems: e.problems }, 400);
    if (e instanceof NotFoundError) return c.json({ error: e.message }, 404);
    if (e instanceof StaleEditError) return c.json({ error: e.message, code: 'stale', current: e.current, changed: e.changed }, 409);
    if (e instanceof StateConflictError) return c.json({ error: e.message, code: 'state', state: e.state }, 409);
    return undefined;
  },
});

function eventId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!EventIdParam.safeParse(id).success) throw new HttpError(400, `Invalid event id ${JSON.stringify(id.slice(0, 80))}: expected a UUID`);
  return id.toLowerCase();
}

/** Split a parsed edit body into its write metadata and the field patch. */
function splitMeta<T extends WriteMeta>(body: T): { meta: WriteMeta; patch: Omit<T, keyof WriteMeta> } {
  const { baseRevision, override, editor, ...patch } = body;
  return { meta: { baseRevision, override, editor }, patch };
}

function listQuery(url: URL): z.output<typeof ListQuery> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    if (key === 'state') raw.state = values.flatMap((v) => v.split(',')).filter(Boolean);
    else if (values.length > 1) throw new HttpError(400, `Parameter ${key} given more than once`);
    else raw[key] = values[0];
  }
  return parseInput(ListQuery, raw);
}

export function eventsRoutes(ops: EventOperations): Hono {
  const app = new Hono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `Request body too large (max ${MAX_BODY_BYTES} bytes)` }, 413) });
  app.use(EVENTS_BASE, limit);
  app.use(`${EVENTS_BASE}/*`, limit);
  const repo = ops.repo;
  const rules = ops.rules;

  app.get(`${EVENTS_BASE}/defaults`, handle(async (c) => c.json({
    title_prefix: rules.titlePrefix,
    title_max_length: MAX_TITLE_CHARS - charLength(rules.titlePrefix),
    description_footer: rules.descriptionFooter,
    description_max_bytes: MAX_DESCRIPTION_BYTES,
    tags_max_chars: MAX_TAGS_CHARS,
    static_tags: rules.staticTags,
    upload_locations: rules.locations,
    lead_in_seconds: rules.leadInSeconds,
    thumbnail_max_bytes: MAX_THUMBNAIL_BYTES,
    states: EVENT_STATES,
    thumbnail_modes: THUMBNAIL_MODES,
  })));

  app.get(EVENTS_BASE, handle(async (c) => {
    const q = listQuery(new URL(c.req.url));
    const { events, total } = await repo.list({
      states: q.state, channel: q.channel, tag: q.tag, text: q.q, limit: q.limit, offset: q.offset, order: q.order, desc: q.desc === 'true',
    });
    return c.json({ events: events.map(toJson), total, limit: q.limit, offset: q.offset });
  }));

  app.post(EVENTS_BASE, handle(async (c) => {
    const body = await jsonBody(c);
    const input = 'time' in body || !('start' in body || 'end' in body) ? parseInput(CreateMarkerBody, body) : parseInput(CreateRangeBody, body);
    const event = await ops.create(input);
    return c.json({ event: toJson(event) }, 201);
  }));

  app.get(`${EVENTS_BASE}/:id`, handle(async (c) => {
    const id = eventId(c);
    const event = await repo.getView(id);
    if (!event) throw new NotFoundError(id);
    return c.json({ event: toJson(event) });
  }));

  app.get(`${EVENTS_BASE}/:id/history`, handle(async (c) => {
    const id = eventId(c);
    if (!(await repo.getView(id))) throw new NotFoundError(id);
    const history = await repo.history(id);
    return c.json({ history: history.map((h) => ({ ...h, changed_at: isoFromUs(h.changed_at) })) });
  }));

  app.get(`${EVENTS_BASE}/:id/thumbnail.png`, handle(async (c) => {
    const id = eventId(c);
    const event = await repo.get(id);
    if (!event) throw new NotFoundError(id);
    if (!event.thumbnail_image) return c.json({ error: 'This event has no stored thumbnail image' }, 404);
    return c.body(new Uint8Array(event.thumbnail_image), 200, { 'content-type': 'image/png', 'cache-control': 'no-cache' });
  }));

  app.put(`${EVENTS_BASE}/:id`, handle(async (c) => {
    const id = eventId(c);
    const { meta, patch } = splitMeta(parseInput(EditBody, await jsonBody(c)));
    return c.json({ event: toJson(await ops.saveDraft(id, meta, patch as EventPatch)) });
  }));

  app.post(`${EVENTS_BASE}/:id/submit`, handle(async (c) => {
    const id = eventId(c);
    const { meta, patch } = splitMeta(parseInput(EditBody, await jsonBody(c)));
    return c.json({ event: toJson(await ops.submit(id, meta, patch as EventPatch)) });
  }));

  app.post(`${EVENTS_BASE}/:id/modify`, handle(async (c) => {
    const id = eventId(c);
    const { meta, patch } = splitMeta(parseInput(ModifyBody, await jsonBody(c)));
    return c.json({ event: toJson(await ops.modify(id, meta, patch as EventPatch)) });
  }));

  app.post(`${EVENTS_BASE}/:id/cancel`, handle(async (c) => {
    const id = eventId(c);
    const { meta } = splitMeta(parseInput(TransitionBody, await jsonBody(c)));
    return c.json({ event: toJson(await ops.cancel(id, meta)) });
  }));

  app.post(`${EVENTS_BASE}/:id/reset`, handle(async (c) => {
    const id = eventId(c);
    const { meta } = splitMeta(parseInput(TransitionBody, await jsonBody(c)));
    return c.json({ event: toJson(await ops.reset(id, meta)) });
  }));

  app.post(`${EVENTS_BASE}/:id/manual-link`, handle(async (c) => {
    const id = eventId(c);
    const { meta, patch } = splitMeta(parseInput(ManualLinkBody, await jsonBody(c)));
    return c.json({ event: toJson(await ops.manualLink(id, meta, patch)) });
  }));

  return app;
}
