/**
 * Small client-side helpers for tests that drive the fake the way a real client would
 * (GQL token -> usher master -> media playlist), plus ffprobe wrappers to check served media.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PLAYBACK_ACCESS_TOKEN_HASH, TWITCH_WEB_CLIENT_ID } from './gql.ts';
import { ffmpegPath } from './segments-ffmpeg.ts';

/** The persisted-query body streamlink / wubloader send (protocols.md A1). */
export function playbackAccessTokenBody(login: string, hash = PLAYBACK_ACCESS_TOKEN_HASH): object {
  return {
    operationName: 'PlaybackAccessToken',
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    variables: { isLive: true, login, isVod: false, vodID: '', playerType: 'embed', platform: 'site' },
  };
}

export async function postGql(
  gqlUrl: string,
  body: unknown,
  headers: Record<string, string> = { 'Client-ID': TWITCH_WEB_CLIENT_ID },
): Promise<{ status: number; json: any }> {
  const res = await fetch(gqlUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** GQL token -> usher URL with the parameters streamlink sends. */
export async function usherUrlFor(
  fake: { gqlUrl: string; usherUrl: string },
  login: string,
  opts: { v2?: boolean; headers?: Record<string, string>; params?: Record<string, string> } = {},
): Promise<string> {
  const { status, json } = await postGql(fake.gqlUrl, playbackAccessTokenBody(login), {
    'Client-ID': TWITCH_WEB_CLIENT_ID,
    ...opts.headers,
  });
  const tok = json?.data?.streamPlaybackAccessToken;
  if (status !== 200 || !tok) throw new Error(`no token for ${login}: ${status} ${JSON.stringify(json)}`);
  const q = new URLSearchParams({
    player: 'twitchweb',
    p: String(Math.floor(Math.random() * 1e6)),
    type: 'any',
    allow_source: 'true',
    allow_audio_only: 'true',
    allow_spectre: 'false',
    playlist_include_framerate: 'true',
    fast_bread: 'true',
    supported_codecs: 'av1,h265,h264',
    sig: tok.signature,
    token: tok.value,
    ...opts.params,
  });
  return `${fake.usherUrl}/api/${opts.v2 ? 'v2/' : ''}channel/hls/${login}.m3u8?${q}`;
}

export async function getText(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

export async function getBytes(url: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Variant URIs (resolved) of a master playlist, in order, with the preceding STREAM-INF line. */
export function masterVariants(text: string, base: string): { inf: string; media: string | null; url: string }[] {
  const lines = text.split('\n');
  const out: { inf: string; media: string | null; url: string }[] = [];
  let media: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#EXT-X-MEDIA:')) media = lines[i];
    if (lines[i].startsWith('#EXT-X-STREAM-INF:')) {
      out.push({ inf: lines[i], media, url: new URL(lines[i + 1], base).href });
      media = null;
    }
  }
  return out;
}

/** Segment URIs (resolved) of a media playlist, in order. */
export function segmentUrls(text: string, base: string): string[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => new URL(l, base).href);
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function ffprobePath(): string {
  const ff = ffmpegPath();
  return process.env.FFPROBE_PATH || path.join(path.dirname(ff), 'ffprobe');
}

/** Write `buffers` concatenated to a temp file and run fn(file); cleans up after. */
export async function withTempMedia<T>(buffers: Buffer[], ext: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-twitch-probe-'));
  const file = path.join(dir, `media.${ext}`);
  try {
    await writeFile(file, Buffer.concat(buffers));
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ProbeResult {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; start_time?: string }[];
  format: { start_time?: string; duration?: string };
}

export async function ffprobe(file: string): Promise<ProbeResult> {
  const r = await run(ffprobePath(), ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  if (r.code !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

/** Fully decode the file; returns ffmpeg's error output (empty = clean decode). */
export async function decodeErrors(file: string): Promise<string> {
  const r = await run(ffmpegPath(), ['-v', 'error', '-nostdin', '-i', file, '-f', 'null', '-']);
  return r.code === 0 ? r.stderr.trim() : `exit ${r.code}: ${r.stderr.trim()}`;
}

/** key_frame flag and pts_time of the first video frame. */
export async function firstVideoFrame(file: string): Promise<{ keyFrame: boolean; ptsTime: number }> {
  const r = await run(ffprobePath(), [
    '-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1',
    '-show_entries', 'frame=key_frame,pts_time', '-of', 'json', file,
  ]);
  if (r.code !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  const f = (JSON.parse(r.stdout) as { frames: { key_frame: number; pts_time: string }[] }).frames[0];
  return { keyFrame: f.key_frame === 1, ptsTime: Number(f.pts_time) };
}

/** Video packet PTS values (seconds) in file order. */
export async function videoPacketPts(file: string): Promise<number[]> {
  const r = await run(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  if (r.code !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  // csv lines may carry a trailing comma (side data); blank lines separate side-data sections
  return r.stdout.split('\n').map((l) => parseFloat(l)).filter((n) => Number.isFinite(n));
}
