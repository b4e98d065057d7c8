/**
 * Loopback live HLS origin for the recorder benchmark: N channels, each a sliding media playlist with
 * PROGRAM-DATE-TIME whose segments cycle through a small pool of pre-generated TS files held in memory.
 *
 * Everything follows one clock, so "when did the origin publish segment i" is exact rather than
 * observed: channel c's segment i is published (appears in the playlist) at publishAt(c, i). Channels
 * are phase-shifted by segmentSeconds/N so 20 channels do not all publish in the same millisecond.
 *
 *   GET /live/<c>/index.m3u8   the live window (the last `windowSize` published segments)
 *   GET /live/<c>/<i>.ts       segment i. A request for a segment not published yet is held until it
 *                              is (up to maxHoldMs): this lets a single curl process be handed the
 *                              whole run's URLs up front for the curl baseline. Playlist-driven
 *                              clients (our recorder, streamlink) never ask for the future.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchOriginOptions {
  channels: number;
  /** segment bytes, cycled */
  pool: Buffer[];
  segmentSeconds?: number;
  /** segments in the live playlist (default 6, like Twitch's) */
  windowSize?: number;
  /** segments already "published" when the origin starts, so a client gets a full window at once */
  history?: number;
  maxHoldMs?: number;
}

export interface BenchOrigin {
  base: string;
  channels: number;
  segmentSeconds: number;
  playlistUrl(c: number): string;
  segmentUrl(c: number, i: number): string;
  /** epoch ms at which segment i of channel c appears in the playlist */
  publishAt(c: number, i: number): number;
  /** PROGRAM-DATE-TIME of segment i of channel c (epoch ms) = its start; it ends at publishAt */
  pdtOf(c: number, i: number): number;
  /** index of channel c's segment whose PDT is `pdtMs` (inverse of pdtOf), or null if none */
  indexOf(c: number, pdtMs: number): number | null;
  /** number of segments of channel c published by `now` */
  publishedCount(c: number, now?: number): number;
  sizeOf(i: number): number;
  served: { bytes: number; segments: number; playlists: number };
  close(): Promise<void>;
}

export async function startBenchOrigin(opts: BenchOriginOptions): Promise<BenchOrigin> {
  const segMs = (opts.segmentSeconds ?? 2) * 1000;
  const windowSize = opts.windowSize ?? 6;
  const history = opts.history ?? windowSize;
  const maxHoldMs = opts.maxHoldMs ?? 180_000;
  const { pool, channels } = opts;
  if (pool.length === 0) throw new Error('empty segment pool');
  // Segment 0 of channel 0 starts `history` segments before now (whole milliseconds keep PDT exact).
  const epoch = Math.floor(Date.now() - history * segMs);
  const phase = (c: number) => Math.floor((c * segMs) / channels);
  const pdtOf = (c: number, i: number) => epoch + phase(c) + i * segMs;
  const publishAt = (c: number, i: number) => pdtOf(c, i) + segMs;
  const publishedCount = (c: number, now = Date.now()) => Math.max(0, Math.floor((now - epoch - phase(c)) / segMs));
  const served = { bytes: 0, segments: 0, playlists: 0 };
  const holds = new Set<NodeJS.Timeout>();

  const playlist = (c: number): string => {
    const n = publishedCount(c);
    const first = Math.max(0, n - windowSize);
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(segMs / 1000)}`, `#EXT-X-MEDIA-SEQUENCE:${first}`];
    for (let i = first; i < n; i++) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(pdtOf(c, i)).toISOString()}`, `#EXTINF:${(segMs / 1000).toFixed(3)},`, `${i}.ts`);
    }
    return lines.join('\n') + '\n';
  };

  const sendSegment = (res: ServerResponse, i: number, head: boolean) => {
    const body = pool[i % pool.length]!;
    res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': body.length });
    if (head) return void res.end();
    served.bytes += body.length;
    served.segments++;
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/live\/(\d+)\/(index\.m3u8|(\d+)\.ts)$/.exec((req.url ?? '').split('?')[0]!);
    const c = m ? Number(m[1]) : -1;
    if (!m || c >= channels) return void res.writeHead(404).end();
    if (m[3] === undefined) {
      served.playlists++;
      const body = Buffer.from(playlist(c));
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': body.length, 'cache-control': 'no-cache' });
      return void res.end(body);
    }
    const i = Number(m[3]);
    const wait = publishAt(c, i) - Date.now();
    if (wait <= 0) return sendSegment(res, i, req.method === 'HEAD');
    if (wait > maxHoldMs) return void res.writeHead(404).end();
    const t = setTimeout(() => {
      holds.delete(t);
      if (!res.destroyed) sendSegment(res, i, req.method === 'HEAD');
    }, wait);
    holds.add(t);
    res.on('close', () => {
      clearTimeout(t);
      holds.delete(t);
    });
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 30_000;
  server.requestTimeout = 0; // held requests may wait minutes (curl baseline)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, channels, segmentSeconds: segMs / 1000,
    playlistUrl: (c) => `${base}/live/${c}/index.m3u8`,
    segmentUrl: (c, i) => `${base}/live/${c}/${i}.ts`,
    publishAt, pdtOf, publishedCount,
    indexOf: (c, pdtMs) => {
      // wubloader-style names carry microseconds; allow its 10 ms tolerance for a rounded start
      const x = (pdtMs - epoch - phase(c)) / segMs;
      const i = Math.round(x);
      return i >= 0 && Math.abs(x - i) * segMs <= 10 ? i : null;
    },
    sizeOf: (i) => pool[i % pool.length]!.length,
    served,
    close: () => new Promise<void>((resolve) => {
      for (const t of holds) clearTimeout(t);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
