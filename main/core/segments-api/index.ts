/**
 * Operator API over the segment store: coverage for the streams screen, tombstones (create by segment
 * list or time range, list with reasons), and per-channel quality listings.
 *   GET  /api/coverage/:channel/:quality?start&end&buckets=N   (N <= 2000, range <= 7 days)
 *   GET  /api/tombstones/:channel/:quality?start&end
 *   POST /api/tombstones  {channel, quality, reason, paths?: string[], start?, end?, dryRun?, editor?}
 * `editor` is who tombstones (the same name the events API records); absent, the log says "operator".
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { parseSegmentPath } from '../../media/segments/names.ts';
import { assertSafeName } from '../../media/segments/safe-path.ts';
import { EditorName } from '../events/api-schemas.ts';
import { HttpError, parseTime } from '../http/params.ts';
import type { SubsystemFactory } from '../subsystem.ts';
import { coverage } from './coverage.ts';
import { Tombstones } from './tombstones.ts';

const MAX_COVERAGE = 7 * 24 * 3600 * 1_000_000;

const TombstoneRequest = z.object({
  channel: z.string(),
  quality: z.string().default('source'),
  reason: z.string().trim().min(1, 'a reason is required').max(500),
  paths: z.array(z.string()).min(1).max(5000).optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  dryRun: z.boolean().default(false),
  // What records made before names were sent (and clients that send none) carry.
  editor: EditorName.default('operator'),
}).refine((r) => !!r.paths !== !!(r.start && r.end), 'give either paths or start and end');

function zodError(e: z.ZodError): HttpError {
  return new HttpError(400, e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
}

export const segmentsApiSubsystem: SubsystemFactory = ({ store, dataDir, bus }) => {
  const tombstones = new Tombstones(store, dataDir);
  const api = new Hono();

  api.get('/coverage/:channel/:quality', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = assertSafeName(c.req.param('quality'), 'quality');
    const q = new URL(c.req.url).searchParams;
    const start = parseTime(q.get('start') ?? '', 'start');
    const end = parseTime(q.get('end') ?? '', 'end');
    const n = Number(q.get('buckets') ?? '288');
    if (!Number.isInteger(n) || n < 1 || n > 2000) throw new HttpError(400, 'buckets must be an integer 1..2000');
    if (end <= start) throw new HttpError(400, 'end must be after start');
    if (end - start > MAX_COVERAGE) throw new HttpError(400, 'coverage windows are limited to 7 days');
    return c.json(await coverage(store, channel, quality, start, end, n));
  });

  api.get('/tombstones/:channel/:quality', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = assertSafeName(c.req.param('quality'), 'quality');
    const q = new URL(c.req.url).searchParams;
    const end = q.get('end') ? parseTime(q.get('end')!, 'end') : Date.now() * 1000;
    const start = q.get('start') ? parseTime(q.get('start')!, 'start') : end - 24 * 3600 * 1_000_000;
    if (end <= start) throw new HttpError(400, 'end must be after start');
    if (end - start > MAX_COVERAGE) throw new HttpError(400, 'tombstone listings are limited to 7 days');
    return c.json(await tombstones.list(channel, quality, start, end));
  });

  api.post('/tombstones', async (c) => {
    const body = await c.req.json().catch(() => {
      throw new HttpError(400, 'body must be JSON');
    });
    const parsed = TombstoneRequest.safeParse(body);
    if (!parsed.success) throw zodError(parsed.error);
    const r = parsed.data;
    const channel = assertSafeName(r.channel, 'channel');
    const quality = assertSafeName(r.quality, 'quality');
    let paths: string[];
    if (r.paths) {
      paths = r.paths.map((p) => {
        let info;
        try {
          info = parseSegmentPath(p);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        p.split('/').forEach((part) => assertSafeName(part));
        if (p.split('/').length !== 4 || info.channel !== channel || info.quality !== quality) {
          throw new HttpError(400, `${p} is not a segment of ${channel}/${quality}`);
        }
        return info.path;
      });
    } else {
      const start = parseTime(r.start!, 'start');
      const end = parseTime(r.end!, 'end');
      if (end <= start) throw new HttpError(400, 'end must be after start');
      if (end - start > 6 * 3600 * 1_000_000) throw new HttpError(400, 'tombstone ranges are limited to 6 hours at a time');
      paths = (await tombstones.segmentsInRange(channel, quality, start, end)).map((s) => s.path);
    }
    if (r.dryRun) return c.json({ paths, created: [] });
    const created = await tombstones.create(paths, r.reason, r.editor);
    bus.publish('tombstones.created', { channel, quality, paths, reason: r.reason, by: r.editor }, `${channel}/${quality}`);
    return c.json({ paths, created });
  });

  return { name: 'segments-api', api };
};
