/**
 * The loopback HTTP side of the demo stream: serves ffmpeg's live playlist and its segments from the
 * demo directory, nothing else. Only two kinds of names exist (the playlist and demo-<n>.ts), so the
 * router is an exact match plus one strict regex: no path ever reaches the filesystem unchecked.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PLAYLIST_NAME, SEGMENT_RE } from './ffmpeg-args.ts';

export interface HttpOrigin {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * ffmpeg writes PROGRAM-DATE-TIME as "2026-11-21T19:16:37.400+0000" (strftime %z, no colon). That is
 * ISO 8601 basic-format offset mixed with extended-format time, which strict RFC 3339 parsers refuse;
 * rewrite it as "...Z" so any HLS client reads the demo's timeline.
 */
export function normalizeProgramDateTime(playlist: string): string {
  return playlist.replace(/^(#EXT-X-PROGRAM-DATE-TIME:)(.+)$/gm, (line, tag: string, value: string) => {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-])(\d{2}):?(\d{2})$/.exec(value.trim());
    if (!m) return line;
    const ms = Date.parse(`${m[1]}${m[2]}${m[3]}:${m[4]}`);
    return Number.isNaN(ms) ? line : `${tag}${new Date(ms).toISOString()}`;
  });
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(text);
}

async function handle(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  const name = (req.url ?? '/').split('?')[0]!.replace(/^\//, '');
  // CORS: the demo is synthetic public content on loopback; letting a page play it directly is harmless.
  const common = { 'access-control-allow-origin': '*' };
  if (name === PLAYLIST_NAME) {
    let text: string;
    try {
      text = await fsp.readFile(join(dir, PLAYLIST_NAME), 'utf8');
    } catch {
      return send(res, 404, 'the demo stream is starting\n');
    }
    const body = Buffer.from(normalizeProgramDateTime(text));
    res.writeHead(200, {
      ...common, 'content-type': 'application/vnd.apple.mpegurl', 'content-length': body.length, 'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (!SEGMENT_RE.test(name)) return send(res, 404, 'not found\n');
  const path = join(dir, name);
  let size: number;
  try {
    size = (await fsp.stat(path)).size;
  } catch {
    return send(res, 404, 'segment no longer available\n'); // slid out of the window and deleted
  }
  res.writeHead(200, { ...common, 'content-type': 'video/mp2t', 'content-length': size, 'cache-control': 'max-age=60' });
  if (req.method === 'HEAD') return void res.end();
  // A segment is renamed into place complete (temp_file) and only deleted after leaving the playlist;
  // an open descriptor keeps reading the whole file even if ffmpeg unlinks it meanwhile.
  const rs = createReadStream(path);
  rs.on('error', () => res.destroy());
  rs.pipe(res);
}

export async function startHttpOrigin(dir: string, host = '127.0.0.1'): Promise<HttpOrigin> {
  const server = createServer((req, res) => {
    handle(dir, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
