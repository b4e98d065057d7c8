/**
 * A real client plays what we serve: hls.js in Debian Chromium loads the restreamer media playlist
 * (through the login-link cookie, same origin) and plays past 10 seconds of media time.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestNode, tempDir, type TestNode } from '../helpers/node.ts';

const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

let node: TestNode;
let fx: FixtureStore;
let browser: Browser;

before(async () => {
  const dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 30 });
  node = await startTestNode({ dataDir });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await node?.cleanup();
});

test('hls.js plays /playlist/<ch>/<q>.m3u8 past 10 s of media time', async () => {
  const page = await browser.newPage();
  await page.goto(node.loginUrl());
  await page.addScriptTag({ path: HLS_JS });
  const src = `/playlist/${fx.channel}/${fx.quality}.m3u8?start=${encodeURIComponent(fx.startIso(0))}&end=${encodeURIComponent(fx.startIso(18))}`;
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
    await new Promise((r) => hls.on(Hls.Events.MANIFEST_PARSED, r));
    video.playbackRate = 4;
    await video.play();
    const t0 = performance.now();
    while (video.currentTime < 10.5 && performance.now() - t0 < 30_000 && errors.length === 0) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return { currentTime: video.currentTime, errors, width: video.videoWidth, decoded: (video as any).getVideoPlaybackQuality?.().totalVideoFrames ?? -1 };
  }, src);
  assert.deepEqual((result as { errors?: string[] }).errors ?? [], []);
  assert.ok(!('error' in result), JSON.stringify(result));
  const r = result as { currentTime: number; width: number; decoded: number };
  assert.ok(r.currentTime > 10, `played to ${r.currentTime}`);
  assert.equal(r.width, 320);
  assert.ok(r.decoded > 200, `decoded ${r.decoded} frames`);
  await page.close();
});
