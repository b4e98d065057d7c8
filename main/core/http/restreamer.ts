/**
 * wubloader-compatible restreamer routes over the segment store (DESIGN §3). Parameters, bodies and
 * status codes follow wubloader's restreamer so real wubloader nodes can backfill from us.
 */
import { Hono, type Context } from 'hono';
import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import { parseHour, US_PER_HOUR } from '../../media/segments/names.ts';
import { assertSafeName, safeRelativeParts } from '../../media/segments/safe-path.ts';
import { filterHourListing, type SegmentStore } from '../../media/segments/store.ts';
import { ContainsHoles, type SegmentOrHole } from '../../media/segments/select.ts';
import { generateMaster, generateMediaChunks } from '../../media/hls/generate.ts';
import { roughCut } from '../../media/cut/rough.ts';
import { renderWaveformPng } from '../../media/waveform/index.ts';
import {
  frameAt, NoFrameError, parseBox, pngInfo, thumbnailPreview, ThumbnailError, type Box, type PreviewOptions,
} from '../../media/thumbnails/index.ts';
import type { TemplateStore } from '../templates/store.ts';
import {
  HttpError, optionalTime, parseBool, parseRanges, parseSize, parseTransitions, requiredTime, type TimeRange,
} from './params.ts';

const MAX_IMPLICIT_RANGE = 12 * US_PER_HOUR;
const MAX_WAVEFORM_RANGE = 6 * US_PER_HOUR;

/** Cut types the /cut route can produce; the cutter issue registers more (fast, smart, mpegts, webm). */
export type CutProducer = (args: {
  store: SegmentStore; segments: SegmentOrHole[][]; ranges: TimeRange[]; transitions: ({ type: string; duration: number } | null)[];
}) => AsyncIterable<Uint8Array>;

export interface RestreamerOptions {
  store: SegmentStore;
  cutTypes?: Record<string, { producer: CutProducer; contentType: string }>;
  defaultCutType?: string;
  /** called once per media-playlist computation (not per request) */
  onPlaylistComputed?: () => void;
  /** named thumbnail templates for GET /thumbnail (without it that route answers 501, like wubloader without a DB) */
  templates?: Pick<TemplateStore, 'get'>;
}

/** Largest one-off template accepted by POST /thumbnail. */
const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

function optionalBox(q: URLSearchParams, name: string): Box | null {
  const v = q.get(name);
  if (v === null || v === '') return null;
  try {
    return parseBox(v, name);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}

function requiredBox(q: URLSearchParams, name: string): Box {
  const box = optionalBox(q, name);
  if (box === null) throw new HttpError(400, `Missing required parameter ${name}`);
  return box;
}

async function readBodyLimited(req: Request, max: number): Promise<Buffer> {
  if (Number(req.headers.get('content-length') ?? 0) > max) throw new HttpError(413, `Template may not be larger than ${max} bytes`);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw new HttpError(413, `Template may not be larger than ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** The thumbnails module's errors as HTTP answers: 406 nothing recorded there, 400 bad crop/location/template. */
async function imageOrHttpError(render: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await render();
  } catch (e) {
    if (e instanceof NoFrameError) throw new HttpError(406, e.message);
    if (e instanceof ThumbnailError) throw new HttpError(400, e.message);
    throw e;
  }
}

function withSuffix(name: string, suffix: string): string {
  if (!name.endsWith(suffix)) throw new HttpError(404, 'Not found');
  return assertSafeName(name.slice(0, -suffix.length), 'quality');
}

const json = (c: Context, body: unknown) => c.json(body);

function streamBody(iter: AsyncIterable<Uint8Array> | Iterable<string>): ReadableStream<Uint8Array> {
  return Readable.toWeb(Readable.from(iter as AsyncIterable<Uint8Array>)) as ReadableStream<Uint8Array>;
}

export function restreamerRoutes(opts: RestreamerOptions): Hono {
  const { store } = opts;
  const cutTypes = {
    rough: { producer: (a: Parameters<CutProducer>[0]) => roughCut(a.segments, (r) => store.abs(r)), contentType: 'video/MP2T' },
    ...(opts.cutTypes ?? {}),
  };
  const defaultCutType = opts.defaultCutType ?? 'rough';
  const app = new Hono();

  // Identical concurrent media-playlist requests share one segment computation (wubloader piggy-backs
  // the same way): the map holds the in-flight promise only, so finished results are never stale.
  const inflight = new Map<string, Promise<SegmentOrHole[]>>();
  const sharedBest = (channel: string, quality: string, start: number, end: number) => {
    const key = `${channel}\0${quality}\0${start}\0${end}`;
    let p = inflight.get(key);
    if (!p) {
      opts.onPlaylistComputed?.();
      p = store.getBestSegments(channel, quality, start, end).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };

  const hoursOf = async (channel: string, quality: string) =>
    ((await store.listDir(channel, quality)) ?? []).filter((h) => parseHour(h) !== null);

  app.get('/files', async (c) => json(c, (await store.listDir()) ?? []));
  app.get('/files/:channel', async (c) => {
    const list = await store.listDir(c.req.param('channel'));
    if (list === null) throw new HttpError(404, 'No such channel');
    return json(c, list);
  });
  app.get('/files/:channel/:quality', async (c) => {
    const list = await store.listDir(c.req.param('channel'), c.req.param('quality'));
    if (list === null) throw new HttpError(404, 'No such quality');
    return json(c, list);
  });
  app.get('/files/:channel/:quality/:hour', async (c) => {
    const q = new URL(c.req.url).searchParams;
    const tombstones = parseBool(q, 'tombstones', false);
    const names = await store.listHourRaw(c.req.param('channel'), c.req.param('quality'), c.req.param('hour'));
    if (names === null) throw new HttpError(404, 'No such hour');
    return json(c, filterHourListing(names, tombstones));
  });

  app.get('/segments/*', async (c) => {
    const raw = decodeURIComponent(new URL(c.req.url).pathname.slice('/segments/'.length));
    const parts = safeRelativeParts(raw);
    const path = store.abs(parts.join('/'));
    let st;
    try {
      st = await fsp.stat(path);
    } catch {
      throw new HttpError(404, 'No such segment');
    }
    if (!st.isFile()) throw new HttpError(404, 'No such segment');
    const name = parts[parts.length - 1]!;
    return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, {
      headers: {
        'content-type': name.endsWith('.ts') ? 'video/MP2T' : 'application/octet-stream',
        'content-length': String(st.size),
        // Names are content-addressed, so a given URL never changes.
        'cache-control': 'public, max-age=31536000, immutable',
      },
    });
  });

  app.get('/playlist/:file', async (c) => {
    const channel = withSuffix(c.req.param('file'), '.m3u8');
    const q = new URL(c.req.url).searchParams;
    const start = optionalTime(q, 'start');
    const end = optionalTime(q, 'end');
    const qualities = await store.listDir(channel);
    if (qualities === null) throw new HttpError(404, 'No such channel');
    const query = new URLSearchParams();
    if (start !== null) query.set('start', q.get('start')!);
    if (end !== null) query.set('end', q.get('end')!);
    const qs = query.toString() ? `?${query}` : '';
    const variants: { name: string; url: string }[] = [];
    for (const quality of qualities) {
      if (quality === 'chat') continue;
      const hours = (await hoursOf(channel, quality)).map((h) => parseHour(h)!);
      if (start !== null || end !== null) {
        // Omit qualities with no hour intersecting the requested range.
        const hit = hours.some((h) => (start === null || h + US_PER_HOUR > start) && (end === null || h < end));
        if (!hit) continue;
      }
      variants.push({ name: quality, url: `/playlist/${encodeURIComponent(channel)}/${encodeURIComponent(quality)}.m3u8${qs}` });
    }
    return c.body(generateMaster(variants), 200, { 'content-type': 'application/vnd.apple.mpegurl' });
  });

  app.get('/playlist/:channel/:file', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = withSuffix(c.req.param('file'), '.m3u8');
    const q = new URL(c.req.url).searchParams;
    let start = optionalTime(q, 'start');
    let end = optionalTime(q, 'end');
    const hours = await hoursOf(channel, quality);
    if ((await store.listDir(channel, quality)) === null) throw new HttpError(404, 'No such quality');
    const explicit = start !== null && end !== null;
    if (start === null) start = hours.length ? parseHour(hours[0]!)! : 0;
    // Open end: past the last hour, so the playlist has a trailing hole and the player keeps polling.
    if (end === null) end = hours.length ? parseHour(hours[hours.length - 1]!)! + 2 * US_PER_HOUR : 0;
    if (!explicit && end - start > MAX_IMPLICIT_RANGE) {
      throw new HttpError(400, 'Implicit range may not be longer than 12 hours');
    }
    const segments = start >= end ? [null] : await sharedBest(channel, quality, start, end);
    return new Response(streamBody(generateMediaChunks(segments)), {
      headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-cache' },
    });
  });

  app.get('/cut/:channel/:file', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = withSuffix(c.req.param('file'), '.ts');
    const q = new URL(c.req.url).searchParams;
    const type = q.get('type') ?? defaultCutType;
    const cut = (cutTypes as Record<string, { producer: CutProducer; contentType: string }>)[type];
    if (!cut) throw new HttpError(400, `Unknown type ${JSON.stringify(type)}; supported: ${Object.keys(cutTypes).join(', ')}`);
    const allowHoles = parseBool(q, 'allow_holes', false);
    let ranges = parseRanges(q);
    const transitions = parseTransitions(q);
    const hours = await hoursOf(channel, quality);
    if ((await store.listDir(channel, quality)) === null) throw new HttpError(404, 'No such quality');
    if (ranges.length === 0) {
      const start = optionalTime(q, 'start') ?? (hours.length ? parseHour(hours[0]!)! : 0);
      const end = optionalTime(q, 'end') ?? (hours.length ? parseHour(hours[hours.length - 1]!)! + US_PER_HOUR : 0);
      ranges = [{ start, end }];
    }
    for (const r of ranges) if (r.end <= r.start) throw new HttpError(400, 'Ends must be after starts');
    if (transitions.length > ranges.length - 1) throw new HttpError(400, 'Too many transitions');
    while (transitions.length < ranges.length - 1) transitions.push(null);
    const segments: SegmentOrHole[][] = [];
    for (const r of ranges) {
      const segs = await store.getBestSegments(channel, quality, r.start, r.end);
      if (!allowHoles && segs.includes(null)) throw new HttpError(406, new ContainsHoles().message);
      segments.push(segs);
    }
    if (segments.every((segs) => segs.every((s) => s === null))) {
      throw new HttpError(406, 'We have no content available within the requested time range.');
    }
    let body: AsyncIterable<Uint8Array>;
    try {
      // Producers refuse bad requests (unknown transition, transition into a hole...) before any output.
      body = cut.producer({ store, segments, ranges, transitions });
    } catch (e) {
      const s = (e as { status?: unknown }).status;
      if (typeof s === 'number' && s >= 400 && s < 500) throw new HttpError(s, (e as Error).message);
      throw e;
    }
    return new Response(streamBody(body), { headers: { 'content-type': cut.contentType } });
  });

  app.get('/waveform/:channel/:file', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = withSuffix(c.req.param('file'), '.png');
    const q = new URL(c.req.url).searchParams;
    const start = requiredTime(q, 'start');
    const end = requiredTime(q, 'end');
    const [w, h] = parseSize(q, 'size', [1024, 64]);
    if (end <= start) throw new HttpError(400, 'End must be after start');
    if (end - start > MAX_WAVEFORM_RANGE) throw new HttpError(400, 'Range may not be longer than 6 hours');
    const segments = await store.getBestSegments(channel, quality, start, end);
    if (segments.every((s) => s === null)) throw new HttpError(406, 'We have no content available within the requested time range.');
    // Drawn from per-segment audio envelopes (media/waveform), computed once per segment and cached.
    const png = await renderWaveformPng(store, segments, start, end, w, h);
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png' });
  });

  app.get('/frame/:channel/:file', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = withSuffix(c.req.param('file'), '.png');
    const q = new URL(c.req.url).searchParams;
    const ts = requiredTime(q, 'timestamp');
    // The same frame-exact extraction the thumbnails (and so the uploads) use.
    const png = await imageOrHttpError(() => frameAt({ store, channel, quality }, ts));
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png' });
  });

  // Thumbnail previews (wubloader): the frame at `timestamp` under a named template (GET) or under a
  // one-off template sent as the request body (POST); crop/location are "left,top,right,bottom".
  app.get('/thumbnail/:channel/:file', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = withSuffix(c.req.param('file'), '.png');
    const q = new URL(c.req.url).searchParams;
    const timestamp = requiredTime(q, 'timestamp');
    const name = q.get('template');
    if (!name) throw new HttpError(400, 'Missing required parameter template');
    const crop = optionalBox(q, 'crop');
    const location = optionalBox(q, 'location');
    if (!opts.templates) throw new HttpError(501, 'This node has no thumbnail template store');
    const template = await opts.templates.get(name);
    if (!template) throw new HttpError(404, `Template ${JSON.stringify(name)} not found`);
    const preview: PreviewOptions = { timestamp, template: template.image, crop: crop ?? template.crop, location: location ?? template.location };
    const png = await imageOrHttpError(() => thumbnailPreview({ store, channel, quality }, preview));
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png' });
  });

  app.post('/thumbnail/:channel/:file', async (c) => {
    const channel = assertSafeName(c.req.param('channel'), 'channel');
    const quality = withSuffix(c.req.param('file'), '.png');
    const q = new URL(c.req.url).searchParams;
    const timestamp = requiredTime(q, 'timestamp');
    const crop = requiredBox(q, 'crop');
    const location = requiredBox(q, 'location');
    const template = await readBodyLimited(c.req.raw, MAX_TEMPLATE_BYTES);
    if (!pngInfo(template)) throw new HttpError(400, 'The request body must be the template as a PNG image');
    const png = await imageOrHttpError(() => thumbnailPreview({ store, channel, quality }, { timestamp, template, crop, location }));
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png' });
  });

  return app;
}
