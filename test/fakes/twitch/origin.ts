/**
 * HTTP plumbing shared by the fake Twitch and the generic HLS origin: the node:http server, request
 * logging, injected failures, and serving segment / init bytes (availability rules, timestamp shifting,
 * stalls and truncation).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel } from './channel.ts';
import { FakeClock, type ClockOptions } from './clock.ts';
import { Faults, type FailRule, type StallRule } from './faults.ts';
import { RequestLog, type RequestKind, type RequestLogEntry } from './request-log.ts';
import { getSegmentPool } from './segments-ffmpeg.ts';
import { shiftFmp4Fragment, shiftTsTimestamps } from './timestamps.ts';
import type { MediaRef } from './tokens.ts';

export interface OriginOptions {
  /** Bind address. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Clock options, or a FakeClock to share with other fakes. Default: real time. */
  clock?: ClockOptions | FakeClock;
  /**
   * Real ms after which a stalled segment response is cut off (stall faults). Twitch cuts stuck
   * requests at ~60 s; tests usually want 1-2 s. Default 60000.
   */
  segmentCutoffMs?: number;
  /** Generate/load the live ffmpeg segment pools before start resolves (ad pools: on first startAd). Default true. */
  prewarm?: boolean;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  entry: RequestLogEntry;
  /** Aborts when the client goes away or the server closes. */
  signal: AbortSignal;
}

export type Router = (ctx: Ctx) => Promise<void> | void;

const LOGGED_HEADERS = [
  'client-id',
  'authorization',
  'user-agent',
  'referer',
  'origin',
  'device-id',
  'client-integrity',
  'content-type',
  'range',
];

export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';

export class OriginCore {
  readonly clock: FakeClock;
  readonly log = new RequestLog();
  readonly faults = new Faults();
  readonly channels = new Map<string, Channel>();
  segmentCutoffMs: number;
  baseUrl = '';
  private readonly server: Server;
  private readonly closing = new AbortController();
  private router: Router = () => undefined;

  constructor(private readonly opts: OriginOptions) {
    this.clock = opts.clock instanceof FakeClock ? opts.clock : new FakeClock(opts.clock);
    this.segmentCutoffMs = opts.segmentCutoffMs ?? 60_000;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  setRouter(router: Router): void {
    this.router = router;
  }

  async listen(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async close(): Promise<void> {
    this.closing.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl || 'http://127.0.0.1');
    const headers: Record<string, string | undefined> = {};
    for (const h of LOGGED_HEADERS) {
      const v = req.headers[h];
      if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
    }
    const entry = this.log.start({
      at: Date.now(),
      clockMs: this.clock.now(),
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      kind: 'other',
      headers,
    });
    const ac = new AbortController();
    const abort = () => ac.abort();
    this.closing.signal.addEventListener('abort', abort, { once: true });
    res.on('close', () => {
      this.closing.signal.removeEventListener('abort', abort);
      ac.abort();
      if (!entry.done) {
        if (!res.writableFinished && entry.status !== undefined) entry.truncated = true;
        this.log.finish(entry);
      }
    });
    // Real Twitch endpoints answer browsers (the web player) cross-origin.
    res.setHeader('Access-Control-Allow-Origin', '*');
    const ctx: Ctx = { req, res, url, entry, signal: ac.signal };
    try {
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Headers', '*');
        res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, OPTIONS');
        this.send(ctx, 204, '');
        return;
      }
      await this.router(ctx);
      if (!res.headersSent && !res.writableEnded && !ctx.signal.aborted) this.notFound(ctx);
    } catch (err) {
      if (!res.headersSent) this.send(ctx, 500, `fake origin error: ${(err as Error).stack ?? err}`, 'text/plain');
      else res.destroy();
    }
  }

  // ----- response helpers -----

  send(ctx: Ctx, status: number, body: string | Buffer, contentType = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
    const { res, entry, req } = ctx;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    entry.status = status;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(buf.length), ...headers });
    if (req.method === 'HEAD' || status === 204) {
      res.end();
      return;
    }
    entry.bytes += buf.length;
    res.end(buf);
  }

  sendJson(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(ctx, status, JSON.stringify(body), 'application/json', headers);
  }

  notFound(ctx: Ctx, body = 'Not Found'): void {
    this.send(ctx, 404, body);
  }

  /**
   * Apply a pending failNext() rule for this request, if one matches. Returns true if it answered.
   * `defaultBody` gives the kind-specific error body when the rule has none.
   */
  applyFailure(ctx: Ctx, defaultBody?: (rule: FailRule) => { body: string | object; contentType?: string }): boolean {
    const rule = this.faults.takeFailure(ctx.entry);
    if (!rule) return false;
    ctx.entry.fault = `fail:${rule.status ?? 503}`;
    const status = rule.status ?? 503;
    const d = rule.body === undefined ? defaultBody?.(rule) : undefined;
    const body = rule.body ?? d?.body ?? `${status} injected failure`;
    if (typeof body === 'string') this.send(ctx, status, body, d?.contentType ?? 'text/plain; charset=utf-8', rule.headers);
    else this.sendJson(ctx, status, body, rule.headers);
    return true;
  }

  readBody(ctx: Ctx, limit = 1 << 20): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      ctx.req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          reject(new Error('request body too large'));
          ctx.req.destroy();
          return;
        }
        chunks.push(c);
      });
      ctx.req.on('end', () => resolve(Buffer.concat(chunks)));
      ctx.req.on('error', reject);
    });
  }

  // ----- media -----

  /** Describe a media request in the log entry; returns the channel objects or null (already answered 404). */
  private resolveRef(ctx: Ctx, ref: MediaRef | null, kind: RequestKind) {
    const e = ctx.entry;
    e.kind = kind;
    if (!ref) return null;
    const ch = this.channels.get(ref.channel);
    e.channel = ref.channel;
    e.quality = ref.quality;
    e.session = ref.session;
    e.ad = ref.ad;
    const s = ch?.sessions[ref.session];
    const q = ch?.quality(ref.quality);
    if (kind === 'segment') {
      e.n = ref.n;
      if (s) e.sequence = s.mediaSequenceStart + ref.n;
    }
    if (!ch || !s || !q) return null;
    return { ch, s, q };
  }

  /**
   * Serve segment n (or the init segment when kind === 'init') of a session.
   *
   * Availability follows the live window: a segment exists once complete; a not-yet-complete segment
   * within the prefetch horizon is held open until it is complete (that is what makes LL prefetch URLs
   * useful); segments 404 once they have been out of the window (or their playlist gone) for longer
   * than the channel's grace period.
   */
  async serveMedia(ctx: Ctx, ref: MediaRef | null, kind: 'segment' | 'init'): Promise<void> {
    const r = this.resolveRef(ctx, ref, kind);
    if (!r || !ref) return this.notFound(ctx);
    if (this.applyFailure(ctx)) return;
    const { ch, s, q } = r;
    if (kind === 'init') {
      if (s.format !== 'fmp4') return this.notFound(ctx);
      if (s.goneAtMs !== null && this.clock.now() > s.goneAtMs + ch.segmentGraceMs) return this.notFound(ctx);
    } else {
      if (ref.n < 0 || (s.endN !== null && ref.n >= s.endN)) return this.notFound(ctx);
      const live = ch.liveCount(s, this.clock.now());
      if (ref.n >= live) {
        if (ref.n >= live + ch.prefetchCount) return this.notFound(ctx);
        try {
          await this.clock.waitUntil(ch.segmentEndMs(s, ref.n), ctx.signal);
        } catch {
          return; // client left or server closing
        }
        if (s.endN !== null && ref.n >= s.endN) return this.notFound(ctx);
      }
      if (this.clock.now() > ch.segmentExpiresAt(s, ref.n)) return this.notFound(ctx);
    }

    const pool = await getSegmentPool(ch.specFor(q, ref.ad, s.format));
    if (ctx.signal.aborted) return;
    let body: Buffer;
    if (kind === 'init') {
      if (!pool.init) return this.notFound(ctx);
      body = pool.init;
    } else {
      const seg = pool.segments[ref.n % pool.segments.length];
      const cycleOffset = Math.floor(ref.n / pool.segments.length) * pool.cycleSeconds;
      body =
        s.format === 'ts'
          ? shiftTsTimestamps(seg.data, Math.round(cycleOffset * 90_000))
          : shiftFmp4Fragment(seg.data, cycleOffset, pool.timescales, ref.n + 1);
    }
    const contentType = s.format === 'ts' ? 'video/MP2T' : 'video/mp4';
    const stall = this.faults.takeStall(ctx.entry);
    if (stall) return this.sendStalled(ctx, body, contentType, stall, s.format === 'ts' ? tsCutPoint : (_b, n) => n);
    this.send(ctx, 200, body, contentType);
  }

  /** Send part of `body`, stall, then truncate / complete / reset (see StallMode). */
  async sendStalled(
    ctx: Ctx,
    body: Buffer,
    contentType: string,
    rule: StallRule,
    cutPoint: (body: Buffer, wanted: number) => number,
  ): Promise<void> {
    const { res, entry, signal } = ctx;
    const mode = rule.mode ?? 'truncate';
    entry.fault = `stall:${mode}`;
    try {
      if (rule.headerDelayMs) await sleep(rule.headerDelayMs, undefined, { signal });
      entry.status = 200;
      // No Content-Length: chunked encoding, so ending early still looks like a well-formed response.
      res.writeHead(200, { 'Content-Type': contentType });
      const cut = cutPoint(body, Math.floor(body.length * Math.min(Math.max(rule.fraction ?? 0.5, 0), 1)));
      res.write(body.subarray(0, cut));
      entry.bytes += cut;
      await sleep(rule.cutoffMs ?? this.segmentCutoffMs, undefined, { signal });
      if (mode === 'complete') {
        entry.bytes += body.length - cut;
        res.end(body.subarray(cut));
      } else if (mode === 'truncate') {
        entry.truncated = true;
        res.end();
      } else {
        entry.truncated = true;
        res.destroy();
      }
    } catch {
      if (!res.writableEnded) res.destroy();
    }
  }

  /** Load the pools a channel serves (live and/or ad media), so first requests don't wait on ffmpeg. */
  async prewarm(ch: Channel, what: { live: boolean; ads: boolean }): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    for (const q of ch.qualities) {
      if (what.live) jobs.push(getSegmentPool(ch.specFor(q, false, ch.format)));
      if (what.ads) jobs.push(getSegmentPool(ch.specFor(q, true, ch.format)));
    }
    await Promise.all(jobs);
  }
}

/**
 * Where to cut a TS segment so that what is sent is "incomplete but valid": the last packet boundary at
 * or before `wanted` where no elementary stream has a PES packet in progress (for every PID, the next
 * packet after the cut starts a new PES, or there is none). The result ends on whole frames of every
 * stream. fMP4 has no such point inside a fragment's mdat, so for fMP4 the cut is at the requested byte
 * and the last samples are damaged.
 */
export function tsCutPoint(body: Buffer, wanted: number): number {
  const packets = Math.floor(body.length / 188);
  const limit = Math.min(Math.floor(wanted / 188), packets);
  // Walk backwards; `open` = PIDs whose next packet (after the current position) continues a PES.
  const open = new Set<number>();
  for (let i = packets - 1; i >= 1; i--) {
    const p = i * 188;
    if (body[p] !== 0x47) return limit * 188;
    const pid = ((body[p + 1] & 0x1f) << 8) | body[p + 2];
    if (pid !== 0x1fff) {
      if (body[p + 1] & 0x40) open.delete(pid);
      else open.add(pid);
    }
    if (i <= limit && open.size === 0) return p;
  }
  return limit * 188;
}

/** Relative reference from the document at `fromPath` to `toPath` (both absolute paths). */
export function relativePath(fromPath: string, toPath: string): string {
  const fromDir = fromPath.split('/').slice(0, -1);
  const to = toPath.split('/');
  let common = 0;
  while (common < fromDir.length && common < to.length - 1 && fromDir[common] === to[common]) common++;
  const ups = fromDir.length - common;
  return '../'.repeat(ups) + to.slice(common).join('/');
}

export function isoMs(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}
