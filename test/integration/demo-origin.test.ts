/**
 * The --demo live source: real ffmpeg in real time behind a loopback HTTP server. Small picture (the
 * suite shares 2 cores) and a 3-segment window so the playlist slides within seconds.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ffmpegPaths } from '../../main/media/ffmpeg/resolve.ts';
import { startDemoOrigin, type DemoOrigin } from '../../main/recorder/demo/index.ts';
import { tempDir } from '../helpers/node.ts';

const DEMO_MODULE = fileURLToPath(new URL('../../main/recorder/demo/index.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Entry { uri: string; duration: number; pdt: number }
interface Playlist { sequence: number; targetDuration: number; entries: Entry[]; text: string }

function parsePlaylist(text: string): Playlist {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  assert.equal(lines[0], '#EXTM3U');
  let sequence = NaN;
  let targetDuration = NaN;
  let duration = NaN;
  let pdt = NaN;
  const entries: Entry[] = [];
  for (const l of lines) {
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = Number(l.slice(22));
    else if (l.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(l.slice(22));
    else if (l.startsWith('#EXTINF:')) duration = Number.parseFloat(l.slice(8));
    else if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      const v = l.slice(25);
      // strict RFC 3339 with Z, as the origin promises after normalizing ffmpeg's "+0000"
      assert.match(v, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      pdt = Date.parse(v);
    } else if (!l.startsWith('#')) {
      entries.push({ uri: l, duration, pdt });
      duration = NaN;
      pdt = NaN;
    }
  }
  return { sequence, targetDuration, entries, text };
}

async function getPlaylist(url: string): Promise<Playlist> {
  const r = await fetch(url);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  return parsePlaylist(await r.text());
}

async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** pid -> [ppid, comm, state] of every process, from /proc. */
function processTable(): Map<number, { ppid: number; comm: string; state: string }> {
  const out = new Map<number, { ppid: number; comm: string; state: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const rest = stat.slice(close + 2).split(' ');
      out.set(Number(name), { comm: stat.slice(stat.indexOf('(') + 1, close), state: rest[0]!, ppid: Number(rest[1]) });
    } catch {
      // exited while listing
    }
  }
  return out;
}

const running = (pid: number) => {
  const p = processTable().get(pid);
  return !!p && p.state !== 'Z';
};
const ourFfmpegChildren = () => [...processTable()].filter(([, p]) => p.ppid === process.pid && p.comm === 'ffmpeg' && p.state !== 'Z');

function probe(path: string): { duration: number; streams: { codec_type: string; codec_name: string; width?: number; height?: number }[] } {
  const r = spawnSync(ffmpegPaths().ffprobe, ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { format: { duration: string }; streams: { codec_type: string; codec_name: string; width?: number; height?: number }[] };
  return { duration: Number(j.format.duration), streams: j.streams };
}

/** Decode every frame (catches a truncated or corrupt segment that ffprobe's header read would miss). */
function decodes(path: string): void {
  const r = spawnSync(ffmpegPaths().ffmpeg, ['-v', 'error', '-xerror', '-i', path, '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `decode failed: ${r.stderr}`);
}

test('demo origin: sliding live playlist with PDT, decodable 2 s segments, restart after a crash, clean close', async () => {
  const parent = tempDir('tapedeck-demo-');
  const dir = join(parent, 'origin'); // does not exist yet: startDemoOrigin creates it, close() removes it
  const logs: string[] = [];
  const origin: DemoOrigin = await startDemoOrigin({ dir, width: 320, height: 180, fps: 15, listSize: 3, log: (l) => logs.push(l) });
  try {
    assert.match(origin.url, /^http:\/\/127\.0\.0\.1:\d+\/live\.m3u8$/);
    const first = await getPlaylist(origin.url);
    assert.equal(first.targetDuration, 2);
    assert.ok(first.entries.length >= 1);

    // It slides: the window keeps 3 segments, the sequence advances, old segments get deleted.
    const slid = await waitFor('the playlist to slide by 2 segments', 25_000, async () => {
      const p = await getPlaylist(origin.url);
      return p.sequence >= first.sequence + 2 && p;
    });
    assert.equal(slid.entries.length, 3);
    assert.equal(slid.entries[0]!.uri, `demo-${slid.sequence}.ts`);
    const gone = await fetch(new URL(first.entries[0]!.uri, origin.url));
    assert.equal(gone.status, 404, 'a segment two positions out of the window is deleted');

    // PDT on every segment, contiguous (each starts where the previous ended), close to the wall clock.
    for (const [i, e] of slid.entries.entries()) {
      assert.ok(Number.isFinite(e.pdt), `segment ${i} has a PROGRAM-DATE-TIME:\n${slid.text}`);
      assert.ok(Math.abs(e.duration - 2) < 0.05, `EXTINF ${e.duration}`);
      if (i > 0) {
        const prev = slid.entries[i - 1]!;
        assert.ok(Math.abs(e.pdt - (prev.pdt + prev.duration * 1000)) <= 2, `PDT gap between ${prev.uri} and ${e.uri}`);
      }
    }
    const lastEnd = slid.entries.at(-1)!.pdt + 2000;
    assert.ok(Math.abs(Date.now() - lastEnd) < 30_000, `PDT ${new Date(lastEnd).toISOString()} is wall-clock time`);

    // Each segment is a complete, independently decodable ~2 s H.264 + AAC MPEG-TS file.
    const scratch = tempDir('tapedeck-demo-seg-');
    try {
      for (const e of slid.entries) {
        const r = await fetch(new URL(e.uri, origin.url));
        if (r.status === 404) continue; // slid out while we were probing the previous ones
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'video/mp2t');
        const file = join(scratch, e.uri);
        writeFileSync(file, Buffer.from(await r.arrayBuffer()));
        const info = probe(file);
        assert.ok(Math.abs(info.duration - 2) < 0.15, `${e.uri} lasts ${info.duration} s`);
        const video = info.streams.find((s) => s.codec_type === 'video');
        assert.equal(video?.codec_name, 'h264');
        assert.deepEqual([video?.width, video?.height], [320, 180]);
        assert.equal(info.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
        decodes(file);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }

    // Only the playlist and segment names are served.
    for (const path of ['/.ffmpeg.pid', '/.overlay.txt', '/..%2f..%2fetc%2fpasswd', '/live.m3u8.tmp', '/x/demo-1.ts']) {
      const r = await fetch(new URL(path, origin.url));
      assert.equal(r.status, 404, path);
    }
    assert.equal((await fetch(origin.url, { method: 'POST' })).status, 405);

    // ffmpeg dies: it is restarted and the stream goes on with higher sequence numbers.
    const oldPid = origin.encoderPid!;
    assert.ok(oldPid > 0 && running(oldPid));
    const before = await getPlaylist(origin.url);
    process.kill(oldPid, 'SIGKILL');
    await waitFor('a new ffmpeg', 10_000, async () => origin.encoderPid !== undefined && origin.encoderPid !== oldPid);
    const after = await waitFor('the restarted stream to publish', 20_000, async () => {
      const p = await getPlaylist(origin.url);
      return p.sequence > before.sequence + before.entries.length - 1 && p.entries.every((e) => !before.entries.some((b) => b.uri === e.uri)) && p;
    });
    assert.ok(after.entries.every((e) => Number.isFinite(e.pdt)));
    assert.ok(logs.some((l) => /exited .*SIGKILL.*restarting/.test(l)), logs.join('\n'));
    assert.equal(ourFfmpegChildren().length, 1);
  } finally {
    const pid = origin.encoderPid;
    await origin.close();
    // close() leaves no ffmpeg behind, stops serving and removes what it wrote (it created `dir`).
    if (pid) assert.equal(running(pid), false, `ffmpeg ${pid} still running after close()`);
    assert.deepEqual(ourFfmpegChildren(), []);
    await assert.rejects(fetch(origin.url));
    assert.equal(existsSync(dir), false);
    rmSync(parent, { recursive: true, force: true });
  }
});

test('demo origin: an ffmpeg orphaned by a kill -9 of its node is stopped by the next start', async () => {
  const dir = tempDir('tapedeck-demo-orphan-');
  // A separate "node" process that starts the demo origin and reports its ffmpeg pid.
  const script = `const m = await import(${JSON.stringify(DEMO_MODULE)});
    const o = await m.startDemoOrigin({ dir: ${JSON.stringify(dir)}, width: 160, height: 90, fps: 10, listSize: 3, log: () => {} });
    console.log(JSON.stringify({ pid: o.encoderPid }));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const orphanPid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (s: string) => {
      out += s;
      const m = /\{"pid":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await sleep(300);
  assert.ok(running(orphanPid), 'the orphaned ffmpeg outlives its parent (this is what the next start must clean up)');

  const logs: string[] = [];
  const origin = await startDemoOrigin({ dir, width: 160, height: 90, fps: 10, listSize: 3, log: (l) => logs.push(l) });
  try {
    assert.equal(running(orphanPid), false, 'the leftover ffmpeg was stopped');
    assert.ok(logs.some((l) => l.includes(`pid ${orphanPid}`)), logs.join('\n'));
    assert.equal((await getPlaylist(origin.url)).entries.length >= 1, true);
  } finally {
    await origin.close();
    if (running(orphanPid)) process.kill(orphanPid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
