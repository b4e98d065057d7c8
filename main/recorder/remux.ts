/**
 * fMP4 → MPEG-TS at ingest.
 *
 * Decision (DESIGN §4): when an origin serves fragmented MP4 (`EXT-X-MAP`), every fragment is remuxed
 * on arrival, init segment + fragment piped into `ffmpeg -f mp4 -i pipe:0 -c copy -f mpegts`, and only
 * the resulting TS is stored. Why not store init+fragment as wubloader does (it prepends the map):
 * - the store stays one format: restreamer playlists, hls.js, rough cuts (plain byte concatenation),
 *   waveform/frame extraction and wubloader peers all assume MPEG-TS `.ts` segments;
 * - each TS segment is independently playable and concatenation-friendly: `-copyts` keeps the
 *   fragment's own decode times (tfdt), so consecutive segments continue each other's timestamps
 *   exactly like Twitch's TS segments do, and `-muxdelay 0 -muxpreload 0` adds no offset;
 * - `-c copy` never re-encodes (cheap: one short-lived process per 2 s segment, no quality loss) and is
 *   deterministic, so two nodes remuxing the same fragment get the same bytes and the same hash.
 * The stored hash is of the TS bytes (what is on disk), as the store requires.
 * A cut-off fragment is remuxed as far as ffmpeg gets (`salvage`), giving a shorter but valid partial.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { ffmpegPaths } from '../media/ffmpeg/resolve.ts';
import { Semaphore } from './util.ts';

/** At most this many remuxes at once per process (a backlog must not fork-bomb a busy machine). */
const slots = new Semaphore(Math.max(2, availableParallelism()));

export class RemuxError extends Error {}

export const REMUX_ARGS = [
  '-hide_banner', '-nostdin', '-loglevel', 'error',
  '-f', 'mp4', '-i', 'pipe:0',
  '-map', '0', '-c', 'copy', '-copyts', '-muxdelay', '0', '-muxpreload', '0',
  '-f', 'mpegts', 'pipe:1',
];

/**
 * Remux init + fragment to MPEG-TS. With `salvage`, output produced before an error is returned
 * (possibly empty) instead of throwing.
 */
export async function remuxFmp4ToTs(init: Buffer, fragment: Buffer, opts: { salvage?: boolean; signal?: AbortSignal } = {}): Promise<Buffer> {
  const release = await slots.acquire();
  try {
    return await remuxOnce(init, fragment, opts);
  } finally {
    release();
  }
}

function remuxOnce(init: Buffer, fragment: Buffer, opts: { salvage?: boolean; signal?: AbortSignal }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new RemuxError('aborted'));
      return;
    }
    const child = spawn(ffmpegPaths().ffmpeg, REMUX_ARGS, { stdio: ['pipe', 'pipe', 'pipe'], signal: opts.signal });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    child.stdin.on('error', () => {}); // EPIPE if ffmpeg gives up early; the exit code tells
    child.on('error', (e) => reject(new RemuxError(`cannot run ffmpeg: ${e.message}`)));
    child.on('close', (code) => {
      const ts = Buffer.concat(out);
      if (code === 0 && ts.length > 0) resolve(ts);
      else if (opts.salvage) resolve(ts);
      else reject(new RemuxError(`ffmpeg remux failed (exit ${code}): ${err.trim() || 'no output'}`));
    });
    child.stdin.write(init);
    child.stdin.end(fragment);
  });
}
