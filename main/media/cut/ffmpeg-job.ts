/**
 * ffmpeg with several inputs, each fed through its own pipe (fd 0 for the first, 3, 4, … for the rest:
 * ffmpeg's `pipe:N`), like wubloader feeding /proc/self/fd/N — no temporary concat files, and the
 * segments of each input are simply written one after another (they are independently decodable TS).
 * Output is ffmpeg's stdout, streamed, so a long cut never sits in memory.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ffmpegPaths } from '../ffmpeg/resolve.ts';
import { FfmpegError } from '../ffmpeg/run.ts';

export type Feed = { buffers: Uint8Array[] } | { files: string[] };

export interface FfmpegInput {
  /** input options placed before this input's -i */
  args?: string[];
  feed: Feed;
}

export interface FfmpegJob {
  stdout: Readable;
  /** resolves when ffmpeg exits 0, rejects with FfmpegError (stderr tail) otherwise */
  done: Promise<void>;
  kill(): void;
}

const ignorable = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET';
};

async function writeAll(out: Writable, chunk: Uint8Array): Promise<void> {
  if (out.destroyed) throw Object.assign(new Error('closed'), { code: 'EPIPE' });
  if (!out.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        out.off('error', fail);
        resolve();
      };
      const fail = (e: Error) => {
        out.off('drain', done);
        out.off('close', done);
        reject(e);
      };
      out.on('drain', done);
      out.on('close', done);
      out.once('error', fail);
    });
  }
}

/** Write a feed into one of ffmpeg's input pipes; ffmpeg closing it early (-t reached) is fine. */
async function feed(out: Writable, f: Feed): Promise<void> {
  out.on('error', () => {}); // surfaced through writeAll / ffmpeg's exit status instead
  try {
    if ('buffers' in f) {
      for (const b of f.buffers) await writeAll(out, b);
    } else {
      for (const path of f.files) {
        for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
          await writeAll(out, chunk as Buffer);
          if (out.destroyed) return;
        }
      }
    }
  } catch (e) {
    if (!ignorable(e) && !(out.destroyed)) throw e;
  } finally {
    out.end();
  }
}

export function startFfmpeg(inputs: FfmpegInput[], outputArgs: string[], signal?: AbortSignal): FfmpegJob {
  const fds = inputs.map((_, i) => (i === 0 ? 0 : i + 2));
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  inputs.forEach((inp, i) => args.push(...(inp.args ?? []), '-i', `pipe:${fds[i]}`));
  args.push(...outputArgs);
  const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe'];
  for (let i = 1; i < inputs.length; i++) stdio.push('pipe');
  const child = spawn(ffmpegPaths().ffmpeg, args, { stdio });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    stderr = (stderr + c).slice(-4000);
  });
  const feeding = inputs.map((inp, i) => feed(child.stdio[fds[i]!] as Writable, inp.feed));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const done = (async () => {
    try {
      const [code, feeds] = await Promise.all([exited, Promise.allSettled(feeding)]);
      if (signal?.aborted) throw new FfmpegError('ffmpeg was cancelled');
      if (code !== 0) throw new FfmpegError(`Error while cutting: ffmpeg exited ${code}: ${stderr.trim().slice(-2000)}`);
      const failed = feeds.find((f) => f.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) throw failed.reason;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  })();
  done.catch(() => {}); // callers await it; never an unhandled rejection when they stop early
  return { stdout: child.stdout!, done, kill: () => child.kill('SIGKILL') };
}

/** Run to completion and return stdout. */
export async function ffmpegToBuffer(inputs: FfmpegInput[], outputArgs: string[], signal?: AbortSignal): Promise<Buffer> {
  const job = startFfmpeg(inputs, outputArgs, signal);
  const chunks: Buffer[] = [];
  try {
    for await (const c of job.stdout) chunks.push(c as Buffer);
  } catch (e) {
    job.kill();
    throw e;
  }
  await job.done;
  return Buffer.concat(chunks);
}
