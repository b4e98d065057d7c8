/**
 * The desktop window's Content-Security-Policy (main/desktop/web-policy.ts) against a real player:
 * Debian Chromium loads the core's page with the CSP header added exactly as the Electron session does
 * (withCsp on the document response), then hls.js — served from the same origin — plays a restreamer
 * playlist with its blob: worker and MediaSource. Any CSP violation fails the test; an inline script
 * must be blocked, which proves the policy is in force.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { COOKIE_NAME } from '../../main/core/auth/token.ts';
import { contentSecurityPolicy, withCsp } from '../../main/desktop/web-policy.ts';
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

test('hls.js plays under the desktop CSP without a single violation, and inline script is blocked', async () => {
  const origin = new URL(node.url).origin;
  const context = await browser.newContext();
  const page = await context.newPage();
  const csp = contentSecurityPolicy();
  let documentsWithCsp = 0;
  await page.route((u) => u.origin === origin, async (route) => {
    if (route.request().url() === `${origin}/__test/hls.js`) {
      await route.fulfill({ path: HLS_JS, contentType: 'text/javascript; charset=utf-8' });
      return;
    }
    if (route.request().resourceType() !== 'document') {
      await route.continue();
      return;
    }
    // What session.webRequest.onHeadersReceived does in main/electron/security.ts.
    const res = await route.fetch();
    const headers: Record<string, string[]> = {};
    for (const h of res.headersArray()) (headers[h.name] ??= []).push(h.value);
    const merged = withCsp(headers, csp);
    documentsWithCsp++;
    await route.fulfill({ response: res, headers: Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, v.join(', ')])) });
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

  // Signed in the way the desktop shell does it (window.ts signInSession): the token cookie set directly.
  await context.addCookies([{ name: COOKIE_NAME, value: node.token, url: `${origin}/`, httpOnly: true, sameSite: 'Strict' }]);
  const res = await page.goto(`${origin}/`);
  assert.equal(res?.status(), 200);
  assert.equal(documentsWithCsp, 1, 'the console page was served with the CSP');
  await page.waitForLoadState('load');
  assert.deepEqual(await violations(), [], 'the console page itself loads without violations');

  // The policy is really enforced: an inline script does not run.
  const inlineRan = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.head.append(s);
    await new Promise((r) => setTimeout(r, 50));
    return (window as unknown as { __inline?: number }).__inline === 1;
  });
  assert.equal(inlineRan, false);
  const blocked = await violations();
  assert.ok(blocked.some((v) => v.startsWith('script-src')), `expected a script-src violation, got ${JSON.stringify(blocked)}`);
  await page.evaluate(() => void ((window as unknown as { __violations: string[] }).__violations = []));

  const src = `/playlist/${fx.channel}/${fx.quality}.m3u8?start=${encodeURIComponent(fx.startIso(0))}&end=${encodeURIComponent(fx.startIso(18))}`;
  const result = await page.evaluate(async (url) => {
    await new Promise<void>((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/__test/hls.js';
      s.onload = () => resolve();
      s.onerror = () => reject(new Error('hls.js did not load'));
      document.head.append(s);
    });
    const Hls = (window as unknown as { Hls: any }).Hls;
    if (!Hls.isSupported()) return { error: 'MSE not supported' };
    const video = document.createElement('video');
    video.muted = true;
    document.body.appendChild(video);
    const hls = new Hls({ enableWorker: true });
    const errors: string[] = [];
    hls.on(Hls.Events.ERROR, (_: unknown, d: { fatal: boolean; details: string }) => {
      if (d.fatal) errors.push(d.details);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    await new Promise((r) => hls.on(Hls.Events.MANIFEST_PARSED, r));
    video.playbackRate = 4;
    await video.play();
    const t0 = performance.now();
    while (video.currentTime < 6 && performance.now() - t0 < 30_000 && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
    return { currentTime: video.currentTime, errors, mediaSrc: video.src.slice(0, 5) };
  }, src);
  assert.ok(!('error' in result), JSON.stringify(result));
  const r = result as { currentTime: number; errors: string[]; mediaSrc: string };
  assert.deepEqual(r.errors, []);
  assert.equal(r.mediaSrc, 'blob:', 'played through a MediaSource object URL');
  assert.ok(r.currentTime > 6, `played to ${r.currentTime}`);
  assert.deepEqual(await violations(), [], 'no CSP violation during playback (worker, media, XHR)');
  await context.close();
});
