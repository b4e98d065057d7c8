/**
 * Writing one segment's bytes into its temp file, cheaply: this is the recorder's hot path (20 channels
 * of 6 Mbit/s are ~15 MB/s through here).
 *
 * - Body chunks are hashed as they arrive (SHA-256 on the very bytes that go to disk, so the name's hash
 *   is the file's hash without re-reading it) and written straight from the buffer they arrived in (a
 *   read buffer shared by every socket, see fast-http.ts): nothing is copied or kept, so the recorder
 *   allocates nothing per chunk.
 * - Decision: these page-cache writes are synchronous, like every file write in wubloader's (gevent)
 *   downloader. A write(2) of a socket read's worth of bytes into the page cache takes microseconds;
 *   handing each to libuv's thread pool cost far more (a wake-up of a pool thread and of the event loop
 *   per write, a copy to keep the bytes alive meanwhile). The slow, blocking part, fsync, stays off the
 *   event loop (async), as do the folder's fsync after the rename. The small metadata calls (open,
 *   close, link, unlink) are synchronous too.
 * - Every byte received is in the file (page cache) before the next one is read, so a kill -9 mid-
 *   download leaves exactly what arrived in the temp file (kept as `partial` by recovery), and a failed
 *   transfer's `partial` holds exactly the bytes received.
 * - Then fsync, close, link to the final name, unlink the temp name, fsync the folder: commit().
 */
import { createHash } from 'node:crypto';
import { closeSync, fsync, linkSync, mkdir, openSync, unlinkSync, writeSync, constants as fsc } from 'node:fs';
import type { BodySink } from './http.ts';

/** Size of the slabs that hold body bytes which arrived before their file was ready (fast-http.ts). */
export const SLAB_BYTES = 1 << 20;

/** Free slabs, shared by every download of the process (at most MAX_FREE_SLABS kept). */
const freeSlabs: Buffer[] = [];
const MAX_FREE_SLABS = 16;

export function takeSlab(): Buffer {
  return freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
}

export function giveSlab(b: Buffer): void {
  if (freeSlabs.length < MAX_FREE_SLABS && b.length === SLAB_BYTES) freeSlabs.push(b);
}

type Callback = (err: NodeJS.ErrnoException | null) => void;

const cb2p = (fn: (cb: Callback) => void): Promise<void> =>
  new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

export class SegmentFile implements BodySink {
  /** bytes received (and hashed) so far */
  bytes = 0;
  resume: (() => void) | null = null;
  private readonly hash = createHash('sha256');
  private writeError: Error | null = null;
  private fd: number;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /**
   * Create the file (O_EXCL). `ensureDir` is called, and the open retried once, if its folder does not
   * exist (the caller remembers which folders exist, so this is normally a single open).
   */
  static async create(path: string, ensureDir: () => Promise<void>): Promise<SegmentFile> {
    const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL;
    let fd: number;
    try {
      fd = openSync(path, flags, 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await ensureDir();
      fd = openSync(path, flags, 0o644);
    }
    return new SegmentFile(path, fd);
  }

  /** BodySink: hash and write a chunk (valid only during this call). */
  write(chunk: Buffer): boolean {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.writeError) return true; // reported by digest()
    try {
      // write(2) may write less than asked (wubloader's writeall lesson)
      for (let off = 0; off < chunk.length; ) {
        const n = writeSync(this.fd, chunk, off, chunk.length - off);
        if (!(n > 0)) throw new Error('short write');
        off += n;
      }
    } catch (e) {
      this.writeError = e as Error;
    }
    return true;
  }

  /** The base64url SHA-256 of the bytes written (throws if a write failed). */
  digest(): string {
    if (this.writeError) throw this.writeError;
    return this.hash.digest('base64url');
  }

  /**
   * fsync and close the file (fsync off the event loop), link it to `finalPath`, drop the temp name,
   * fsync the folder (commitSegment). The file is closed whatever happens.
   */
  async commit(finalPath: string): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    try {
      await cb2p((cb) => fsync(fd, cb));
    } finally {
      closeSync(fd);
    }
    await commitSegment(this.path, finalPath);
  }

  /** Close without fsync (error paths); never throws. */
  async abandon(): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
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
  try {
    linkSync(tempPath, finalPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  unlinkSync(tempPath);
  const fd = openSync(finalPath.slice(0, finalPath.lastIndexOf('/')), fsc.O_RDONLY);
  try {
    await cb2p((cb) => fsync(fd, cb));
  } finally {
    closeSync(fd);
  }
}
