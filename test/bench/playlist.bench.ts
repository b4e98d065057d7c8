/**
 * npm run bench:playlist — 12 hours of 2-second segments (21,600 files) in a synthetic store, served
 * by a freshly started `tapedeck serve` process. Prints JSON: cold (first request after start) and warm
 * (median of repeated requests) latency of the full 12-hour media playlist and of one hour listing.
 * Targets on a 2-core machine: warm <= 50 ms, cold <= 400 ms.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { formatHour, segmentFilename, US_PER_SECOND } from '../../main/media/segments/names.ts';

const HOURS = 12;
const SEG = 2;
const BIN = fileURLToPath(new URL('../../main/bin/tapedeck.mjs', import.meta.url));

function buildStore(root: string, start: number): number {
  let n = 0;
  for (let t = start; t < start + HOURS * 3600 * US_PER_SECOND; t += SEG * US_PER_SECOND) {
    const dir = join(root, 'bench', 'source', formatHour(t));
    if (n % 1800 === 0) mkdirSync(dir, { recursive: true });
    const data = Buffer.from(`segment ${n}`);
    writeFileSync(join(dir, segmentFilename(t, SEG, 'full', hashBytes(data))), data);
    n++;
  }
  return n;
}

async function timed(url: string, token: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await r.arrayBuffer();
  return { ms: performance.now() - t0, bytes: body.byteLength, status: r.status };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const data = mkdtempSync(join(tmpdir(), 'tapedeck-bench-'));
  const start = Date.UTC(2026, 10, 1, 0, 0, 0) * 1000;
  const t0 = performance.now();
  const files = buildStore(join(data, 'segments'), start);
  const buildMs = performance.now() - t0;
  const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(out)));
  });
  const token = (await import('node:fs')).readFileSync(join(data, 'api-token'), 'utf8').trim();
  const iso = (us: number) => new Date(us / 1000).toISOString();
  const playlist = `${base}/playlist/bench/source.m3u8?start=${iso(start)}&end=${iso(start + HOURS * 3600 * US_PER_SECOND)}`;
  const hourUrl = `${base}/files/bench/source/${formatHour(start + 5 * 3600 * US_PER_SECOND)}`;
  const coldPlaylist = await timed(playlist, token);
  const coldHour = await timed(hourUrl, token);
  const warmP: number[] = [];
  const warmH: number[] = [];
  for (let i = 0; i < 25; i++) {
    warmP.push((await timed(playlist, token)).ms);
    warmH.push((await timed(hourUrl, token)).ms);
  }
  child.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
  const result = {
    benchmark: 'playlist',
    segments: files,
    store_build_ms: Math.round(buildMs),
    playlist_bytes: coldPlaylist.bytes,
    playlist_status: coldPlaylist.status,
    playlist_cold_ms: +coldPlaylist.ms.toFixed(1),
    playlist_warm_median_ms: +median(warmP).toFixed(1),
    playlist_warm_max_ms: +Math.max(...warmP).toFixed(1),
    hour_listing_cold_ms: +coldHour.ms.toFixed(1),
    hour_listing_warm_median_ms: +median(warmH).toFixed(1),
    targets: { warm_ms: 50, cold_ms: 400 },
    meets_targets: median(warmP) <= 50 && coldPlaylist.ms <= 400 && median(warmH) <= 50 && coldHour.ms <= 400,
  };
  console.log(JSON.stringify(result, null, 2));
}

await main();
