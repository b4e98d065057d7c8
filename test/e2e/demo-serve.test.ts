/**
 * The documented first-run experience: `tapedeck serve --demo` with no Twitch account. The node records
 * the local synthetic stream as channel "demo"; the API shows it up within 15 s and the restreamer's
 * live playlist plays in hls.js in Chromium. Stopping the node leaves no ffmpeg behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { tempDir } from '../helpers/node.ts';

const BIN = fileURLToPath(new URL('../../main/bin/tapedeck.mjs', import.meta.url));
const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let data: string;
let child: ChildProcess;
let output = '';
let base: string;
let loginUrl: string;
let listeningAt: number;
let browser: Browser | undefined;

/** ffmpeg processes whose working directory is inside `dir` (the demo runs ffmpeg in DATA/...). */
function ffmpegsUnder(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (!stat.includes('(ffmpeg)') || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(dir)) out.push(Number(name));
    } catch {
      // exited meanwhile, or not ours to inspect
    }
  }
  return out;
}

before(async () => {
  data = tempDir('tapedeck-demo-e2e-');
  child = spawn(process.execPath, [BIN, 'serve', '--demo', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
  [base, loginUrl] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no login URL within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const b = /listening on (http:\/\/\S+)/.exec(output);
      const l = /(http:\/\/\S+\/login\?code=\S+)/.exec(output);
      if (b && l) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve([b[1]!, l[1]!]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`tapedeck serve exited ${code}:\n${output}`)));
  });
  listeningAt = Date.now();
});

after(async () => {
  await browser?.close();
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
  // The node stopped its recorder and the recorder its demo ffmpeg: nothing keeps running in DATA.
  for (let i = 0; i < 25 && ffmpegsUnder(data).length; i++) await sleep(200);
  const left = ffmpegsUnder(data);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  rmSync(data, { recursive: true, force: true });
  assert.deepEqual(left, [], `ffmpeg left running after the node stopped:\n${output.slice(-3000)}`);
});

test('serve --demo: channel "demo" is up within 15 s of start', async () => {
  const token = readFileSync(join(data, 'api-token'), 'utf8').trim();
  let last: unknown = null;
  while (Date.now() - listeningAt < 15_000) {
    const r = await fetch(`${base}/api/streams`, { headers: { authorization: `Bearer ${token}` } });
    if (r.ok) {
      last = await r.json();
      const demo = (last as { streams: { channel: string; state: string }[] }).streams.find((s) => s.channel === 'demo');
      if (demo?.state === 'up') return;
    } else {
      last = `${r.status} ${await r.text()}`;
    }
    await sleep(500);
  }
  assert.fail(`demo not up 15 s after start; last /api/streams: ${JSON.stringify(last)}\n${output.slice(-3000)}`);
});

test('serve --demo: the live restreamer playlist plays in hls.js', async () => {
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(loginUrl); // sets the session cookie; same origin as the playlist from here on
  await page.addScriptTag({ path: HLS_JS });
  const result = await page.evaluate(async (url) => {
    const Hls = (window as unknown as { Hls: any }).Hls;
    if (!Hls.isSupported()) return { error: 'MSE not supported' };
    const video = document.createElement('video');
    video.muted = true;
    document.body.appendChild(video);
    const hls = new Hls();
    const errors: string[] = [];
    hls.on(Hls.Events.ERROR, (_: unknown, d: { fatal: boolean; details: string }) => { if (d.fatal) errors.push(d.details); });
    hls.loadSource(url);
    hls.attachMedia(video);
    // Fail fast (not hang) when the playlist never loads: a fatal error or 20 s without a manifest.
    const parsed = await new Promise<boolean>((r) => {
      hls.on(Hls.Events.MANIFEST_PARSED, () => r(true));
      hls.on(Hls.Events.ERROR, (_: unknown, d: { fatal: boolean }) => { if (d.fatal) r(false); });
      setTimeout(() => r(false), 20_000);
    });
    if (!parsed) return { error: `manifest not loaded: ${errors.join(', ') || 'timeout'}` };
    await Promise.race([video.play(), new Promise((r) => setTimeout(r, 5000))]);
    // A live recording: it plays in real time, so "past a few seconds" means 4 s of media advanced.
    const t0 = performance.now();
    while (video.currentTime === 0 && performance.now() - t0 < 15_000 && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
    const start = video.currentTime;
    while (video.currentTime - start < 4 && performance.now() - t0 < 30_000 && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
    return {
      advanced: video.currentTime - start, errors, width: video.videoWidth, height: video.videoHeight,
      decoded: (video as any).getVideoPlaybackQuality?.().totalVideoFrames ?? -1,
    };
  }, '/playlist/demo/source.m3u8');
  assert.ok(!('error' in result), JSON.stringify(result));
  const r = result as { advanced: number; errors: string[]; width: number; height: number; decoded: number };
  assert.deepEqual(r.errors, []);
  assert.ok(r.advanced >= 4, `played ${r.advanced} s`);
  assert.deepEqual([r.width, r.height], [1280, 720]);
  assert.ok(r.decoded > 60, `decoded ${r.decoded} frames`);
  await page.close();
});
