/**
 * A tiny node:http client for tests of the fake (and of code that talks to it)
 * that need control fetch() does not give: exact headers, streamed bodies,
 * observing a connection reset, 308 without redirect handling.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = any>(): T;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  /** Buffer/string bodies are sent with Content-Length; streams/iterables with chunked encoding unless a content-length header is given. */
  body?: Buffer | string | Readable | AsyncIterable<Buffer>;
}

export function rawRequest(url: string, opts: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
    const body = opts.body;
    if ((typeof body === 'string' || Buffer.isBuffer(body)) && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf,
          text: () => buf.toString('utf8'),
          json: () => JSON.parse(buf.toString('utf8')),
        });
      });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      const stream = body instanceof Readable ? body : Readable.from(body);
      stream.on('error', (e) => req.destroy(e));
      stream.pipe(req);
    }
  });
}

/** Deterministic pseudo-random bytes (so tests can recompute hashes without keeping the data). */
export async function* patternBytes(total: number, chunkSize = 64 * 1024, seed = 1): AsyncGenerator<Buffer> {
  let x = seed >>> 0 || 1;
  let left = total;
  while (left > 0) {
    const n = Math.min(chunkSize, left);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      // xorshift32
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    left -= n;
    yield b;
  }
}
