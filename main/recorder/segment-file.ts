/**
 * Writing one segment's bytes into its temp file, cheaply: this is the recorder's hot path (20 channels
 * of 6 Mbit/s are ~15 MB/s through here).
 *
 * - The response body's chunks are hashed as they arrive (SHA-256 on the very buffers that go to disk,
 *   so the name's hash is the file's hash without re-reading it) and kept by reference, no copies.
 * - They go to the file in few large writes: one `writev` whenever FLUSH_BYTES have gathered (and one
 *   for the rest at the end), on a plain fd with callbacks, not one promise-wrapped write per 64 KiB
 *   socket read. A body arriving faster than the disk takes it is paused at MAX_BUFFERED_BYTES.
 * - When the transfer fails, whatever arrived is still written before the error is reported, so a
 *   `partial` holds exactly the bytes received. A crash loses at most the unwritten tail (< FLUSH_BYTES
 *   plus one write) of a download that was going to be a `partial` anyway.
 * - fsync, then close; the caller links the file to its final name (see commitSegment).
 */
import { createHash } from 'node:crypto';
import { close, fsync, link, mkdir, open, unlink, writev, constants as fsc } from 'node:fs';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream';

/** Gathered bytes are written once there are this many (a 2 s 1080p segment is 1.5-2.5 MB). */
export const FLUSH_BYTES = 1 << 20;
/** The body is paused while this much is waiting for the disk. */
export const MAX_BUFFERED_BYTES = 8 << 20;

type Callback = (err: NodeJS.ErrnoException | null) => void;

const cb2p = (fn: (cb: Callback) => void): Promise<void> =>
  new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

/** writev until every byte is down (write(2) may write less than asked). */
function writevAll(fd: number, bufs: Buffer[], total: number, cb: Callback): void {
  writev(fd, bufs, (err, n) => {
    if (err) return cb(err);
    if (n === total) return cb(null);
    if (!(n > 0)) return cb(new Error('short write'));
    let skip = n;
    const rest: Buffer[] = [];
    for (const b of bufs) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    writevAll(fd, rest, total - n, cb);
  });
}

function openExclusive(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

export class SegmentFile {
  /** bytes received (and hashed) so far */
  bytes = 0;
  private readonly hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing = false;
  private writeError: Error | null = null;
  private waiters: (() => void)[] = [];
  private body: Readable | null = null;
  private paused = false;
  private fd: number;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /**
   * Create the file (O_EXCL). `ensureDir` is called, and the open retried once, if its folder does not
   * exist (the caller remembers which folders exist, so this is normally a single open).
   */
  static async create(path: string, ensureDir: () => Promise<void>): Promise<SegmentFile> {
    let fd: number;
    try {
      fd = await openExclusive(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await ensureDir();
      fd = await openExclusive(path);
    }
    return new SegmentFile(path, fd);
  }

  /**
   * Stream `body` into the file. Resolves once it ended and every byte is written; if the body fails,
   * rejects with its error, but only after what arrived is written.
   */
  pump(body: Readable): Promise<void> {
    this.body = body;
    return new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.hash.update(chunk);
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        this.bytes += chunk.length;
        if (this.pendingBytes >= FLUSH_BYTES) {
          this.flush();
          if (this.pendingBytes >= MAX_BUFFERED_BYTES && !this.paused) {
            this.paused = true;
            body.pause();
          }
        }
      };
      body.on('data', onData);
      finished(body, { writable: false }, (err) => {
        body.off('data', onData);
        this.body = null;
        this.drain().then(
          () => (err ? reject(err) : resolve()),
          (writeErr: unknown) => reject(err ?? writeErr),
        );
      });
    });
  }

  private flush(): void {
    if (this.writing || this.pendingBytes === 0 || this.writeError) return;
    const bufs = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = true;
    writevAll(this.fd, bufs, total, (err) => {
      this.writing = false;
      if (err) {
        this.writeError = err;
        this.pending = [];
        this.pendingBytes = 0;
        this.body?.destroy(err);
      } else if (this.pendingBytes >= FLUSH_BYTES) {
        this.flush();
      }
      if (this.paused && this.pendingBytes < MAX_BUFFERED_BYTES) {
        this.paused = false;
        this.body?.resume();
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  /** Everything received so far is written (or a write failed). */
  private drain(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.writeError) return reject(this.writeError);
        if (this.pendingBytes > 0) this.flush();
        if (this.writing) return void this.waiters.push(check);
        resolve();
      };
      check();
    });
  }

  /** fsync and close; the base64url SHA-256 of the bytes written. */
  async finish(): Promise<string> {
    await this.drain();
    const fd = this.fd;
    await cb2p((cb) => fsync(fd, cb));
    this.fd = -1;
    await cb2p((cb) => close(fd, cb));
    return this.hash.digest('base64url');
  }

  /** Close without fsync (error paths); never throws. */
  async abandon(): Promise<void> {
    await this.drain().catch(() => {});
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    await cb2p((cb) => close(fd, cb)).catch(() => {});
  }
}

/**
 * What a recorder knows about the hour folders of one channel/quality it writes to: whether the folder
 * exists, an fd to fsync it after a rename, and which segment prefixes have a `full` copy there (one
 * listing when the folder is first used, then kept up to date by this recorder's own commits), so a
 * segment does not cost a listing of a folder that grows to 1,800 names an hour.
 * Only the newest few folders are kept.
 */
export class HourFolders {
  private readonly folders = new Map<string, Promise<HourFolder>>();

  constructor(private readonly keep = 3) {}

  get(dir: string, list: (dir: string) => Promise<string[] | null>): Promise<HourFolder> {
    let f = this.folders.get(dir);
    if (!f) {
      f = list(dir).then((names) => new HourFolder(dir, names));
      this.folders.set(dir, f);
      f.catch(() => this.folders.delete(dir));
      while (this.folders.size > this.keep) {
        const oldest = this.folders.keys().next().value as string;
        this.folders.delete(oldest);
      }
    }
    return f;
  }
}

export class HourFolder {
  /** prefixes ("%M:%S.%f-DURATION") with a full copy */
  private readonly full = new Set<string>();
  private exists: boolean;
  private creating: Promise<void> | null = null;

  constructor(readonly dir: string, names: string[] | null) {
    this.exists = names !== null;
    if (names) this.noteListing(names);
  }

  noteListing(names: string[]): void {
    for (const n of names) {
      const i = n.indexOf('-full-');
      if (i > 0 && n.endsWith('.ts')) this.full.add(n.slice(0, i));
    }
  }

  hasFull(prefix: string): boolean {
    return this.full.has(prefix);
  }

  addFull(prefix: string): void {
    this.full.add(prefix);
  }

  /** mkdir -p once (again if it vanished: `force`). */
  ensure(force = false): Promise<void> {
    if (this.exists && !force) return Promise.resolve();
    this.creating ??= cb2p((cb) => mkdir(this.dir, { recursive: true }, (err) => cb(err))).then(
      () => {
        this.exists = true;
        this.creating = null;
      },
      (e: unknown) => {
        this.creating = null;
        throw e;
      },
    );
    return this.creating;
  }
}

/**
 * temp → final: link the final name (an existing final name has the same hash, so the same bytes, and
 * is left as it is), drop the temp name, fsync the folder so the new name survives a crash.
 */
export async function commitSegment(tempPath: string, finalPath: string): Promise<void> {
  await cb2p((cb) => link(tempPath, finalPath, (err) => cb(err && err.code !== 'EEXIST' ? err : null)));
  await cb2p((cb) => unlink(tempPath, cb));
  await syncDir(finalPath.slice(0, finalPath.lastIndexOf('/')));
}

function syncDir(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(dir, fsc.O_RDONLY, (err, fd) => {
      if (err) return reject(err);
      fsync(fd, (syncErr) => {
        close(fd, () => (syncErr ? reject(syncErr) : resolve()));
      });
    });
  });
}
