/**
 * The recorder's HTTP client and generic provider against a tiny local server: redirects (relative
 * URIs resolve against where the playlist finally came from), keep-alive reuse within one pool,
 * timeouts, and offline detection.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpPool, HttpStatusError, openRequest, readBody, requestText, TimeoutError } from '../../main/recorder/http.ts';
import { GenericProvider } from '../../main/recorder/providers.ts';

let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/redirect-master') {
      res.writeHead(302, { location: '/cdn/live/master.m3u8' }).end();
    } else if (u.pathname === '/cdn/live/master.m3u8') {
      res.end('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720\nhigh/index.m3u8\n');
    } else if (u.pathname === '/media.m3u8') {
      res.end('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\ns0.ts\n');
    } else if (u.pathname === '/ended.m3u8') {
      res.end('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\ns0.ts\n#EXT-X-ENDLIST\n');
    } else if (u.pathname === '/slow') {
      setTimeout(() => res.end('late'), 2000);
    } else if (u.pathname === '/echo') {
      res.end(String(req.socket.remotePort));
    } else {
      res.writeHead(404).end('nope');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('redirects are followed and relative URIs resolve against the final URL', async () => {
  const pool = new HttpPool();
  const r = await requestText(`${base}/redirect-master`, { pool });
  assert.equal(r.url, `${base}/cdn/live/master.m3u8`);
  const p = new GenericProvider(`${base}/redirect-master`, 1000);
  const res = await p.getMediaUrls(pool, new AbortController().signal);
  assert.equal(res.offline, false);
  assert.equal(!res.offline && res.urls.get('source'), `${base}/cdn/live/high/index.m3u8`, 'highest bandwidth variant');
  pool.destroy();
});

test('generic provider: media URL used as is; 404 and ENDLIST are offline', async () => {
  const pool = new HttpPool();
  const sig = new AbortController().signal;
  const media = await new GenericProvider(`${base}/media.m3u8`, 1000).getMediaUrls(pool, sig);
  assert.deepEqual(!media.offline && [...media.urls], [['source', `${base}/media.m3u8`]]);
  assert.deepEqual(await new GenericProvider(`${base}/gone.m3u8`, 1000).getMediaUrls(pool, sig), { offline: true, reason: 'HTTP 404' });
  assert.equal((await new GenericProvider(`${base}/ended.m3u8`, 1000).getMediaUrls(pool, sig)).offline, true);
  pool.destroy();
});

test('one pool keeps its connection alive; a fresh pool opens a new one', async () => {
  const pool = new HttpPool();
  const ports = [];
  for (let i = 0; i < 3; i++) ports.push((await requestText(`${base}/echo`, { pool })).text);
  assert.equal(new Set(ports).size, 1, 'keep-alive reuse');
  const other = new HttpPool();
  assert.notEqual((await requestText(`${base}/echo`, { pool: other })).text, ports[0]);
  pool.destroy();
  other.destroy();
});

test('errors: status with body, hard timeout aborts', async () => {
  const pool = new HttpPool();
  await assert.rejects(requestText(`${base}/missing`, { pool }), (e) => e instanceof HttpStatusError && e.status === 404 && e.body === 'nope');
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new TimeoutError('too slow')), 200);
  await assert.rejects(async () => {
    const res = await openRequest(`${base}/slow`, { pool, signal: ac.signal });
    await readBody(res);
  }, (e) => e instanceof TimeoutError);
  clearTimeout(timer);
  pool.destroy();
});
