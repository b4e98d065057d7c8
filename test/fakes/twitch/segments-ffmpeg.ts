/**
 * Real media for the fake origins, made once by ffmpeg and cached on disk.
 *
 * A "pool" is one continuous ffmpeg encode (test pattern + sine tone) split by ffmpeg's own HLS muxer
 * into `poolSize` segments of `segmentSeconds` each. Using the HLS muxer (rather than cutting files
 * ourselves) gives exactly what a packager produces: every TS segment starts with PAT/PMT and an IDR
 * frame, every fMP4 fragment starts with a keyframe and needs only the init segment. The keyframe
 * interval is pinned to the segment length (fixed GOP, no scene-cut keyframes) so splits are exact.
 *
 * The fake serves segment n of a session from pool[n % poolSize] and shifts its timestamps by
 * floor(n / poolSize) * poolDuration (see timestamps.ts), so decode timestamps keep increasing across
 * the stream while the encode happens only once.
 *
 * Cache: `${os.tmpdir()}/tapedeck-fake-twitch/<sha256(spec, ffmpeg path, generator version)>/`.
 * A pool is generated into a private temp directory and then renamed into place, so concurrent test
 * processes never see a half-written pool; the loser of a rename race discards its copy.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type SegmentFormat = 'ts' | 'fmp4';

export interface SegmentSpec {
  format: SegmentFormat;
  /** Include a video track. False gives an audio-only rendition (Twitch `audio_only`). */
  video: boolean;
  /** Include an audio track. */
  audio: boolean;
  width: number;
  height: number;
  fps: number;
  /** Target video bitrate in bits/s. */
  videoBitrate: number;
  audioBitrate: number;
  /** Pad to a constant bitrate (x264 nal-hrd=cbr). Use for benchmarks that need a real bitrate. */
  cbr: boolean;
  segmentSeconds: number;
  /** Distinct segments encoded; the stream cycles through them. */
  poolSize: number;
  /** lavfi video source name, e.g. testsrc2 (live) or smptebars (ads). */
  pattern: string;
  toneHz: number;
}

export const DEFAULT_SEGMENT_SPEC: SegmentSpec = {
  format: 'ts',
  video: true,
  audio: true,
  width: 320,
  height: 180,
  fps: 30,
  videoBitrate: 400_000,
  audioBitrate: 96_000,
  cbr: false,
  segmentSeconds: 2,
  // 4 x 2 s at 48 kHz is exactly 375 AAC frames, so the audio wraps around the cycle cleanly.
  poolSize: 4,
  pattern: 'testsrc2',
  toneHz: 440,
};

export interface PoolSegment {
  data: Buffer;
  /** Duration reported by ffmpeg's playlist, seconds. */
  duration: number;
}

export interface SegmentPool {
  spec: SegmentSpec;
  key: string;
  dir: string;
  /** fMP4 only: the init segment (ftyp+moov). */
  init: Buffer | null;
  segments: PoolSegment[];
  /** Nominal length of one full cycle, seconds (poolSize * segmentSeconds). */
  cycleSeconds: number;
  /** fMP4 only: track_ID -> media timescale, read from the init segment's moov. */
  timescales: Map<number, number>;
}

const GENERATOR_VERSION = 4;

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || '/usr/bin/ffmpeg';
}

export function resolveSpec(partial: Partial<SegmentSpec> = {}): SegmentSpec {
  const spec: SegmentSpec = { ...DEFAULT_SEGMENT_SPEC, ...partial };
  if (!spec.video && !spec.audio) throw new Error('segment spec needs video or audio');
  if (!(spec.segmentSeconds > 0) || !(spec.poolSize >= 1) || !(spec.fps > 0)) throw new Error('bad segment spec');
  if (spec.width % 2 || spec.height % 2) throw new Error('width/height must be even (yuv420p)');
  return spec;
}

export function specKey(spec: SegmentSpec): string {
  const canonical = JSON.stringify(Object.keys(spec).sort().map((k) => [k, spec[k as keyof SegmentSpec]]));
  return createHash('sha256').update(`${GENERATOR_VERSION}|${ffmpegPath()}|${canonical}`).digest('hex').slice(0, 24);
}

function cacheRoot(): string {
  return path.join(os.tmpdir(), 'tapedeck-fake-twitch');
}

const inProcess = new Map<string, Promise<SegmentPool>>();

/** Load (or make, once per machine) the pool for `spec`. Memoised per process. */
export function getSegmentPool(partial: Partial<SegmentSpec> = {}): Promise<SegmentPool> {
  const spec = resolveSpec(partial);
  const key = specKey(spec);
  let p = inProcess.get(key);
  if (!p) {
    p = loadOrGenerate(spec, key);
    inProcess.set(key, p);
    p.catch(() => inProcess.delete(key)); // let a later call retry after a failure
  }
  return p;
}

interface Manifest {
  version: number;
  spec: SegmentSpec;
  init: string | null;
  segments: { file: string; duration: number }[];
}

async function loadOrGenerate(spec: SegmentSpec, key: string): Promise<SegmentPool> {
  const root = cacheRoot();
  const dir = path.join(root, key);
  const cached = await tryLoad(spec, key, dir);
  if (cached) return cached;

  await mkdir(root, { recursive: true });
  const tmp = await mkdtemp(path.join(root, `${key}.tmp-`));
  try {
    await generate(spec, tmp);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process finished first (ENOTEMPTY/EEXIST/EPERM depending on the fs): use theirs.
      const theirs = await tryLoad(spec, key, dir);
      if (theirs) return theirs;
      throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const loaded = await tryLoad(spec, key, dir);
  if (!loaded) throw new Error(`segment pool ${dir} unreadable right after generation`);
  return loaded;
}

async function tryLoad(spec: SegmentSpec, key: string, dir: string): Promise<SegmentPool | null> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
  if (manifest.version !== GENERATOR_VERSION) return null;
  const segments: PoolSegment[] = [];
  for (const s of manifest.segments) {
    segments.push({ data: await readFile(path.join(dir, s.file)), duration: s.duration });
  }
  const init = manifest.init ? await readFile(path.join(dir, manifest.init)) : null;
  return {
    spec,
    key,
    dir,
    init,
    segments,
    cycleSeconds: spec.poolSize * spec.segmentSeconds,
    timescales: init ? readTrackTimescales(init) : new Map(),
  };
}

async function generate(spec: SegmentSpec, dir: string): Promise<void> {
  const total = spec.poolSize * spec.segmentSeconds;
  const gop = Math.round(spec.fps * spec.segmentSeconds);
  const args: string[] = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  if (spec.video) {
    args.push('-f', 'lavfi', '-i', `${spec.pattern}=size=${spec.width}x${spec.height}:rate=${spec.fps}`);
  }
  if (spec.audio) {
    args.push('-f', 'lavfi', '-i', `sine=frequency=${spec.toneHz}:sample_rate=48000`);
  }
  args.push('-t', String(total));
  let input = 0;
  if (spec.video) {
    args.push('-map', `${input++}:v`);
    const kbps = Math.round(spec.videoBitrate / 1000);
    args.push(
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
      '-force_key_frames', `expr:gte(t,n_forced*${spec.segmentSeconds})`,
      '-b:v', `${kbps}k`,
    );
    if (spec.cbr) {
      args.push('-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-x264-params', 'nal-hrd=cbr');
    }
  }
  if (spec.audio) {
    // The AAC encoder prepends one frame of priming (1024 samples) that keeps its own timestamp, so
    // N input samples come out as (N + 1024) / 1024 frames. Feeding one frame less than the pool length
    // makes the audio packets tile the cycle exactly; otherwise the first frame of each repeat would
    // overlap the last frame of the previous one (non-monotonic audio DTS at every wrap).
    const samples = Math.round(total * 48_000) - 1024;
    args.push(
      '-map', `${input++}:a`, '-af', `atrim=end_sample=${samples}`,
      '-c:a', 'aac', '-ar', '48000', '-ac', '2', '-b:a', `${Math.round(spec.audioBitrate / 1000)}k`,
    );
  }
  const ext = spec.format === 'ts' ? 'ts' : 'm4s';
  args.push('-f', 'hls', '-hls_time', String(spec.segmentSeconds), '-hls_list_size', '0', '-hls_playlist_type', 'vod');
  if (spec.format === 'fmp4') {
    args.push('-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4');
  } else {
    args.push('-hls_segment_type', 'mpegts');
  }
  args.push('-hls_segment_filename', path.join(dir, `seg%d.${ext}`), path.join(dir, 'index.m3u8'));

  await runFfmpeg(args);

  const playlist = await readFile(path.join(dir, 'index.m3u8'), 'utf8');
  const segments: { file: string; duration: number }[] = [];
  let pending: number | null = null;
  for (const line of playlist.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXTINF:')) pending = parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending !== null) {
      segments.push({ file: line, duration: pending });
      pending = null;
    }
  }
  if (segments.length < spec.poolSize) {
    throw new Error(`ffmpeg made ${segments.length} segments, expected ${spec.poolSize} (${dir})`);
  }
  const manifest: Manifest = {
    version: GENERATOR_VERSION,
    spec,
    init: spec.format === 'fmp4' ? 'init.mp4' : null,
    segments: segments.slice(0, spec.poolSize),
  };
  // Written last: its presence marks a complete pool.
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ffmpeg (${ffmpegPath()}): ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg failed (code ${code}, signal ${signal}): ${stderr.trim()}`));
    });
  });
}

/** Walk moov/trak boxes of an init segment: track_ID (tkhd) -> timescale (mdhd). */
export function readTrackTimescales(init: Buffer): Map<number, number> {
  const out = new Map<number, number>();
  const moov = findChild(init, 0, init.length, 'moov');
  if (!moov) return out;
  for (const trak of children(init, moov.body, moov.end, 'trak')) {
    const tkhd = findChild(init, trak.body, trak.end, 'tkhd');
    const mdia = findChild(init, trak.body, trak.end, 'mdia');
    const mdhd = mdia && findChild(init, mdia.body, mdia.end, 'mdhd');
    if (!tkhd || !mdhd) continue;
    const tkVersion = init[tkhd.body];
    const trackId = init.readUInt32BE(tkhd.body + 4 + (tkVersion === 1 ? 16 : 8));
    const mdVersion = init[mdhd.body];
    const timescale = init.readUInt32BE(mdhd.body + 4 + (mdVersion === 1 ? 16 : 8));
    out.set(trackId, timescale);
  }
  return out;
}

export interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

export function* children(buf: Buffer, from: number, to: number, type?: string): Generator<Box> {
  let off = from;
  while (off + 8 <= to) {
    let size = buf.readUInt32BE(off);
    const t = buf.toString('latin1', off + 4, off + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(off + 8));
      header = 16;
    } else if (size === 0) {
      size = to - off;
    }
    if (size < header || off + size > to) return; // truncated or corrupt: stop quietly
    if (!type || t === type) yield { type: t, start: off, body: off + header, end: off + size };
    off += size;
  }
}

export function findChild(buf: Buffer, from: number, to: number, type: string): Box | null {
  for (const b of children(buf, from, to, type)) return b;
  return null;
}
