/**
 * The recorder's plain-http client (main/recorder/fast-http.ts) against a raw TCP server that writes
 * exact bytes, so every framing and failure is the one under test: Content-Length, chunked and
 * close-framed bodies, interim 1xx heads, keep-alive reuse, bodies cut short, body bytes that arrive
 * before anyone reads them, and a sink given with the request that takes a 2xx body from its first byte.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { FastPool } from '../../main/recorder/fast-http.ts';
import type { BodySink } from '../../main/recorder/http.ts';

const BIG = Buffer.alloc(3 << 20);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7 + (i >> 12)) & 0xff;

/** path → raw response bytes (or a function writing to the socket itself) */
const routes: Record<string, (s: net.Socket) => void> = {
  '/length': (s) => s.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`), BIG])),
  '/chunked': (s) => {
    const parts = [BIG.subarray(0, 1000), BIG.subarray(1000, 70_000), BIG.subarray(70_000, 70_001)];
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    for (const p of parts) s.write(Buffer.concat([Buffer.from(`${p.length.toString(16)};ext=1\r\n`), p, Buffer.from('\r\n')]));
    s.write('0\r\nX-Trailer: y\r\n\r\n');
  },
  '/close': (s) => s.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), BIG.subarray(0, 100_000)])),
  '/continue': (s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'),
  '/cut': (s) => {
    s.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`), BIG.subarray(0, 500_000)]));
    setTimeout(() => s.destroy(), 50);
  },
  '/missing': (s) => s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope'),
  '/port': (s) => {
    const body = String(s.remotePort);
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  },
};

let server: net.Server;
let base = '';

before(async () => {
  server = net.createServer((s) => {
    let head = '';
    s.on('data', (d) => {
      head += d.toString('latin1');
      for (let end = head.indexOf('\r\n\r\n'); end >= 0; end = head.indexOf('\r\n\r\n')) {
        const path = head.slice(4, head.indexOf(' ', 4));
        head = head.slice(end + 4);
        const route = routes[path];
        if (route) route(s);
        else s.destroy();
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  await new Promise((r) => server.close(r));
});

/** A sink that copies what it gets (chunks are only valid during the call). */
function collector(): BodySink & { parts: Buffer[]; body(): Buffer } {
  const parts: Buffer[] = [];
  return { parts, resume: null, write: (c) => parts.push(Buffer.from(c)) > 0, body: () => Buffer.concat(parts) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('Content-Length, chunked (extensions, trailer), close-framed and 1xx-prefixed bodies arrive intact', async () => {
  const pool = new FastPool();
  try {
    for (const [path, want] of [['/length', BIG], ['/chunked', BIG.subarray(0, 70_001)], ['/close', BIG.subarray(0, 100_000)], ['/continue', Buffer.from('hello')]] as const) {
      const ex = await pool.get(new URL(base + path), {});
      assert.equal(ex.status, 200, `${path}: status`);
      const sink = collector();
      await ex.pipe(sink);
      assert.ok(sink.body().equals(want), `${path}: body of ${sink.body().length} bytes equals the ${want.length} sent`);
    }
  } finally {
    pool.destroy();
  }
});

test('keep-alive: one connection serves consecutive requests of a pool; a second pool opens its own', async () => {
  const a = new FastPool();
  const b = new FastPool();
  try {
    const port = async (p: FastPool) => (await (await p.get(new URL(`${base}/port`), {})).read(100)).toString();
    const first = await port(a);
    assert.equal(await port(a), first, 'the same client port (connection) again within a pool');
    assert.notEqual(await port(b), first, 'another pool, another connection');
  } finally {
    a.destroy();
    b.destroy();
  }
});

test('an idle connection is closed after the idle time (and not kept busy-looping); the next request opens a new one', async () => {
  const pool = new FastPool(300);
  try {
    const port = async () => (await (await pool.get(new URL(`${base}/port`), {})).read(100)).toString();
    const first = await port();
    assert.equal(await port(), first, 'reused while fresh');
    await sleep(700); // idle 300 ms, swept every 100 ms
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length, 0, 'no socket left open by the pool');
    assert.notEqual(await port(), first, 'a new connection after the idle one was closed');
  } finally {
    pool.destroy();
  }
});

test('body bytes that arrive before pipe() are kept and delivered first, in order', async () => {
  const pool = new FastPool();
  try {
    const ex = await pool.get(new URL(`${base}/length`), {});
    await sleep(100); // the first read's body bytes wait (reading pauses until a sink is attached)
    const sink = collector();
    await ex.pipe(sink);
    assert.ok(sink.body().equals(BIG), `late pipe gets the whole body (${sink.body().length} of ${BIG.length} bytes)`);
  } finally {
    pool.destroy();
  }
});

test('a sink given with the request takes a 2xx body from its first byte; not a non-2xx one', async () => {
  const pool = new FastPool();
  try {
    const sink = collector();
    const ex = await pool.get(new URL(`${base}/length`), {}, undefined, sink);
    // Already feeding the sink while the caller has not called pipe() yet: reading did not pause.
    const deadline = Date.now() + 5000;
    while (sink.body().length < BIG.length && Date.now() < deadline) await sleep(10);
    assert.equal(sink.body().length, BIG.length, 'the whole body reached the sink before pipe()');
    await ex.pipe(sink); // resolves: the body has ended
    assert.ok(sink.body().equals(BIG), 'exact bytes, in order');
    assert.throws(() => ex.pipe(collector()), /already/, 'a second consumer is refused');

    const other = collector();
    const missing = await pool.get(new URL(`${base}/missing`), {}, undefined, other);
    assert.equal(missing.status, 404, 'status');
    assert.equal((await missing.read(100)).toString(), 'nope', 'a non-2xx body is read by the caller');
    assert.equal(other.parts.length, 0, 'the request sink got nothing of the 404 body');
  } finally {
    pool.destroy();
  }
});

test('a body cut short: every byte received is delivered, then pipe() rejects', async () => {
  const pool = new FastPool();
  try {
    for (const early of [false, true]) {
      const sink = collector();
      const ex = await pool.get(new URL(`${base}/cut`), {}, undefined, early ? sink : undefined);
      await assert.rejects(ex.pipe(sink), /closed|reset|destroyed/, `${early ? 'request' : 'late'} sink: the transfer failed`);
      assert.ok(sink.body().equals(BIG.subarray(0, 500_000)), `${early ? 'request' : 'late'} sink: exactly the 500000 bytes sent (${sink.body().length})`);
    }
  } finally {
    pool.destroy();
  }
});
