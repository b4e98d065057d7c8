/**
 * Fast and smart cuts: stored segments inside the ranges are copied, only the parts at cut points and
 * transition windows are re-encoded (concurrently, a few pieces ahead of the output), and everything
 * goes through the TsSplicer so the result has one continuous, monotonic timeline.
 *
 * fast vs smart differ only in how the re-encoded parts are made (encode.ts): fast takes the quickest
 * x264 settings, smart matches the source's codec configuration. Both are frame-accurate, both are
 * streamed in output order as soon as each piece is ready.
 */
import { promises as fsp } from 'node:fs';
import { encodePiece, type AbsPath, type SpliceMode } from './encode.ts';
import { planSplice, type CutRequest, type Piece } from './plan.ts';
import { frameDurations, sourceParams } from './source.ts';
import { TsSplicer } from './splicer.ts';
import { scanTs } from './ts-packets.ts';

export interface SpliceOptions {
  mode: SpliceMode;
  signal?: AbortSignal;
  /** how many re-encoded pieces may be in flight ahead of the output (default 2) */
  lookahead?: number;
}

/** A tiny counting semaphore so long multi-range cuts never run more than N ffmpegs at once. */
class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/**
 * Validate and plan synchronously (so bad requests fail before any byte is sent), then return the
 * streaming generator.
 */
export function spliceCut(absPath: AbsPath, req: CutRequest, opts: SpliceOptions): AsyncGenerator<Uint8Array> {
  planSplice(req);
  return run(absPath, req, opts);
}

async function* run(absPath: AbsPath, req: CutRequest, opts: SpliceOptions): AsyncGenerator<Uint8Array> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const pending: Promise<unknown>[] = [];
  try {
    const firstSeg = req.segments.flat().find((s) => s !== null)!;
    const firstBytes = await fsp.readFile(absPath(firstSeg.path));
    const src = sourceParams(firstBytes, scanTs(firstBytes));
    const frame = frameDurations(src);
    const pieces: Piece[] = planSplice(req, frame.us / 2);
    const splicer = new TsSplicer({
      frameTicks: frame.ticks, audioFrameTicks: frame.audioTicks, reorderTicks: src.video?.reorderTicks ?? 0,
    });
    // One encode at a time, in output order: the first one is on the critical path (nothing can be
    // sent before it) and x264 already uses every core; later ones overlap with copying.
    const sem = new Semaphore(1);
    const lookahead = opts.lookahead ?? 2;
    const tasks = new Map<number, Promise<Buffer>>();
    const encodeIdx = pieces.flatMap((p, i) => (p.kind === 'copy' ? [] : [i]));
    let started = 0;
    const startEncodes = (from: number) => {
      // keep `lookahead` re-encodes at or after piece `from` running or done
      while (started < encodeIdx.length && encodeIdx.slice(0, started).filter((i) => i >= from).length < lookahead) {
        const i = encodeIdx[started++]!;
        const p = pieces[i] as Exclude<Piece, { kind: 'copy' }>;
        const t = sem.run(() => encodePiece(p, opts.mode, src, absPath, abort.signal));
        t.catch(() => {});
        pending.push(t);
        tasks.set(i, t);
      }
    };
    let nextRead: Promise<Buffer> | null = null;
    const readCopy = (i: number) => {
      const p = pieces[i]!;
      return p.kind === 'copy' ? fsp.readFile(absPath(p.segment.path)) : null;
    };
    for (let i = 0; i < pieces.length; i++) {
      startEncodes(i);
      const p = pieces[i]!;
      let bytes: Buffer;
      if (p.kind === 'copy') {
        bytes = await (nextRead ?? readCopy(i)!);
        nextRead = null;
      } else {
        bytes = await tasks.get(i)!;
        tasks.delete(i);
      }
      // Read the next stored segment while this one is being rewritten and written out.
      if (i + 1 < pieces.length && pieces[i + 1]!.kind === 'copy') {
        nextRead = readCopy(i + 1)!;
        nextRead.catch(() => {});
      }
      const what = p.kind === 'copy' ? p.segment.path : `re-encoded ${p.kind} piece ${i}`;
      yield splicer.push(bytes, what);
    }
  } finally {
    abort.abort();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await Promise.allSettled(pending);
  }
}
