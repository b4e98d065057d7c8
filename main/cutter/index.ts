/**
 * The publishing side of a node: starts the cutter worker (claim → cut → upload → transcode check →
 * updates) under the supervisor, and serves the operator API for what publishing needs:
 *   GET    /api/locations                      upload locations (name, type, cut type, account)
 *   GET    /api/quota                          per Google project: units and uploads today (uploadsLimit null
 *                                              when inserts spend units), parked buckets
 *   GET    /api/accounts                       connected YouTube accounts (no secrets)
 *   POST   /api/accounts/youtube/connect       {label, clientId, clientSecret, accountId?} → {authUrl}
 *   DELETE /api/accounts/:id                   disconnect (revokes and deletes the keychain entry)
 *   GET    /api/templates                      thumbnail templates
 *   GET    /api/templates/:name.png            a template image
 *   PUT    /api/templates/:name                {image: base64 PNG, crop, location, description?, attribution?}
 *   DELETE /api/templates/:name
 */
import { Hono } from 'hono';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EVENT_CHANGED_TOPIC } from '../core/events/publisher.ts';
import { HttpError } from '../core/http/params.ts';
import type { SubsystemFactory } from '../core/subsystem.ts';
import { TEMPLATE_NAME, TemplateMeta, TemplateStore } from '../core/templates/store.ts';
import { isPng } from '../media/thumbnails/index.ts';
import { openYouTube, type YouTubeStack } from '../youtube/index.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

const ConnectBody = z.object({
  label: z.string().min(1).max(200),
  clientId: z.string().min(1).max(300),
  clientSecret: z.string().min(1).max(300),
  accountId: z.string().max(63).optional(),
});

const TemplateBody = TemplateMeta.extend({ image: z.string().min(1).max(3_000_000) });

async function jsonBody(c: { req: { json(): Promise<unknown> } }): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new HttpError(400, 'body must be JSON');
  }
}

function zodFail(e: z.ZodError): never {
  throw new HttpError(400, e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

export interface CutterSubsystemOptions {
  /** extra environment for the worker (tests: faster intervals) */
  workerEnv?: Record<string, string>;
}

export function createCutterSubsystem(opts: CutterSubsystemOptions = {}): SubsystemFactory {
  return (ctx) => {
    const templates = new TemplateStore(ctx.dataDir);
    let youtube: YouTubeStack | null = null;
    const yt = () => {
      youtube ??= openYouTube(ctx.dataDir, ctx.config.youtube);
      return youtube;
    };
    let unsubscribe: () => unknown = () => {};
    if (ctx.config.cutter) {
      ctx.supervisor.start({
        name: 'cutter', entry: WORKER,
        env: { TAPEDECK_DATA: ctx.dataDir, TAPEDECK_CONFIG: JSON.stringify(ctx.config), ...opts.workerEnv },
      });
      // An event became EDITED (submitted) or MODIFIED (metadata changed after upload): wake the cutter
      // instead of letting it find out on its next slow poll (cutter.ts).
      unsubscribe = ctx.bus.subscribe((m) => {
        if (m.topic !== EVENT_CHANGED_TOPIC) return;
        const state = (m.data as { state?: unknown } | null)?.state;
        if (state === 'EDITED' || state === 'MODIFIED') ctx.supervisor.send('cutter', 'wake');
      });
    }
    const api = new Hono();
    api.get('/locations', (c) => c.json(ctx.config.uploadLocations));
    api.get('/quota', (c) => {
      const projects = new Set<string>();
      const stack = yt();
      for (const a of stack.accounts.list()) projects.add(a.project);
      return c.json([...projects].map((p) => {
        const s = stack.ledger.status(p);
        const parked = Object.values(s.parked).map((x) => x!.until).sort()[0] ?? null;
        return {
          // Uploads are the videos.insert calls of the day in both profiles; only 'separate-100' has a
          // per-call upload limit (in 'shared-1600' an insert spends 1600 of the units instead).
          project: p, used: s.units, limit: s.unitsLimit, uploadsUsed: s.videosInserted,
          uploadsLimit: s.profile === 'separate-100' ? s.uploadsLimit : null,
          parkedUntil: parked ? new Date(parked).toISOString() : null, resetsAt: new Date(s.resetsAt).toISOString(),
          accounts: stack.accounts.list().filter((a) => a.project === p).map((a) => a.label),
        };
      }));
    });
    api.get('/accounts', (c) => c.json(yt().accounts.list()));
    api.post('/accounts/youtube/connect', async (c) => {
      const parsed = ConnectBody.safeParse(await jsonBody(c));
      if (!parsed.success) zodFail(parsed.error);
      const pending = await yt().accounts.beginConnect(parsed.data);
      pending.done.then(
        (a) => ctx.bus.publish('account.connected', { account: a.id, label: a.label }, a.id),
        (e) => ctx.bus.publish('account.connect_failed', { message: (e as Error).message }),
      );
      return c.json({ authUrl: pending.authUrl });
    });
    api.delete('/accounts/:id', async (c) => {
      const id = c.req.param('id');
      if (!yt().accounts.get(id)) throw new HttpError(404, 'No such account');
      await yt().accounts.disconnect(id, { revoke: true });
      return c.json({ ok: true });
    });
    api.get('/templates', (c) => c.json(templates.list()));
    api.get('/templates/:file', async (c) => {
      const file = c.req.param('file');
      if (!file.endsWith('.png')) throw new HttpError(404, 'Not found');
      const t = await templates.get(file.slice(0, -4));
      if (!t) throw new HttpError(404, 'No such template');
      return c.body(new Uint8Array(t.image), 200, { 'content-type': 'image/png' });
    });
    api.put('/templates/:name', async (c) => {
      const name = c.req.param('name');
      if (!TEMPLATE_NAME.test(name)) throw new HttpError(400, 'template names are letters, digits, space, _ and - (max 64)');
      const parsed = TemplateBody.safeParse(await jsonBody(c));
      if (!parsed.success) zodFail(parsed.error);
      const png = Buffer.from(parsed.data.image, 'base64');
      if (!isPng(png)) throw new HttpError(400, 'image must be a PNG');
      const { image: _image, ...meta } = parsed.data;
      templates.put(name, png, meta);
      return c.json({ name, ...meta });
    });
    api.delete('/templates/:name', (c) => {
      if (!templates.remove(c.req.param('name'))) throw new HttpError(404, 'No such template');
      return c.json({ ok: true });
    });
    return {
      name: 'cutter', api,
      close: async () => {
        unsubscribe();
        await ctx.supervisor.stop('cutter');
        youtube?.close();
      },
    };
  };
}

export const cutterSubsystem = createCutterSubsystem();
