/**
 * Plain-http GETs for segment downloads, without node:http.
 *
 * Why: node:http hands every socket read to JS in a freshly allocated buffer (up to 64 KiB), and V8
 * counts every such allocation against the old generation's limit ("external memory allocated since
 * the last mark-compact"): 15 MB/s of segments made the recorder run a full mark-compact about twice a
 * second, a quarter of its CPU. Here every connection reads into one shared 1 MiB buffer (net.Socket's
 * `onread`), the response head is parsed by hand, and body bytes go to a BodySink that copies them
 * (into the temp file's reusable slabs) before the next read: no allocation per read, no stream
 * machinery per chunk.
 *
 * Scope: `http:` URLs, GET, HTTP/1.x with keep-alive; bodies framed by Content-Length, chunked
 * transfer-encoding, or the end of the connection. Redirects and https go through node:http (http.ts
 * getResponse decides). Behaves like node:http where the recorder can tell: a body cut short (by a
 * reset, or an early end against its Content-Length or chunked framing) is an error after the bytes
 * that did arrive were delivered; a chunked body ended cleanly but early is a normal, short body.
 * A keep-alive connection that turns out to be closed before any byte of the answer arrived is
 * retried once on a new connection (GET is idempotent).
 */
import net from 'node:net';
import type { BodySink, SegmentResponse } from './http.ts';
import { giveSlab, takeSlab } from './segment-file.ts';

/** Every socket reads into this; a read is consumed (copied) before the next one can happen. */
const READ_BUFFER = Buffer.allocUnsafe(1 << 20);
const MAX_HEAD_BYTES = 64 << 10;
/**
 * An idle keep-alive connection is closed after this long (give or take a third: a pool sweeps its idle
 * connections every IDLE_MS / 3 instead of arming a socket timeout per request).
 */
const IDLE_MS = 30_000;

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

class Conn {
  readonly socket: net.Socket;
  exchange: Exchange | null = null;
  closed = false;

  constructor(private readonly pool: FastPool, readonly key: string, host: string, port: number) {
    this.socket = net.connect({
      host, port, noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.onRead(n, buf) },
    });
    this.socket.on('end', () => this.gone(new Error('connection closed by the server')));
    this.socket.on('error', (e) => this.gone(e));
    this.socket.on('close', () => this.gone(new Error('connection closed')));
  }

  private onRead(n: number, buf: Buffer): boolean {
    if (this.exchange) return this.exchange.onData(buf, n);
    this.destroy(); // bytes on an idle connection: not a stream we understand any more
    return false;
  }

  private gone(e: Error): void {
    this.closed = true;
    this.pool.forget(this);
    const ex = this.exchange;
    this.exchange = null;
    ex?.onClosed(e);
    if (!this.socket.destroyed) this.socket.destroy();
  }

  destroy(): void {
    this.gone(new Error('connection destroyed'));
  }

  /** performance.now() when it went back to the pool */
  idleSince = 0;

  idle(): void {
    this.exchange = null;
    this.socket.unref();
    this.idleSince = performance.now();
  }

  busy(ex: Exchange): void {
    this.exchange = ex;
    this.socket.ref();
  }
}

/** The keep-alive connections of one HttpPool (one per stream worker; a retry gets a fresh pool). */
export class FastPool {
  private readonly idleConns = new Map<string, Conn[]>();
  private readonly all = new Set<Conn>();
  private destroyed = false;
  /** closes connections idle for IDLE_MS; runs while the pool has idle connections */
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly idleMs = IDLE_MS) {}

  acquire(key: string, host: string, port: number): { conn: Conn; reused: boolean } {
    if (this.destroyed) throw new Error('connection pool already closed');
    const list = this.idleConns.get(key);
    while (list?.length) {
      const c = list.pop()!;
      if (!c.closed) return { conn: c, reused: true };
    }
    const conn = new Conn(this, key, host, port);
    this.all.add(conn);
    return { conn, reused: false };
  }

  release(conn: Conn): void {
    if (this.destroyed || conn.closed) return conn.destroy();
    conn.idle();
    let list = this.idleConns.get(conn.key);
    if (!list) this.idleConns.set(conn.key, (list = []));
    list.push(conn);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), this.idleMs / 3);
      this.sweeper.unref();
    }
  }

  private sweep(): void {
    const now = performance.now();
    let idle = 0;
    for (const list of this.idleConns.values()) {
      for (const c of [...list]) {
        if (now - c.idleSince >= this.idleMs) c.destroy(); // forget() takes it off the list
        else idle++;
      }
    }
    if (idle === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  forget(conn: Conn): void {
    this.all.delete(conn);
    const list = this.idleConns.get(conn.key);
    const i = list?.indexOf(conn) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  destroy(): void {
    this.destroyed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of [...this.all]) c.destroy();
    this.idleConns.clear();
  }

  /**
   * GET `url` (http:); resolves once the response head arrived. `sink`, if given, takes a 2xx body from
   * its first byte on (attached while the head is parsed), so no byte waits in a slab for the caller.
   */
  async get(url: URL, headers: Record<string, string>, signal?: AbortSignal, sink?: BodySink): Promise<Exchange> {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || 80;
    const key = `${host}:${port}`;
    let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: ${USER_AGENT}\r\nAccept: */*\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`bad header ${JSON.stringify(k)}`);
      head += `${k}: ${v}\r\n`;
    }
    head += 'Connection: keep-alive\r\n\r\n';
    for (let attempt = 0; ; attempt++) {
      const { conn, reused } = this.acquire(key, host, port);
      const ex = new Exchange(this, conn, url.href, signal, sink);
      conn.busy(ex);
      conn.socket.write(head, 'latin1');
      try {
        await ex.head;
        return ex;
      } catch (e) {
        // A kept-alive connection the server had already closed: once more on a new one.
        if (reused && attempt === 0 && !ex.receivedAny && !signal?.aborted) continue;
        throw e;
      }
    }
  }
}

type Framing = 'length' | 'chunked' | 'close' | 'none';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

function abortReason(signal: AbortSignal): Error {
  const r = signal.reason;
  return r instanceof Error ? r : new Error(typeof r === 'string' ? r : 'aborted');
}

/** One request and its response on a Conn. */
export class Exchange implements SegmentResponse {
  status = 0;
  headers: Record<string, string> = {};
  receivedAny = false;
  readonly head: Promise<this>;
  private resolveHead!: (v: this) => void;
  private rejectHead!: (e: Error) => void;
  private state: 'head' | 'body' | 'done' | 'failed' = 'head';
  private headBuf: Buffer | null = null;
  private framing: Framing = 'close';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private line = '';
  private keepAlive = true;
  /** body bytes that arrived before a sink was attached (copied into slabs) */
  private early: { buf: Buffer; len: number }[] = [];
  private sink: BodySink | null = null;
  private pausedBySink = false;
  private error: Error | null = null;
  private settle: { resolve(): void; reject(e: Error): void } | null = null;
  private readonly onAbort: () => void;

  constructor(
    private readonly pool: FastPool,
    private conn: Conn | null,
    readonly url: string,
    private readonly signal?: AbortSignal,
    /** takes a 2xx body from its first byte (see FastPool.get) */
    private readonly presink?: BodySink,
  ) {
    this.head = new Promise<this>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    this.head.catch(() => {});
    this.onAbort = () => {
      const e = abortReason(signal!);
      const c = this.conn;
      this.fail(e);
      c?.destroy();
    };
    if (signal?.aborted) queueMicrotask(this.onAbort);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Bytes from the socket (n of them, at the start of the shared buffer). false = pause reading. */
  onData(buf: Buffer, n: number): boolean {
    this.receivedAny = true;
    let i = 0;
    if (this.state === 'head') {
      i = this.parseHead(buf, n);
      if (i < 0) return (this.state as string) !== 'failed';
    }
    if (this.state === 'body') this.body(buf, i, n);
    else if (this.state === 'done' && i < n) this.keepAlive = false; // bytes after the response
    if (this.state === 'done') this.release();
    return !(this.pausedBySink || (this.sink === null && this.state === 'body'));
  }

  /** Returns where the body starts in buf, or -1 when the head is not complete yet. */
  private parseHead(buf: Buffer, n: number): number {
    const prev = this.headBuf ? this.headBuf.length : 0;
    const all = this.headBuf ? Buffer.concat([this.headBuf, buf.subarray(0, n)]) : buf.subarray(0, n);
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (all.length > MAX_HEAD_BYTES) this.fail(new Error('response head too large'));
      else this.headBuf = Buffer.from(all); // copy: buf is shared
      return -1;
    }
    this.headBuf = null;
    const lines = all.toString('latin1', 0, end).split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) {
      this.fail(new Error(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`));
      return -1;
    }
    const status = Number(m[2]);
    const headers: Record<string, string> = {};
    for (let k = 1; k < lines.length; k++) {
      const l = lines[k]!;
      const c = l.indexOf(':');
      if (c <= 0) continue;
      const name = l.slice(0, c).trim().toLowerCase();
      const value = l.slice(c + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = end + 4 - prev;
    if (status >= 100 && status < 200 && status !== 101) {
      // interim response (100 Continue, 103 Early Hints): the real one follows
      const restLen = n - bodyStart;
      if (restLen <= 0) return -1;
      const r = this.parseHead(buf.subarray(bodyStart), restLen);
      return r < 0 ? -1 : r + bodyStart;
    }
    this.status = status;
    this.headers = headers;
    const conn = (headers.connection ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
    const te = (headers['transfer-encoding'] ?? '').toLowerCase();
    if (status === 204 || status === 304) this.framing = 'none';
    else if (te && te !== 'identity') {
      if (!/(^|,)\s*chunked\s*$/.test(te)) {
        this.fail(new Error(`unsupported transfer-encoding ${te}`));
        return -1;
      }
      this.framing = 'chunked';
    } else if (headers['content-length'] !== undefined) {
      const len = Number(headers['content-length']);
      if (!Number.isSafeInteger(len) || len < 0) {
        this.fail(new Error(`bad content-length ${headers['content-length']}`));
        return -1;
      }
      this.framing = 'length';
      this.remaining = len;
    } else {
      this.framing = 'close';
      this.keepAlive = false;
    }
    this.state = this.framing === 'none' || (this.framing === 'length' && this.remaining === 0) ? 'done' : 'body';
    if (this.presink && status >= 200 && status < 300) this.attach(this.presink);
    this.resolveHead(this);
    return bodyStart;
  }

  private deliver(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.sink) {
      if (!this.sink.write(buf.subarray(from, to))) this.pausedBySink = true;
      return;
    }
    // No sink yet (the caller is still opening its file): keep a copy; reading pauses meanwhile.
    let off = from;
    while (off < to) {
      let last = this.early[this.early.length - 1];
      if (!last || last.len === last.buf.length) this.early.push((last = { buf: takeSlab(), len: 0 }));
      const n = buf.copy(last.buf, last.len, off, to);
      last.len += n;
      off += n;
    }
  }

  private body(buf: Buffer, i: number, n: number): void {
    if (this.framing === 'close') {
      this.deliver(buf, i, n);
      return;
    }
    if (this.framing === 'length') {
      const take = Math.min(this.remaining, n - i);
      this.deliver(buf, i, i + take);
      this.remaining -= take;
      if (this.remaining === 0) {
        if (i + take < n) this.keepAlive = false;
        this.done();
      }
      return;
    }
    // chunked
    while (i < n && this.state === 'body') {
      switch (this.chunkState) {
        case 'size':
        case 'trailer': {
          const nl = buf.indexOf(10, i);
          const stop = nl < 0 || nl >= n ? n : nl;
          this.line += buf.toString('latin1', i, stop);
          if (this.line.length > 4096) return this.fail(new Error('chunked encoding: line too long'));
          if (nl < 0 || nl >= n) return;
          i = nl + 1;
          const line = this.line.replace(/\r$/, '');
          this.line = '';
          if (this.chunkState === 'trailer') {
            if (line === '') this.done();
            break;
          }
          const size = parseInt(line.split(';')[0]!.trim(), 16);
          if (!Number.isSafeInteger(size) || size < 0) return this.fail(new Error(`chunked encoding: bad chunk size ${JSON.stringify(line.slice(0, 20))}`));
          if (size === 0) this.chunkState = 'trailer';
          else {
            this.remaining = size;
            this.chunkState = 'data';
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, n - i);
          this.deliver(buf, i, i + take);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            this.chunkState = 'data-end';
            this.remaining = 2;
          }
          break;
        }
        case 'data-end': {
          // the CRLF after a chunk's data
          const c = buf[i]!;
          if (c === 13 && this.remaining === 2) this.remaining = 1;
          else if (c === 10) this.chunkState = 'size';
          else return this.fail(new Error('chunked encoding: missing CRLF after chunk'));
          i++;
          break;
        }
      }
    }
    if (this.state === 'done' && i < n) this.keepAlive = false;
  }

  private done(): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'done';
    this.finishIfDelivered();
  }

  /** The connection is no longer needed by this exchange: back to the pool or closed. */
  private release(): void {
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.keepAlive) this.pool.release(c);
    else c.destroy();
  }

  /** The connection ended or failed (it is gone either way). */
  onClosed(e: Error): void {
    this.conn = null;
    if (this.state === 'body' && this.framing === 'close') {
      this.signal?.removeEventListener('abort', this.onAbort);
      this.done();
      return;
    }
    this.fail(e);
  }

  private fail(e: Error): void {
    if (this.state === 'done' || this.state === 'failed') return;
    const wasHead = this.state === 'head';
    this.state = 'failed';
    this.error = e;
    this.signal?.removeEventListener('abort', this.onAbort);
    const c = this.conn;
    this.conn = null;
    if (c) {
      c.exchange = null;
      c.destroy();
    }
    if (wasHead) this.rejectHead(e);
    else this.finishIfDelivered();
  }

  /** Settle the body once it ended (or failed) and the sink has had every byte. */
  private finishIfDelivered(): void {
    if (!this.settle || this.early.length) return;
    const s = this.settle;
    this.settle = null;
    if (this.state === 'failed') s.reject(this.error!);
    else s.resolve();
  }

  /** From now on body bytes go to `sink` (with whatever arrived before, copied into slabs meanwhile). */
  private attach(sink: BodySink): void {
    this.sink = sink;
    sink.resume = () => {
      this.pausedBySink = false;
      if (this.conn && this.state === 'body') this.conn.socket.resume();
    };
    const early = this.early;
    this.early = [];
    for (const e of early) {
      if (!sink.write(e.buf.subarray(0, e.len))) this.pausedBySink = true;
      giveSlab(e.buf);
    }
  }

  pipe(sink: BodySink): Promise<void> {
    if (this.sink && this.sink !== sink) throw new Error('body already consumed');
    if (this.settle) throw new Error('body already piped');
    if (!this.sink) this.attach(sink);
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      if (this.state === 'done' || this.state === 'failed') this.finishIfDelivered();
      else if (!this.pausedBySink && this.conn) this.conn.socket.resume();
    });
  }

  async read(limit: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    await this.pipe({
      resume: null,
      write: (chunk) => {
        size += chunk.length;
        if (size > limit) over = true;
        else parts.push(Buffer.from(chunk));
        return true;
      },
    });
    if (over) throw new Error(`response larger than ${limit} bytes`);
    return Buffer.concat(parts);
  }

  discard(): void {
    if (this.sink) return;
    if (this.state === 'body' && this.framing === 'close') {
      // nothing to keep the connection for: drop it
      const c = this.conn;
      this.fail(new Error('discarded'));
      c?.destroy();
      return;
    }
    this.pipe({ resume: null, write: () => true }).catch(() => {});
  }
}
