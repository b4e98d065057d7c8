/**
 * Running ffmpeg with segment files fed through stdin (like wubloader's feed_input): the segments of a
 * range are concatenated MPEG-TS, so one pipe is enough and no temporary concat file is needed.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ffmpegPaths } from './resolve.ts';

export class FfmpegError extends Error {}

/** Copy files one after another into `out`; an EPIPE (ffmpeg stopped reading early) is not an error. */
export async function feedFiles(paths: string[], out: Writable): Promise<void> {
  // One error listener on the destination for the whole feed (not one per file, which leaks listeners).
  let outError: Error | null = null;
  let failCurrent: ((e: Error) => void) | null = null;
  const onOutError = (e: Error) => {
    outError = e;
    failCurrent?.(e);
  };
  out.on('error', onOutError);
  try {
    for (const p of paths) {
      if (outError) throw outError;
      await new Promise<void>((resolve, reject) => {
        failCurrent = reject;
        const rs = createReadStream(p);
        rs.on('error', reject);
        rs.on('end', resolve);
        rs.pipe(out, { end: false });
      });
      if (out.destroyed) break;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPIPE' && code !== 'ERR_STREAM_DESTROYED') throw e;
  } finally {
    out.off('error', onOutError);
    out.end();
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Run ffmpeg with `args` (input "-" reads stdin) and return stdout; stderr goes into the error. */
export async function runFfmpeg(args: string[], stdinFiles: string[] = [], signal?: AbortSignal): Promise<Buffer> {
  const child = spawn(ffmpegPaths().ffmpeg, ['-hide_banner', '-loglevel', 'error', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], signal,
  });
  child.stdin.on('error', () => {}); // EPIPE when ffmpeg exits before reading everything
  const feeding = stdinFiles.length ? feedFiles(stdinFiles, child.stdin) : (child.stdin.end(), Promise.resolve());
  const [out, err, code] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }),
    feeding.catch(() => {}),
  ]);
  if (code !== 0) throw new FfmpegError(`ffmpeg exited ${code}: ${err.toString().trim().slice(-2000)}`);
  return out;
}

export async function runFfprobeJson(path: string, args: string[]): Promise<unknown> {
  const child = spawn(ffmpegPaths().ffprobe, ['-hide_banner', '-loglevel', 'error', '-of', 'json', ...args, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [out, err, code] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }),
  ]);
  if (code !== 0) throw new FfmpegError(`ffprobe exited ${code}: ${err.toString().trim()}`);
  return JSON.parse(out.toString());
}
