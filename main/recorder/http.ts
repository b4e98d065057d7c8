/**
 * A small HTTP client on node:http/https with one keep-alive connection pool per stream worker
 * (wubloader: "we only pool connections on a per-worker basis", and a retry gets a fresh pool), and
 * streaming bodies so a segment is written to disk as it arrives and a cut-off leaves exactly the bytes
 * received. Global fetch would hide both the pool and partial bodies.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream';
import { FastPool } from './fast-http.ts';

export class HttpPool {
  private httpAgent: http.Agent;
  private httpsAgent: https.Agent;
  private fastPool: FastPool | null = null;
  private destroyed = false;

  constructor(maxSockets = 100) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  agentFor(url: URL): http.Agent {
    if (this.destroyed) throw new Error('connection pool already closed');
    return url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
  }

  /** Connections for plain-http segment downloads (fast-http.ts). */
  fast(): FastPool {
    if (this.destroyed) throw new Error('connection pool already closed');
    return (this.fastPool ??= new FastPool());
  }

  destroy(): void {
    this.destroyed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.fastPool?.destroy();
  }
}

export class HttpStatusError extends Error {
  constructor(readonly status: number, readonly url: string, readonly body: string) {
    super(`HTTP ${status} from ${redactUrl(url)}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/** URL without query or fragment (playlist and token URLs carry signed, opaque parameters). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(bad url)';
  }
}

export interface RequestOptions {
  pool: HttpPool;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /**
   * getSegmentResponse only: where a 2xx body will go. Plain-http responses feed it from the first body
   * byte (no copy while the caller gets to pipe()); the caller still calls pipe(sink) as with any response.
   */
  sink?: BodySink;
}

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A response and the URL it finally came from (after redirects). */
export type HttpResponse = IncomingMessage & { finalUrl: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Send a request; resolves with the response once its headers arrived (the body is not read).
 * Follows up to 5 redirects (CDNs in front of generic origins use them); `finalUrl` is where the
 * response came from, the base for relative URIs in it.
 */
export async function openRequest(url: string, opts: RequestOptions): Promise<HttpResponse> {
  let current = url;
  let o = opts;
  for (let hop = 0; ; hop++) {
    const res = await openOnce(current, o);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (!REDIRECTS.has(status) || !location || hop >= 5) return Object.assign(res, { finalUrl: current });
    res.resume();
    current = new URL(location, current).href;
    if (status === 303 || ((status === 301 || status === 302) && o.method === 'POST')) o = { ...o, method: 'GET', body: undefined };
  }
}

function openOnce(url: string, opts: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`bad URL ${JSON.stringify(url.slice(0, 200))}`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported URL scheme ${u.protocol}`));
      return;
    }
    if (opts.signal?.aborted) {
      reject(abortError(opts.signal));
      return;
    }
    const mod = u.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = mod.request(u, { method: opts.method ?? 'GET', headers, agent: opts.pool.agentFor(u) });
    const onAbort = () => req.destroy(abortError(opts.signal!));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      // Keep the abort hooked up while the body streams: aborting mid-body fails the body stream.
      res.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
      resolve(res);
    });
    req.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    req.end(opts.body);
  });
}

function abortError(signal: AbortSignal): Error {
  const r = signal.reason;
  return r instanceof Error ? r : new Error(typeof r === 'string' ? r : 'aborted');
}

export async function readBody(res: IncomingMessage, limit = 64 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new Error(`response larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** GET/POST and read the whole body as text; non-2xx → HttpStatusError (with the body). */
export async function requestText(url: string, opts: RequestOptions): Promise<{ text: string; url: string }> {
  if ((opts.method ?? 'GET') === 'GET' && opts.body === undefined && url.startsWith('http:')) {
    // plain-http GETs (media playlists polled several times a segment) take the cheap path too
    const res = await getSegmentResponse(url, opts);
    const body = (await res.read(16 << 20)).toString('utf8');
    if (res.status < 200 || res.status >= 300) throw new HttpStatusError(res.status, url, body);
    return { text: body, url: res.url };
  }
  const res = await openRequest(url, opts);
  const body = (await readBody(res, 16 << 20)).toString('utf8');
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new HttpStatusError(status, url, body);
  return { text: body, url: res.finalUrl };
}

export class TimeoutError extends Error {}

/** Where a response body goes, chunk by chunk. */
export interface BodySink {
  /**
   * A piece of the body. It is only valid during the call (it may live in a read buffer shared by every
   * connection), so copy what you keep. Return false to stop reading until `resume` is called.
   */
  write(chunk: Buffer): boolean;
  /** set by the response for the sink to call once it can take more after write() returned false */
  resume: (() => void) | null;
}

/** A segment response whose head has arrived, from fast-http.ts or node:http. */
export interface SegmentResponse {
  readonly status: number;
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>;
  /** where it finally came from */
  readonly url: string;
  /** Feed the body to `sink`; resolves at its end, rejects (after every byte received was delivered) if the transfer failed. */
  pipe(sink: BodySink): Promise<void>;
  read(limit: number): Promise<Buffer>;
  /** the body is not wanted */
  discard(): void;
}

/**
 * GET a segment: plain http through fast-http.ts (a redirect continues through node:http), anything
 * else through node:http. Resolves once the response head arrived.
 */
export async function getSegmentResponse(url: string, opts: RequestOptions): Promise<SegmentResponse> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`bad URL ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (u.protocol === 'http:') {
    const res = await opts.pool.fast().get(u, opts.headers ?? {}, opts.signal, opts.sink);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location) return res;
    res.discard();
    return nodeResponse(await openRequest(new URL(location, url).href, opts));
  }
  return nodeResponse(await openRequest(url, opts));
}

function nodeResponse(res: HttpResponse): SegmentResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return {
    status: res.statusCode ?? 0,
    headers,
    url: res.finalUrl,
    pipe: (sink) => new Promise<void>((resolve, reject) => {
      sink.resume = () => res.resume();
      const onData = (chunk: Buffer) => {
        if (!sink.write(chunk)) res.pause();
      };
      res.on('data', onData);
      finished(res, { writable: false }, (err) => {
        res.off('data', onData);
        if (err) reject(err);
        else resolve();
      });
    }),
    read: (limit) => readBody(res, limit),
    discard: () => void res.resume(),
  };
}
