/**
 * Re-encoding the short parts of a fast/smart cut: a trim at a cut point, or an xfade window.
 *
 * Frame accuracy: ffmpeg's trim/-ss count from the file's start_time (the earliest stream), while a
 * segment's name gives the time of its first video frame, so every seek adds the video's lead over
 * start_time (read from the TS itself). Cut points are then moved half a frame earlier, so the kept
 * frames are exactly those whose display time is nearest at-or-after each cut point — robust against
 * µs rounding of names and requests (a request on a frame boundary keeps that frame, never its neighbour).
 */
import { promises as fsp } from 'node:fs';
import type { SegmentInfo } from '../segments/names.ts';
import { ffmpegToBuffer, type FfmpegInput } from './ffmpeg-job.ts';
import { CutRequestError, US, type Piece, type Window } from './plan.ts';
import { frameDurations, x264Level, x264Profile, type SourceParams } from './source.ts';
import { scanTs, videoLeadSeconds } from './ts-packets.ts';
import { xfadeOptions } from './transitions.ts';

export type SpliceMode = 'fast' | 'smart';
/** store-relative segment path → file path (SegmentStore.abs) */
export type AbsPath = (rel: string) => string;

const AUDIO_ENCODERS: Record<string, string> = { aac: 'aac', mp3: 'libmp3lame', ac3: 'ac3', opus: 'libopus' };

/**
 * Encoder options for re-encoded parts. Both use x264's fastest preset (the first part of a cut is on the
 * critical path before any byte can be sent) and no B-frames (re-encoded parts then have DTS == PTS,
 * which keeps the splice monotonic, see splicer.ts).
 *  - fast: wubloader's choice — any H.264/AAC will do; ultrafast gives Constrained Baseline.
 *  - smart: match the source — the coding tools its profile implies (CABAC for Main, plus 8x8 transform
 *    for High) so the SPS profile/level do not change mid-stream, same pixel format, sample rate,
 *    channels and audio bit rate, deblocking on, CRF 18, VBV-capped at twice the source's rate so a
 *    part never bursts far above it.
 */
export function encodeArgs(mode: SpliceMode, src: SourceParams): string[] {
  const v = src.video;
  if (v && v.codec !== 'h264') {
    throw new CutRequestError(`${mode} cuts need H.264 video (this source is ${v.codec}); use a full cut`);
  }
  const a = src.audio;
  const aenc = a ? AUDIO_ENCODERS[a.codec] : undefined;
  if (a && !aenc) throw new CutRequestError(`${mode} cuts cannot re-encode ${a.codec} audio; use a full cut`);
  const out: string[] = [];
  if (v) {
    // Always the source's pixel format: filters like xfade otherwise negotiate 4:4:4, and a chroma
    // format change mid-stream makes decoders reinitialise (and many players fail).
    out.push('-c:v', 'libx264', '-bf', '0', '-preset', 'ultrafast', '-pix_fmt', v.pixFmt ?? 'yuv420p');
    if (mode === 'fast') {
      out.push('-crf', '20');
    } else {
      const profile = x264Profile(v.profile);
      const tools = ['deblock=0,0'];
      if (profile && profile !== 'baseline') tools.push('cabac=1');
      if (profile?.startsWith('high')) tools.push('8x8dct=1');
      out.push('-crf', '18', '-x264-params', tools.join(':'));
      const level = x264Level(v.level);
      if (profile) out.push('-profile:v', profile);
      if (level) out.push('-level:v', level);
      if (src.bitRate) out.push('-maxrate', String(src.bitRate * 2), '-bufsize', String(src.bitRate * 2));
    }
  }
  if (a) {
    out.push('-c:a', aenc!);
    if (mode === 'smart') {
      out.push('-ar', String(a.sampleRate), '-ac', String(a.channels));
      if (a.bitRate) out.push('-b:a', String(a.bitRate));
    }
  }
  // One audio frame per PES (ffmpeg packs ~10 by default), so the splicer can drop the AAC priming
  // frame at the very start without taking 200 ms of real sound with it.
  out.push('-pes_payload_size', '0', '-f', 'mpegts');
  return out;
}

interface LoadedWindow {
  input: FfmpegInput;
  /** seconds from ffmpeg's time 0 of this input to `window.from`, minus half a frame */
  start: number;
  /** same for `window.to`, or null when the window runs to the end of its last segment */
  end: number | null;
  /** the exact (un-shifted) audio cut points */
  aStart: number;
  aEnd: number | null;
}

async function loadWindow(w: Window, halfFrameS: number, absPath: AbsPath): Promise<LoadedWindow> {
  const buffers = await Promise.all(w.segments.map((s: SegmentInfo) => fsp.readFile(absPath(s.path))));
  const lead = videoLeadSeconds(scanTs(buffers[0]!));
  const first = w.segments[0]!;
  const last = w.segments[w.segments.length - 1]!;
  const rel = (t: number) => (t - first.start) / US + lead;
  const toEnd = w.to >= last.start + last.duration - 1_000;
  return {
    input: { feed: { buffers } },
    start: Math.max(0, rel(w.from) - halfFrameS),
    end: toEnd ? null : rel(w.to) - halfFrameS,
    aStart: rel(w.from),
    aEnd: toEnd ? null : rel(w.to),
  };
}

const num = (x: number) => x.toFixed(6);
function trimChain(i: number, lw: LoadedWindow, outV: string, outA: string | null): string[] {
  const vEnd = lw.end === null ? '' : `:end=${num(lw.end)}`;
  const aEnd = lw.aEnd === null ? '' : `:end=${num(lw.aEnd)}`;
  const chains = [`[${i}:v]trim=start=${num(lw.start)}${vEnd},setpts=PTS-STARTPTS[${outV}]`];
  if (outA) chains.push(`[${i}:a]atrim=start=${num(lw.aStart)}${aEnd},asetpts=PTS-STARTPTS[${outA}]`);
  return chains;
}

/** Re-encode one trim or xfade piece to standalone MPEG-TS bytes. */
export async function encodePiece(
  piece: Exclude<Piece, { kind: 'copy' }>, mode: SpliceMode, src: SourceParams, absPath: AbsPath, signal?: AbortSignal,
): Promise<Buffer> {
  const half = frameDurations(src).us / 2 / US;
  const hasAudio = src.audio !== null;
  const enc = encodeArgs(mode, src);
  let graph: string[];
  let inputs: FfmpegInput[];
  if (piece.kind === 'trim') {
    const lw = await loadWindow(piece.window, half, absPath);
    inputs = [lw.input];
    graph = trimChain(0, lw, 'v', hasAudio ? 'a' : null);
  } else {
    const [a, b] = await Promise.all([loadWindow(piece.a, half, absPath), loadWindow(piece.b, half, absPath)]);
    inputs = [a.input, b.input];
    const d = piece.transition.duration;
    graph = [
      ...trimChain(0, a, 'av', hasAudio ? 'aa' : null),
      ...trimChain(1, b, 'bv', hasAudio ? 'ba' : null),
      `[av][bv]xfade=${xfadeOptions(piece.transition.type)}:duration=${num(d)}:offset=0[v]`,
    ];
    if (hasAudio) graph.push(`[aa][ba]acrossfade=d=${num(d)}[a]`);
  }
  const maps = ['-map', '[v]', ...(hasAudio ? ['-map', '[a]'] : [])];
  const out = await ffmpegToBuffer(inputs, ['-filter_complex', graph.join(';'), ...maps, ...enc, 'pipe:1'], signal);
  if (out.length === 0) throw new CutRequestError('A cut point produced no video (is the range shorter than a frame?)');
  return out;
}
