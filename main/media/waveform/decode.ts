/**
 * Decoding only the audio of segment files to mono 8 kHz s16 PCM with ffmpeg.
 *
 * Starting ffmpeg and probing a 720p segment costs far more than decoding its 2 seconds of AAC, so
 * files are decoded in batches: one ffmpeg with N inputs and N raw outputs, output i written to pipe
 * fd 3+i. Inputs are opened without find_stream_info (which would decode video frames to learn
 * stream parameters we do not need); the audio decoder learns its parameters from the stream itself.
 * If a batch fails (an input without audio, a stream map that does not match), every file of it is
 * retried alone with ffmpeg's normal probing, and a file that still cannot be decoded yields null.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ffmpegPaths } from '../ffmpeg/resolve.ts';
import { FfmpegError } from '../ffmpeg/run.ts';
import { DECODE_SAMPLE_RATE, pcmFromS16le } from './envelope.ts';

/** ffmpeg processes started by this module (tests and the benchmark read it). */
export const decodeCounters = { ffmpegRuns: 0, filesDecoded: 0, batchFallbacks: 0 };

const OUTPUT_ARGS = ['-ac', '1', '-ar', String(DECODE_SAMPLE_RATE), '-c:a', 'pcm_s16le', '-f', 's16le'];

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  outputs: Buffer[];
}

/** Run ffmpeg with `outputs` extra pipes (fd 3..) and collect them all; rejects only if it could not start. */
async function run(args: string[], outputs: number): Promise<RunResult> {
  decodeCounters.ffmpegRuns++;
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe'];
  for (let i = 0; i < outputs; i++) stdio.push('pipe');
  const child = spawn(ffmpegPaths().ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio });
  const streams = child.stdio.slice(3, 3 + outputs) as Readable[];
  const [stderr, outs, exit] = await Promise.all([
    collect(child.stderr!),
    Promise.all(streams.map(collect)),
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    }),
  ]);
  return { ...exit, stderr: stderr.toString().trim(), outputs: outs };
}

/**
 * PCM of one file, or null when ffmpeg ran and refused it (no audio stream, not a media file). Such
 * failures are properties of the bytes, which never change under a content-addressed name; an ffmpeg
 * that cannot be started or is killed throws instead, so nothing wrong gets cached.
 */
export async function decodeAudio(file: string): Promise<Int16Array | null> {
  const r = await run(['-i', file, '-map', '0:a:0', ...OUTPUT_ARGS, 'pipe:3'], 1);
  if (r.signal) throw new FfmpegError(`ffmpeg killed by ${r.signal} while decoding ${file}`);
  if (r.code !== 0) return null;
  decodeCounters.filesDecoded++;
  return pcmFromS16le(r.outputs[0]!);
}

/** PCM of each file (null where it has no decodable audio), with one ffmpeg for the whole batch when possible. */
export async function decodeAudioBatch(files: string[]): Promise<(Int16Array | null)[]> {
  if (files.length === 0) return [];
  if (files.length === 1) return [await decodeAudio(files[0]!)];
  const args: string[] = [];
  for (const f of files) args.push('-nofind_stream_info', '-i', f);
  files.forEach((_, i) => args.push('-map', `${i}:a:0`, ...OUTPUT_ARGS, `pipe:${3 + i}`));
  const r = await run(args, files.length);
  if (r.signal) throw new FfmpegError(`ffmpeg killed by ${r.signal} while decoding ${files.length} segments`);
  if (r.code === 0) {
    decodeCounters.filesDecoded += files.length;
    return r.outputs.map(pcmFromS16le);
  }
  decodeCounters.batchFallbacks++;
  const out: (Int16Array | null)[] = [];
  for (const f of files) out.push(await decodeAudio(f));
  return out;
}
