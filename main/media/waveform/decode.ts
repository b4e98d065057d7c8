/**
 * Decoding only the audio of segment files to mono 8 kHz s16 PCM, in batches.
 *
 * Starting ffmpeg and demuxing a 720p segment costs far more than decoding its 2 seconds of AAC, so:
 *
 * 1. Fast path (AAC in ADTS, what Twitch and our fMP4 remux store): the audio elementary stream is
 *    pulled out of each segment's MPEG-TS packets here in JS, the complete ADTS frames of the whole
 *    batch are fed to ONE ffmpeg (`-f aac`) that decodes them continuously, and the PCM is cut back
 *    into segments by frame durations (every ADTS frame is 1024 samples per raw data block at its own
 *    sample rate). If ffmpeg's sample count does not match the frames fed (a frame it could not
 *    decode), the batch goes to the general path instead.
 * 2. General path (any other codec, unreadable TS): one ffmpeg with N inputs and N raw outputs, output
 *    i on pipe fd 3+i, inputs opened without find_stream_info (which would decode video to learn
 *    parameters we do not need). If that fails (an input without audio), each file is retried alone
 *    with ffmpeg's normal probing; a file that still cannot be decoded yields null.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ffmpegPaths } from '../ffmpeg/resolve.ts';
import { FfmpegError } from '../ffmpeg/run.ts';
import { findProgram, hasPusi, payloadOffset, pidOf, SYNC_BYTE, TS_PACKET_SIZE } from '../cut/ts-packets.ts';
import { DECODE_SAMPLE_RATE, pcmFromS16le } from './envelope.ts';

/** Work done by this module (tests and the benchmark read it). */
export const decodeCounters = { ffmpegRuns: 0, filesDecoded: 0, adtsFiles: 0, batchFallbacks: 0 };

/** Inputs per ffmpeg on the general path (each is an input thread and two pipes). */
const GENERAL_BATCH = 32;
/** ffmpeg's output may differ from the frames fed by resampler rounding; more means a lost frame. */
const COUNT_TOLERANCE_SAMPLES = 48;

const OUTPUT_ARGS = ['-ac', '1', '-ar', String(DECODE_SAMPLE_RATE), '-c:a', 'pcm_s16le', '-f', 's16le'];
const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** stdout first (when `stdoutOutput`), then the extra pipes fd 3.. */
  outputs: Buffer[];
}

/** Run ffmpeg, optionally writing `stdin`, collecting stdout and/or `extraOutputs` pipes (fd 3..). */
async function run(args: string[], opts: { stdin?: Buffer; stdoutOutput?: boolean; extraOutputs?: number }): Promise<RunResult> {
  decodeCounters.ffmpegRuns++;
  const extra = opts.extraOutputs ?? 0;
  const stdio: ('ignore' | 'pipe')[] = [opts.stdin ? 'pipe' : 'ignore', opts.stdoutOutput ? 'pipe' : 'ignore', 'pipe'];
  for (let i = 0; i < extra; i++) stdio.push('pipe');
  const child = spawn(ffmpegPaths().ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio });
  const outs = [...(opts.stdoutOutput ? [child.stdout!] : []), ...(child.stdio.slice(3, 3 + extra) as Readable[])];
  if (opts.stdin) {
    const input = child.stdin as Writable;
    input.on('error', () => {}); // ffmpeg exiting early shows in its exit status
    input.end(opts.stdin);
  }
  const [stderr, outputs, exit] = await Promise.all([
    collect(child.stderr!),
    Promise.all(outs.map(collect)),
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    }),
  ]);
  return { ...exit, stderr: stderr.toString().trim(), outputs };
}

/** Reads whole files into one growing buffer (a batch reads ~100 MB of segments; no garbage per file). */
class ReusedReader {
  private buf = Buffer.alloc(0);

  /** The file's bytes, valid until the next read. */
  async read(path: string): Promise<Buffer> {
    const fh = await fsp.open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(size, this.buf.length * 2, 1 << 20));
      let got = 0;
      while (got < size) {
        const { bytesRead } = await fh.read(this.buf, got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return this.buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }
}

/** ffmpeg input URL for a local path (names like "00:02.000000-2.0-full-….ts" must not read as a protocol). */
const fileUrl = (path: string) => `file:${path}`;

export interface AdtsAudio {
  /** complete ADTS frames, in order */
  frames: Buffer;
  /** their duration in seconds */
  seconds: number;
  sampleRate: number;
  channelConfig: number;
}

/**
 * The AAC (ADTS) audio of an MPEG-TS buffer: the first audio stream of the first program if its
 * stream_type is ADTS AAC (0x0F), as whole frames (a truncated last frame is dropped). Null when the
 * buffer is not such a TS or the ADTS framing is broken — the general path then handles the file.
 */
export function extractAdts(b: Buffer): AdtsAudio | null {
  if (b.length < TS_PACKET_SIZE || b[0] !== SYNC_BYTE) return null;
  const program = findProgram(b);
  const audio = program?.streams.find((s) => s.kind === 'audio');
  if (!audio || audio.streamType !== 0x0f) return null;
  const parts: Buffer[] = [];
  for (let o = 0; o + TS_PACKET_SIZE <= b.length; o += TS_PACKET_SIZE) {
    if (b[o] !== SYNC_BYTE) return null;
    if (pidOf(b, o) !== audio.pid) continue;
    let p = payloadOffset(b, o);
    if (p < 0) continue;
    const end = o + TS_PACKET_SIZE;
    if (hasPusi(b, o)) {
      if (p + 9 > end || b[p] !== 0 || b[p + 1] !== 0 || b[p + 2] !== 1) return null;
      p += 9 + b[p + 8]!;
      if (p > end) return null;
    }
    if (p < end) parts.push(b.subarray(p, end));
  }
  const es = Buffer.concat(parts);
  let i = 0;
  let seconds = 0;
  let rateIndex = -1;
  let channelConfig = -1;
  while (i + 7 <= es.length) {
    if (es[i] !== 0xff || (es[i + 1]! & 0xf6) !== 0xf0) return null;
    const ri = (es[i + 2]! >> 2) & 0x0f;
    const ch = ((es[i + 2]! & 1) << 2) | (es[i + 3]! >> 6);
    const len = ((es[i + 3]! & 3) << 11) | (es[i + 4]! << 3) | (es[i + 5]! >> 5);
    if (len < 7 || ri >= ADTS_RATES.length) return null;
    if (rateIndex < 0) {
      rateIndex = ri;
      channelConfig = ch;
    } else if (ri !== rateIndex || ch !== channelConfig) {
      return null;
    }
    if (i + len > es.length) break;
    seconds += (1024 * ((es[i + 6]! & 3) + 1)) / ADTS_RATES[ri]!;
    i += len;
  }
  if (rateIndex < 0 || i === 0) return null;
  return { frames: es.subarray(0, i), seconds, sampleRate: ADTS_RATES[rateIndex]!, channelConfig };
}

/** Decode the ADTS audio of several segments in one ffmpeg and split it back; null if the counts disagree. */
async function decodeAdtsRun(audios: AdtsAudio[]): Promise<Int16Array[] | null> {
  const r = await run(['-f', 'aac', '-i', 'pipe:0', ...OUTPUT_ARGS, 'pipe:1'], {
    stdin: Buffer.concat(audios.map((a) => a.frames)), stdoutOutput: true,
  });
  if (r.signal) throw new FfmpegError(`ffmpeg killed by ${r.signal} while decoding audio`);
  if (r.code !== 0) return null;
  const pcm = pcmFromS16le(r.outputs[0]!);
  const total = audios.reduce((s, a) => s + a.seconds, 0);
  if (Math.abs(pcm.length - total * DECODE_SAMPLE_RATE) > COUNT_TOLERANCE_SAMPLES) return null;
  const out: Int16Array[] = [];
  let cum = 0;
  for (const a of audios) {
    const from = Math.min(pcm.length, Math.round(cum * DECODE_SAMPLE_RATE));
    cum += a.seconds;
    const to = Math.min(pcm.length, Math.round(cum * DECODE_SAMPLE_RATE));
    out.push(pcm.slice(from, to));
  }
  return out;
}

/**
 * PCM of one file, or null when ffmpeg ran and refused it (no audio stream, not a media file). Such
 * failures are properties of the bytes, which never change under a content-addressed name; an ffmpeg
 * that cannot be started or is killed throws instead, so nothing wrong gets cached.
 */
export async function decodeAudio(file: string): Promise<Int16Array | null> {
  const r = await run(['-i', fileUrl(file), '-map', '0:a:0', ...OUTPUT_ARGS, 'pipe:3'], { extraOutputs: 1 });
  if (r.signal) throw new FfmpegError(`ffmpeg killed by ${r.signal} while decoding ${file}`);
  if (r.code !== 0) return null;
  decodeCounters.filesDecoded++;
  return pcmFromS16le(r.outputs[0]!);
}

/** The general path: one ffmpeg, N inputs, N outputs; per-file retries when the batch fails. */
async function decodeGeneral(files: string[]): Promise<(Int16Array | null)[]> {
  if (files.length === 1) return [await decodeAudio(files[0]!)];
  const args: string[] = [];
  for (const f of files) args.push('-nofind_stream_info', '-i', fileUrl(f));
  files.forEach((_, i) => args.push('-map', `${i}:a:0`, ...OUTPUT_ARGS, `pipe:${3 + i}`));
  const r = await run(args, { extraOutputs: files.length });
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

/** PCM of each file (null where it has no decodable audio). */
export async function decodeAudioBatch(files: string[]): Promise<(Int16Array | null)[]> {
  const out: (Int16Array | null)[] = new Array(files.length).fill(null);
  const general: number[] = [];
  // Fast path: files whose audio is ADTS AAC with the same sample rate and channels as the first one.
  const adts: { index: number; audio: AdtsAudio }[] = [];
  const reader = new ReusedReader();
  for (let i = 0; i < files.length; i++) {
    let audio: AdtsAudio | null = null;
    try {
      audio = extractAdts(await reader.read(files[i]!));
    } catch {
      audio = null; // unreadable here: the general path decides (and reports a vanished file as null)
    }
    const first = adts[0]?.audio;
    if (audio && (!first || (audio.sampleRate === first.sampleRate && audio.channelConfig === first.channelConfig))) {
      adts.push({ index: i, audio });
    } else {
      general.push(i);
    }
  }
  if (adts.length > 0) {
    const pcms = await decodeAdtsRun(adts.map((a) => a.audio));
    if (pcms) {
      adts.forEach((a, k) => (out[a.index] = pcms[k]!));
      decodeCounters.filesDecoded += adts.length;
      decodeCounters.adtsFiles += adts.length;
    } else {
      decodeCounters.batchFallbacks++;
      general.push(...adts.map((a) => a.index));
      general.sort((x, y) => x - y);
    }
  }
  for (let i = 0; i < general.length; i += GENERAL_BATCH) {
    const chunk = general.slice(i, i + GENERAL_BATCH);
    const pcms = await decodeGeneral(chunk.map((k) => files[k]!));
    chunk.forEach((k, j) => (out[k] = pcms[j]!));
  }
  return out;
}
