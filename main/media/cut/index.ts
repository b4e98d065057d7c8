/**
 * Cut engine entry points.
 *  - `cutTypes`: the /cut route's producers by `type=` (rough, fast, smart, mpegts, webm), each streaming
 *    its output; the restreamer default is `fast`, like wubloader.
 *  - `cutStream` / `cutToFile`: what the cutter uses (kinds rough | fast | smart | full), with progress.
 *
 * Choice for smart cuts (documented in splicer.ts): re-encode only the parts at cut points with the
 * source's codec configuration and no B-frames, copy every whole segment, and rewrite PTS/DTS/PCR/CC of
 * all pieces in pure code onto one continuous timeline. No ffmpeg pass touches the copied bytes, so a
 * smart cut costs about `cat` plus two short encodes.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import { once } from 'node:events';
import { ContainsHoles, type SegmentOrHole } from '../segments/select.ts';
import { fullCut, type FullEncoding } from './full.ts';
import { CutRequestError, expectedDuration, type CutRange, type CutRequest, type CutTransition } from './plan.ts';
import { roughCut } from './rough.ts';
import { spliceCut } from './splice.ts';

export { CutRequestError, expectedDuration, planFull, planSplice } from './plan.ts';
export type { CutRange, CutRequest, CutTransition, Piece } from './plan.ts';
export { KNOWN_TRANSITIONS, UnknownTransition } from './transitions.ts';
export { FULL_ENCODINGS } from './full.ts';

/** Anything that maps store-relative segment paths to files (SegmentStore fits). */
export interface SegmentFiles {
  abs(rel: string): string;
}

export interface CutInput {
  store: SegmentFiles;
  segments: SegmentOrHole[][];
  ranges: CutRange[];
  transitions: (CutTransition | null)[];
}

/** Structurally the restreamer's CutProducer (it passes a SegmentStore as `store`). */
export type CutProducer = (args: CutInput) => AsyncIterable<Uint8Array>;

const req = (a: CutInput): CutRequest => ({ segments: a.segments, ranges: a.ranges, transitions: a.transitions });
const absOf = (a: CutInput) => (rel: string) => a.store.abs(rel);

export const cutTypes: Record<string, { producer: CutProducer; contentType: string }> = {
  rough: { producer: (a) => roughCut(a.segments, absOf(a)), contentType: 'video/MP2T' },
  fast: { producer: (a) => spliceCut(absOf(a), req(a), { mode: 'fast' }), contentType: 'video/MP2T' },
  smart: { producer: (a) => spliceCut(absOf(a), req(a), { mode: 'smart' }), contentType: 'video/MP2T' },
  mpegts: { producer: (a) => fullCut(absOf(a), req(a), { encoding: 'mpegts' }), contentType: 'video/MP2T' },
  webm: { producer: (a) => fullCut(absOf(a), req(a), { encoding: 'webm' }), contentType: 'video/webm' },
};

export const DEFAULT_CUT_TYPE = 'fast';

export type CutKind = 'rough' | 'fast' | 'smart' | 'full';

export interface CutOptions {
  /** false (the default, like the DB column): any hole is an error (ContainsHoles) */
  allowHoles?: boolean;
  /** full cuts only: output encoding (default mpegts) or raw output options */
  encoding?: FullEncoding;
  outputArgs?: string[];
  signal?: AbortSignal;
  /** called after every chunk with the total bytes produced so far */
  onProgress?(bytes: number): void;
}

/**
 * The cut as a byte stream. Throws synchronously (before any output) for bad requests:
 * ContainsHoles, CutRequestError (status 400/406), UnknownTransition (400).
 */
export function cutStream(kind: CutKind, input: CutInput, opts: CutOptions = {}): { stream: AsyncIterable<Uint8Array>; contentType: string } {
  if (!opts.allowHoles && input.segments.some((list) => list.includes(null))) throw new ContainsHoles();
  if (input.segments.every((list) => list.every((s) => s === null))) {
    throw new CutRequestError('We have no content available within the requested time range.', 406);
  }
  const abs = absOf(input);
  let stream: AsyncIterable<Uint8Array>;
  let contentType = 'video/MP2T';
  switch (kind) {
    case 'rough':
      stream = roughCut(input.segments, abs);
      break;
    case 'fast':
    case 'smart':
      stream = spliceCut(abs, req(input), { mode: kind, signal: opts.signal });
      break;
    case 'full': {
      const encoding = opts.encoding ?? 'mpegts';
      stream = fullCut(abs, req(input), { encoding, outputArgs: opts.outputArgs, signal: opts.signal });
      if (encoding === 'webm') contentType = 'video/webm';
      break;
    }
    default:
      throw new CutRequestError(`Unknown cut kind ${JSON.stringify(kind)}`);
  }
  const onProgress = opts.onProgress;
  if (!onProgress) return { stream, contentType };
  return {
    contentType,
    stream: (async function* () {
      let bytes = 0;
      for await (const chunk of stream) {
        bytes += chunk.byteLength;
        yield chunk;
        onProgress(bytes);
      }
    })(),
  };
}

export interface CutResult {
  bytes: number;
  contentType: string;
  /** requested output duration, seconds: sum(ranges) − sum(transition durations) */
  expectedSeconds: number;
}

/**
 * Cut into `outPath` (written, then fsynced; removed again on failure) — for the cutter, which uploads
 * the file afterwards and reports progress from `onProgress`.
 */
export async function cutToFile(kind: CutKind, input: CutInput, outPath: string, opts: CutOptions = {}): Promise<CutResult> {
  const { stream, contentType } = cutStream(kind, input, { ...opts, onProgress: undefined });
  const out = createWriteStream(outPath);
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
      opts.onProgress?.(bytes);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const fh = await fsp.open(outPath, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    out.destroy();
    await fsp.rm(outPath, { force: true });
    throw e;
  }
  return { bytes, contentType, expectedSeconds: expectedDuration(input.ranges, input.transitions) / 1_000_000 };
}
