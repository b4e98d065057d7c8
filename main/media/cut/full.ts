/**
 * Full cut: everything re-encoded through one ffmpeg filter graph (wubloader's full_cut_segments).
 * Each contiguous stretch of a range is one input (`-ss START -t DURATION` input options on a pipe fed
 * with its segments); hard cuts are `concat`, transitions `xfade` + `acrossfade` at
 * offset = running length − duration. Output is streamed from ffmpeg's stdout.
 */
import { readFile } from 'node:fs/promises';
import { startFfmpeg, type FfmpegInput } from './ffmpeg-job.ts';
import { dropAudioBeforeVideo } from './lead-trim.ts';
import type { AbsPath } from './encode.ts';
import { planFull, US, type CutRequest, type FullPlan } from './plan.ts';
import { frameDurations, sourceParams, type SourceParams } from './source.ts';
import { scanTs, videoLeadSeconds } from './ts-packets.ts';
import { transitionFilters } from './transitions.ts';

export type FullEncoding = 'mpegts' | 'webm';

/** Output options per encoding. Both stream (no seeking in the output). */
export const FULL_ENCODINGS: Record<FullEncoding, { args: string[]; contentType: string }> = {
  // x264 ultrafast keeps the restreamer responsive; CRF 18 instead of wubloader's lossless CRF 0, which
  // makes 1080p files many times larger than the source for no visible gain on YouTube.
  mpegts: {
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '192k', '-f', 'mpegts'],
    contentType: 'video/MP2T',
  },
  // Transition previews in the editor: VP9 at realtime speed (quality is secondary), Opus audio.
  webm: {
    args: [
      '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-crf', '40', '-b:v', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'libopus', '-b:a', '128k', '-ar', '48000', '-f', 'webm',
    ],
    contentType: 'video/webm',
  },
};

/** The ffmpeg arguments for a planned full cut (exported for tests of the graph shape). */
export async function fullCutArgs(
  plan: FullPlan, src: SourceParams, absPath: AbsPath, outputArgs: string[],
): Promise<{ inputs: FfmpegInput[]; args: string[] }> {
  const half = frameDurations(src).us / 2 / US;
  const hasAudio = src.audio !== null;
  const inputs: FfmpegInput[] = [];
  for (const w of plan.inputs) {
    const first = w.segments[0]!;
    const lead = videoLeadSeconds(scanTs(await readFile(absPath(first.path))));
    const ss = Math.max(0, (w.from - first.start) / US + lead - half);
    const t = (w.to - w.from) / US;
    inputs.push({ args: ['-ss', ss.toFixed(6), '-t', t.toFixed(6)], feed: { files: w.segments.map((s) => absPath(s.path)) } });
  }
  // Each input's picture and sound start together at 0 (the seek lands between frames, audio exactly
  // on it); without this the concat/xfade offsets and the output start drift by up to a frame.
  const graph: string[] = [];
  plan.inputs.forEach((_, i) => {
    graph.push(`[${i}:v]setpts=PTS-STARTPTS[in${i}v]`);
    if (hasAudio) graph.push(`[${i}:a]asetpts=PTS-STARTPTS[in${i}a]`);
  });
  let v = 'in0v';
  let a = 'in0a';
  let length = (plan.inputs[0]!.to - plan.inputs[0]!.from) / US;
  for (let i = 1; i < plan.inputs.length; i++) {
    const len = (plan.inputs[i]!.to - plan.inputs[i]!.from) / US;
    const join = plan.joins[i - 1] ?? null;
    if (!join) {
      graph.push(hasAudio
        ? `[${v}][${a}][in${i}v][in${i}a]concat=n=2:v=1:a=1[v${i}][a${i}]`
        : `[${v}][in${i}v]concat=n=2:v=1:a=0[v${i}]`);
      length += len;
    } else {
      graph.push(...transitionFilters(join.type, join.duration, length - join.duration,
        [v, `in${i}v`], hasAudio ? [a, `in${i}a`] : null, `v${i}`, hasAudio ? `a${i}` : null));
      length += len - join.duration;
    }
    // concat and xfade may hand on different time bases; xfade insists its inputs agree.
    graph.push(`[v${i}]settb=1/90000[v${i}t]`);
    v = `v${i}t`;
    a = `a${i}`;
  }
  const maps = ['-filter_complex', graph.join(';'), '-map', `[${v}]`, ...(hasAudio ? ['-map', `[${a}]`] : [])];
  return { inputs, args: [...maps, ...outputArgs, 'pipe:1'] };
}

export interface FullCutOptions {
  encoding?: FullEncoding;
  /** replaces the encoding's output options entirely (must produce a streamable format) */
  outputArgs?: string[];
  signal?: AbortSignal;
}

/** Validate/plan synchronously, then stream ffmpeg's output. */
export function fullCut(absPath: AbsPath, req: CutRequest, opts: FullCutOptions = {}): AsyncGenerator<Uint8Array> {
  const plan = planFull(req);
  return run(absPath, plan, opts);
}

async function* run(absPath: AbsPath, plan: FullPlan, opts: FullCutOptions): AsyncGenerator<Uint8Array> {
  const first = await readFile(absPath(plan.inputs[0]!.segments[0]!.path));
  const src = sourceParams(first, scanTs(first));
  const outputArgs = opts.outputArgs ?? FULL_ENCODINGS[opts.encoding ?? 'mpegts'].args;
  const { inputs, args } = await fullCutArgs(plan, src, absPath, outputArgs);
  const job = startFfmpeg(inputs, args, opts.signal);
  const fIdx = outputArgs.lastIndexOf('-f');
  const isTs = fIdx >= 0 && outputArgs[fIdx + 1] === 'mpegts';
  const body: AsyncIterable<Uint8Array> = isTs ? dropAudioBeforeVideo(job.stdout) : job.stdout;
  let finished = false;
  try {
    for await (const chunk of body) yield chunk;
    await job.done;
    finished = true;
  } finally {
    if (!finished) job.kill();
  }
}
