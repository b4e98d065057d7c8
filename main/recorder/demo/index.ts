/**
 * `tapedeck serve --demo`: a synthetic live stream made locally by ffmpeg, so someone without a Twitch
 * account (or without network) sees the whole product work: recording, scrubbing, cutting.
 *
 * startDemoOrigin() runs ffmpeg in real time (test pattern with the UTC wall clock burnt in, beeping
 * tone, H.264 + AAC, 2-second segments with PROGRAM-DATE-TIME) into a live HLS playlist in `dir`, serves
 * that directory on 127.0.0.1 (random port) and returns the media playlist URL, which the recorder
 * records through its generic HLS provider as channel DEMO_CHANNEL. ffmpeg is restarted if it dies;
 * close() stops it and removes what it wrote.
 */
import { existsSync, mkdirSync, promises as fsp, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ffmpegPaths } from '../../media/ffmpeg/resolve.ts';
import {
  defaultVideoBitrate, demoFfmpegArgs, findOverlayFont, hasDrawtext, OVERLAY_TEXT, OVERLAY_TEXT_FILE, PLAYLIST_NAME,
} from './ffmpeg-args.ts';
import { startHttpOrigin } from './http-origin.ts';
import { KeptProcess, killStale, type ExitInfo } from './kept-process.ts';

/** The channel name the recorder uses for the demo stream. */
export const DEMO_CHANNEL = 'demo';

export interface DemoOriginOptions {
  /** working directory for the live window (created if missing; only ~listSize segments at a time) */
  dir: string;
  width?: number;
  height?: number;
  fps?: number;
  segmentSeconds?: number;
  /** segments in the sliding playlist (default 10) */
  listSize?: number;
  /** where restarts and errors are reported (default console.error) */
  log?: (line: string) => void;
  /** how long to wait for ffmpeg's first playlist before giving up (default 30 s) */
  startTimeoutMs?: number;
}

export interface DemoOrigin {
  /** the live media playlist, http://127.0.0.1:PORT/live.m3u8 */
  url: string;
  /** pid of the current ffmpeg (changes when it is restarted; undefined while restarting) */
  readonly encoderPid: number | undefined;
  close(): Promise<void>;
}

export class DemoOriginError extends Error {}

const PID_FILE = '.ffmpeg.pid';
/** Everything ffmpeg writes here: the playlist, segments and their temp_file names. */
const OUR_FILE_RE = /^(?:demo-\d+\.ts|live\.m3u8)(?:\.tmp)?$/;
/** Leftover segments of a dead ffmpeg are swept once this old (the live window itself is ~20 s). */
const SWEEP_AGE_MS = 60_000;

function removeOurFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (OUR_FILE_RE.test(name) || name === OVERLAY_TEXT_FILE || name === PID_FILE) rmSync(join(dir, name), { force: true });
  }
}

/**
 * ffmpeg's delete_segments only deletes what that ffmpeg wrote; a killed ffmpeg leaves its window (and
 * maybe a .tmp) behind. Delete our files that the current playlist no longer lists, once old enough
 * that no client can still be fetching them.
 */
async function sweep(dir: string): Promise<void> {
  let listed = new Set<string>();
  try {
    const text = await fsp.readFile(join(dir, PLAYLIST_NAME), 'utf8');
    listed = new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  } catch {
    return; // no playlist right now: nothing to compare with, try next time
  }
  const now = Date.now();
  for (const name of await fsp.readdir(dir)) {
    if (!OUR_FILE_RE.test(name) || name.startsWith(PLAYLIST_NAME) || listed.has(name)) continue;
    try {
      const st = await fsp.stat(join(dir, name));
      if (now - st.mtimeMs > SWEEP_AGE_MS) await fsp.rm(join(dir, name), { force: true });
    } catch {
      // deleted meanwhile by ffmpeg
    }
  }
}

function describeExit(info: ExitInfo, ffmpeg: string): string {
  if ((info.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return `ffmpeg not found (${ffmpeg}); install ffmpeg or set FFMPEG_PATH`;
  }
  const how = info.error ? info.error.message : info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
  return `ffmpeg ${how}${info.stderrTail ? `: ${info.stderrTail.slice(-1500)}` : ''}`;
}

/** Resolve when ffmpeg has published its first playlist; reject if it dies first or takes too long. */
function firstPlaylist(dir: string, proc: KeptProcess, ffmpeg: string, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const finish = (err?: Error) => {
      clearInterval(poll);
      off();
      if (err) reject(err);
      else resolvePromise();
    };
    const off = proc.onExit((info) => finish(new DemoOriginError(`The demo stream could not start: ${describeExit(info, ffmpeg)}`)));
    const poll = setInterval(() => {
      if (existsSync(join(dir, PLAYLIST_NAME))) finish();
      else if (Date.now() - started > timeoutMs) {
        finish(new DemoOriginError(`The demo stream could not start: ffmpeg wrote no playlist within ${timeoutMs / 1000} s`));
      }
    }, 100);
  });
}

export async function startDemoOrigin(opts: DemoOriginOptions): Promise<DemoOrigin> {
  const dir = resolve(opts.dir);
  const width = opts.width ?? 1280;
  const height = opts.height ?? 720;
  const fps = opts.fps ?? 30;
  const segmentSeconds = opts.segmentSeconds ?? 2;
  const listSize = opts.listSize ?? 10;
  const log = opts.log ?? ((line: string) => console.error(line));
  for (const [k, v] of Object.entries({ width, height, fps, segmentSeconds, listSize })) {
    if (!Number.isInteger(v) || v <= 0) throw new DemoOriginError(`demo origin: ${k} must be a positive integer, got ${v}`);
  }
  if (width % 2 || height % 2) throw new DemoOriginError('demo origin: width and height must be even (yuv420p)');

  const createdDir = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, PID_FILE);
  const { ffmpeg } = ffmpegPaths();
  // A previous node killed with -9 leaves its ffmpeg running and writing here: stop it first.
  const stale = await killStale(pidFile, dir, basename(ffmpeg).replace(/\.exe$/i, '').slice(0, 15));
  if (stale) log(`[demo] stopped a leftover ffmpeg (pid ${stale}) from a previous run`);
  removeOurFiles(dir);

  const fontFile = hasDrawtext(ffmpeg) ? findOverlayFont() : null;
  if (!fontFile) log('[demo] no drawtext filter or font available: the demo picture will have no clock');
  else writeFileSync(join(dir, OVERLAY_TEXT_FILE), OVERLAY_TEXT);
  const args = demoFfmpegArgs({
    width, height, fps, segmentSeconds, listSize, videoBitrate: defaultVideoBitrate(width, height, fps), fontFile,
  });

  const http = await startHttpOrigin(dir);
  const proc = new KeptProcess({ name: 'demo ffmpeg', command: ffmpeg, args, cwd: dir, pidFile, log });
  let sweeper: NodeJS.Timeout | null = null;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (sweeper) clearInterval(sweeper);
    await proc.stop();
    await http.close();
    removeOurFiles(dir);
    if (createdDir) {
      try {
        rmdirSync(dir); // only if empty: never delete anything we did not write
      } catch {
        // not empty or already gone
      }
    }
  };

  proc.start();
  try {
    await firstPlaylist(dir, proc, ffmpeg, opts.startTimeoutMs ?? 30_000);
  } catch (e) {
    await close();
    throw e;
  }
  sweeper = setInterval(() => void sweep(dir).catch(() => {}), 10_000);
  sweeper.unref();
  return {
    url: `http://127.0.0.1:${http.port}/${PLAYLIST_NAME}`,
    get encoderPid() {
      return proc.pid;
    },
    close,
  };
}

export { normalizeProgramDateTime } from './http-origin.ts';
