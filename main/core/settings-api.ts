/**
 * Settings the operator edits from the UI: channels and qualities (saved to DATA/config.json; the
 * recorder reloads on `settings.changed`), and the read-only editor configuration (title prefix, upload
 * location names).
 *   GET /api/settings            {channels, qualities}
 *   PUT /api/settings            {channels: ["name", "name!", "name=URL"], qualities: ["source"]}
 *   GET /api/editor-config       {titlePrefix, locations}
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { loadConfig, parseChannelSpec, saveConfig } from './config.ts';
import { HttpError } from './http/params.ts';
import type { SubsystemFactory } from './subsystem.ts';

const PutSettings = z.object({
  channels: z.array(z.string().min(1)).max(100),
  qualities: z.array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/)).min(1).max(10),
});

export const settingsSubsystem: SubsystemFactory = (ctx) => {
  const api = new Hono();
  api.get('/settings', (c) => c.json({ channels: ctx.config.channels, qualities: ctx.config.qualities }));
  api.get('/editor-config', (c) => c.json({ titlePrefix: ctx.config.titlePrefix, locations: ctx.config.uploadLocations.map((l) => l.name) }));
  api.put('/settings', async (c) => {
    const body = await c.req.json().catch(() => {
      throw new HttpError(400, 'body must be JSON');
    });
    const parsed = PutSettings.safeParse(body);
    if (!parsed.success) throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    let channels;
    try {
      channels = parsed.data.channels.map(parseChannelSpec);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    const names = channels.map((ch) => ch.name);
    if (new Set(names).size !== names.length) throw new HttpError(400, 'channel names must be unique');
    const saved = { ...loadConfig(ctx.dataDir), channels, qualities: parsed.data.qualities };
    saveConfig(ctx.dataDir, saved);
    // The running node's view changes too (subsystems hold the same object).
    ctx.config.channels = channels;
    ctx.config.qualities = parsed.data.qualities;
    ctx.bus.publish('settings.changed', { channels, qualities: parsed.data.qualities });
    return c.json({ channels, qualities: parsed.data.qualities });
  });
  return { name: 'settings', api };
};
