/**
 * The peaks cache: one envelope per segment file, keyed by the segment's content hash (so a segment
 * stored under several names, or backfilled from a peer, is decoded once), in
 * DATA/cache/peaks/<hash>.bin, written atomically (temp name + rename; a torn or foreign file fails
 * validation and is recomputed). Recently used envelopes are also kept in memory (bounded by bytes).
 *
 * Missing envelopes are computed in batches of up to `batchSize` segments per ffmpeg, at most
 * `concurrency` ffmpeg processes at a time per cache; concurrent requests for the same segment share
 * one computation.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeAudioBatch } from './decode.ts';
import { decodeEnvelope, emptyEnvelope, encodeEnvelope, envelopeFromPcm, FLAG_NO_AUDIO, type Envelope } from './envelope.ts';

export interface PeaksItem {
  /** the segment's content hash (url-safe base64 sha256, as in its name) */
  hash: string;
  /** absolute path of the segment file */
  file: string;
}

export interface PeaksCacheOptions {
  /** ffmpeg processes at once (default 2) */
  concurrency?: number;
  /** at most this many segments per ffmpeg (default 128) */
  batchSize?: number;
  /** in-memory envelopes, in bytes of values (default 32 MiB ≈ 90 hours of recording) */
  memoryBytes?: number;
  /** how long warm() waits to gather a batch (default 5 s) */
  warmDelayMs?: number;
}

export interface PeaksStats {
  memoryHits: number;
  diskHits: number;
  /** envelopes computed by decoding (including "no audio" results) */
  computed: number;
}

const HASH_OK = /^[A-Za-z0-9_-]{1,128}$/;
/** cache files read per event-loop turn (~2-5 ms) */
const READ_SLICE = 200;

class Limiter {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class PeaksCache {
  readonly stats: PeaksStats = { memoryHits: 0, diskHits: 0, computed: 0 };
  private readonly mem = new Map<string, Envelope>();
  private memBytes = 0;
  private readonly inflight = new Map<string, Promise<Envelope | null>>();
  private readonly limiter: Limiter;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly memoryBytes: number;
  private readonly warmDelayMs: number;
  private pendingWarm: { item: PeaksItem; done: () => void }[] = [];
  private warmTimer: NodeJS.Timeout | null = null;
  private dirReady = false;

  constructor(readonly dir: string, opts: PeaksCacheOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.limiter = new Limiter(this.concurrency);
    this.batchSize = Math.max(1, opts.batchSize ?? 128);
    this.memoryBytes = opts.memoryBytes ?? 32 << 20;
    this.warmDelayMs = opts.warmDelayMs ?? 5000;
  }

  pathOf(hash: string): string {
    if (!HASH_OK.test(hash)) throw new Error(`bad segment hash ${JSON.stringify(hash)}`);
    return join(this.dir, `${hash}.bin`);
  }

  /**
   * Envelopes of `items` by hash; segments whose file vanished are simply absent (drawn as holes).
   * `spread` (default) splits the missing ones over all ffmpeg slots for the fastest answer; background
   * warming uses as few ffmpeg runs as possible instead.
   */
  async getMany(items: PeaksItem[], opts: { spread?: boolean } = {}): Promise<Map<string, Envelope>> {
    const result = new Map<string, Envelope>();
    const unique = new Map<string, PeaksItem>();
    for (const it of items) if (!unique.has(it.hash)) unique.set(it.hash, it);
    const waits: Promise<void>[] = [];
    const wait = (hash: string, p: Promise<Envelope | null>) =>
      waits.push(p.then((e) => void (e && result.set(hash, e))));
    const toRead: PeaksItem[] = [];
    for (const [hash, it] of unique) {
      const m = this.fromMemory(hash);
      if (m) result.set(hash, m);
      else if (this.inflight.has(hash)) wait(hash, this.inflight.get(hash)!);
      else toRead.push(it);
    }
    const missing: PeaksItem[] = [];
    // Envelope files are a few hundred bytes: synchronous reads cost ~20 µs each where the async
    // open/stat/read/close round trips through the thread pool cost ~150 µs, so they are read
    // synchronously, in slices, yielding to the event loop between slices.
    for (let i = 0; i < toRead.length; i += READ_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const it of toRead.slice(i, i + READ_SLICE)) {
        const e = this.fromDisk(it.hash);
        if (e) result.set(it.hash, e);
        else missing.push(it);
      }
    }
    // Synchronous from here to the inflight registrations, so no other caller can slip in between.
    const toCompute: PeaksItem[] = [];
    for (const it of missing) {
      const p = this.inflight.get(it.hash);
      if (p) wait(it.hash, p);
      else toCompute.push(it);
    }
    // Split so that all `concurrency` ffmpeg slots get work, in batches of at most batchSize.
    const slots = opts.spread === false ? 1 : this.concurrency;
    const per = Math.min(this.batchSize, Math.max(1, Math.ceil(toCompute.length / slots)));
    for (let i = 0; i < toCompute.length; i += per) {
      const batch = toCompute.slice(i, i + per);
      const run = this.limiter.run(() => this.compute(batch));
      for (const it of batch) {
        const p = run.then((m) => m.get(it.hash) ?? null).finally(() => this.inflight.delete(it.hash));
        this.inflight.set(it.hash, p);
        wait(it.hash, p);
      }
    }
    await Promise.all(waits);
    return result;
  }

  /** Envelope of one segment (null when its file is gone). */
  async get(item: PeaksItem): Promise<Envelope | null> {
    return (await this.getMany([item])).get(item.hash) ?? null;
  }

  /**
   * Make sure a segment's envelope is cached, batching with other warm() calls within the warm delay
   * (so a live recorder's segments share ffmpeg runs). Never rejects: warming is only a head start.
   */
  warm(item: PeaksItem): Promise<void> {
    if (this.mem.has(item.hash)) return Promise.resolve();
    return new Promise<void>((done) => {
      this.pendingWarm.push({ item, done });
      if (this.pendingWarm.length >= this.batchSize) void this.flushWarm();
      else if (!this.warmTimer) {
        this.warmTimer = setTimeout(() => void this.flushWarm(), this.warmDelayMs);
        this.warmTimer.unref();
      }
    });
  }

  /** Start computing everything warm() has gathered now; resolves when it is cached. */
  flushWarm(): Promise<void> {
    if (this.warmTimer) clearTimeout(this.warmTimer);
    this.warmTimer = null;
    const pending = this.pendingWarm;
    this.pendingWarm = [];
    if (pending.length === 0) return Promise.resolve();
    return this.getMany(pending.map((p) => p.item), { spread: false }).then(
      () => undefined,
      (e: unknown) => console.warn(`[waveform] could not precompute peaks: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => pending.forEach((p) => p.done()));
  }

  private fromMemory(hash: string): Envelope | null {
    const e = this.mem.get(hash);
    if (!e) return null;
    this.mem.delete(hash); // most recently used goes last
    this.mem.set(hash, e);
    this.stats.memoryHits++;
    return e;
  }

  private remember(hash: string, e: Envelope): void {
    if (this.mem.has(hash)) return;
    this.mem.set(hash, e);
    this.memBytes += e.values.byteLength + 64;
    for (const [k, v] of this.mem) {
      if (this.memBytes <= this.memoryBytes) break;
      this.mem.delete(k);
      this.memBytes -= v.values.byteLength + 64;
    }
  }

  private fromDisk(hash: string): Envelope | null {
    let buf: Buffer;
    try {
      buf = readFileSync(this.pathOf(hash));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const env = decodeEnvelope(buf);
    if (!env) return null;
    this.stats.diskHits++;
    this.remember(hash, env);
    return env;
  }

  private async compute(batch: PeaksItem[]): Promise<Map<string, Envelope>> {
    const out = new Map<string, Envelope>();
    const pcms = await decodeAudioBatch(batch.map((b) => b.file));
    await this.ensureDir();
    for (let i = 0; i < batch.length; i++) {
      const it = batch[i]!;
      const pcm = pcms[i]!;
      let env: Envelope;
      if (pcm === null) {
        // A file that vanished (tombstoned and cleaned up, renamed) is not "silent": cache nothing.
        if (!(await exists(it.file))) continue;
        env = emptyEnvelope(FLAG_NO_AUDIO);
      } else {
        env = envelopeFromPcm(pcm);
      }
      this.writeAtomic(it.hash, encodeEnvelope(env));
      this.stats.computed++;
      this.remember(it.hash, env);
      out.set(it.hash, env);
    }
    return out;
  }

  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    await fsp.mkdir(this.dir, { recursive: true });
    this.dirReady = true;
  }

  /** Temp name + rename, so readers never see half a file. Synchronous: a few hundred bytes (see getMany). */
  private writeAtomic(hash: string, data: Buffer): void {
    const final = this.pathOf(hash);
    const temp = `${final}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, data);
      renameSync(temp, final);
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}

const caches = new Map<string, PeaksCache>();

/** The peaks cache directory of a data dir whose segment store is DATA/segments. */
export function peaksDirFor(storeRoot: string): string {
  return join(dirname(storeRoot), 'cache', 'peaks');
}

/** The process-wide cache for a segment store (one per directory, so limits and in-flight sharing hold). */
export function peaksCacheFor(store: { root: string }, opts?: PeaksCacheOptions): PeaksCache {
  const dir = peaksDirFor(store.root);
  let c = caches.get(dir);
  if (!c) {
    c = new PeaksCache(dir, opts);
    caches.set(dir, c);
  }
  return c;
}
