/**
 * Small node:http helpers shared by the handlers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, OAuthError, errors } from './errors.ts';

export const JSON_TYPE = 'application/json; charset=UTF-8';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': JSON_TYPE,
    'Content-Length': String(Buffer.byteLength(text)),
    Vary: 'Origin, X-Origin, Referer',
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendApiError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, err.body(), err.opts.headers ?? {});
}

export function sendOAuthError(res: ServerResponse, err: OAuthError): void {
  sendJson(res, err.httpStatus, err.body(), { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' });
}

/**
 * Read a (small) request body fully. Only for JSON/form bodies: media bodies are
 * always streamed (see upload.ts), never buffered.
 */
export async function readSmallBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooBig = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    // Keep draining after the limit so the response can still be delivered on a keep-alive socket.
    if (tooBig) continue;
    total += chunk.length;
    if (total > limit) {
      tooBig = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk);
  }
  if (tooBig) throw errors.uploadTooLarge(limit);
  return Buffer.concat(chunks);
}

/** Parse a JSON request body; an empty body yields `undefined`. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const buf = await readSmallBody(req);
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw errors.parseError((e as Error).message);
  }
}

/** Discard the rest of a request body (so keep-alive connections stay usable). */
export function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}

/** Read and throw away exactly `n` bytes (or until the body ends). */
export async function discardBytes(req: IncomingMessage, n: number): Promise<number> {
  if (n <= 0) return 0;
  return new Promise((resolve) => {
    let seen = 0;
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= n) finish();
    };
    const finish = () => {
      req.off('data', onData);
      req.off('end', finish);
      req.off('close', finish);
      req.pause();
      resolve(seen);
    };
    req.on('data', onData);
    req.on('end', finish);
    req.on('close', finish);
    req.resume();
  });
}

/**
 * Query parameters that may be given repeated (googleapis serialises arrays as
 * `part=a&part=b`) or comma-separated (`part=a,b`, or the string form
 * `part=a%2Cb`). The API accepts both, so we take the union (protocols.md B6.2).
 */
export function listParam(url: URL, name: string): string[] {
  const out: string[] = [];
  for (const v of url.searchParams.getAll(name)) {
    for (const s of v.split(',')) {
      const t = s.trim();
      if (t && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

export function boolParam(url: URL, name: string, dflt: boolean): boolean {
  const v = url.searchParams.get(name);
  if (v === null) return dflt;
  return v === 'true' || v === '1';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** ISO-8601 with second precision, like YouTube's publishedAt values. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
