/**
 * The operator UI at marathon scale, in Debian Chromium: 72 hours of 2-second segments for 5 channels
 * (648,000 files, synthetic, with the last hour of one channel real media).
 *
 *  - The streams screen stays responsive because of how it asks: every coverage request asks for at
 *    most one bucket per pixel of its bar (never more than the screen is wide), and nothing lists
 *    segments or fetches a playlist longer than what is on screen. Asserted structurally, on every
 *    request the page makes, for the default 24-hour and the 72-hour windows.
 *  - Measured and printed as one JSON line (not asserted; targets in the issue): opening an event with a
 *    one-hour window to the first decoded frame (target ≤ 1.5 s), the one-hour waveform (≤ 2 s), and
 *    the streams screen's time to draw every coverage bar.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Request } from 'playwright-core';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch/index.ts';
import { isoOf } from '../fixtures/segments.ts';
import { apiJson } from '../helpers/events.ts';
import { tempDir, type TestNode } from '../helpers/node.ts';
import { buildSyntheticStore } from '../helpers/ui-store.ts';
import { launchChromium, openApp, shot, startUiNode, until, VIEWPORT } from '../helpers/ui.ts';

const S = 1_000_000;
const CHANNELS = ['ch1', 'ch2', 'ch3', 'ch4', 'ch5'];
const HOURS = 72;
let dataDir: string;
let tw: FakeTwitch;
let node: TestNode;
let browser: Browser;
let end = 0;
const measured: Record<string, unknown> = { e2e: 'ui-scale', channels: CHANNELS.length, hours: HOURS };

before(async () => {
  dataDir = tempDir('tapedeck-ui-scale-');
  end = Math.floor(Date.now() * 1000 / (2 * S)) * 2 * S - 4 * S;
  const t0 = performance.now();
  measured.segments = buildSyntheticStore(dataDir, { channels: CHANNELS, hours: HOURS, end, real: { channel: 'ch1', minutes: 65 } });
  measured.store_build_ms = Math.round(performance.now() - t0);
  // The channels exist on the (fake) Twitch but are offline: the recorder runs and reports them down.
  tw = await startFakeTwitch({ channels: Object.fromEntries(CHANNELS.map((c) => [c, { online: false }])) });
  node = await startUiNode({
    dataDir,
    config: {
      channels: CHANNELS.map((name) => ({ name, important: false })),
      twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash },
    },
  });
  browser = await launchChromium();
});
after(async () => {
  console.log(JSON.stringify(measured));
  await browser?.close();
  await node?.cleanup();
  await tw?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Seen { url: URL; request: Request }

test('streams screen with 72 h x 5 channels: one coverage request per bar, at most one bucket per pixel, no segment listings', async () => {
  const { context, page, errors } = await openApp(browser, node, '#/events');
  const seen: Seen[] = [];
  page.on('request', (request) => seen.push({ url: new URL(request.url()), request }));
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) w.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  });
  try {
    const drawn = async () => {
      const counts = await page.evaluate(() => [...document.querySelectorAll('canvas[data-testid^="coverage-"]')].map((c) => Number(c.getAttribute('data-span'))));
      return counts.length === CHANNELS.length && counts.every((n) => n === 24 * 3600 * S);
    };
    // Load the app fresh on the streams screen and time the five coverage bars.
    let t0 = Date.now();
    await page.goto(`${node.url}/#/streams`);
    await page.reload();
    await until(drawn, 'five coverage bars (24 h)', 240_000, 50);
    measured.streams_24h_all_bars_ms = Date.now() - t0;
    const firstCoverage = seen.filter((s) => s.url.pathname.startsWith('/api/coverage/'));
    assert.equal(new Set(firstCoverage.map((s) => s.url.pathname)).size, CHANNELS.length, 'one coverage URL per channel');

    // Widen to 72 hours: the bars are asked again, still one bucket per pixel at most.
    t0 = Date.now();
    await page.getByTestId('coverage-window').selectOption('72');
    // Drawn = every bar shows an answer for the 72-hour span (a slow answer is waited for across the 15-s refresh).
    await until(() => page.evaluate((span) => {
      const bars = [...document.querySelectorAll('canvas[data-testid^="coverage-"]')];
      return bars.length === 5 && bars.every((c) => Number(c.getAttribute('data-span')) === span);
    }, HOURS * 3600 * S), 'five 72 h coverage bars drawn', 240_000, 100);
    measured.streams_72h_all_bars_ms = Date.now() - t0;
    await shot(page, 'streams-72h');

    const bars = await page.evaluate(() => [...document.querySelectorAll('canvas[data-testid^="coverage-"]')].map((c) => Math.round(c.getBoundingClientRect().width)));
    const widest = Math.max(...bars);
    let coverageBytes = 0;
    for (const { url, request } of seen) {
      const p = url.pathname;
      if (p.startsWith('/api/coverage/')) {
        const n = Number(url.searchParams.get('buckets'));
        assert.ok(n >= 1 && n <= widest && n <= VIEWPORT.width, `coverage asks for ${n} buckets; bars are ${widest} px wide in a ${VIEWPORT.width} px window`);
        const span = Date.parse(url.searchParams.get('end')!) - Date.parse(url.searchParams.get('start')!);
        assert.ok(span <= HOURS * 3600_000 + 60_000, `a coverage request covers at most the window (${span} ms)`);
        const r = await request.response();
        if (r) coverageBytes = Math.max(coverageBytes, (await r.body()).length);
      }
      assert.ok(!/^\/files\/[^/]+\/[^/]+\/[^/]+/.test(p), `no hour listing is fetched: ${p}`);
      if (p.startsWith('/playlist/')) {
        const s = url.searchParams.get('start');
        const e = url.searchParams.get('end');
        assert.ok(s, `a playlist request is bounded: ${url.search}`);
        const from = Date.parse(s);
        const to = e ? Date.parse(e) : Date.now();
        assert.ok(to - from <= 30 * 60_000, `the live player asks for minutes, not hours: ${url.search}`);
      }
    }
    assert.ok(coverageBytes > 0 && coverageBytes < 100_000, `a coverage answer is small (${coverageBytes} bytes)`);
    measured.coverage_max_response_bytes = coverageBytes;
    measured.coverage_buckets = [...new Set(seen.filter((s) => s.url.pathname.startsWith('/api/coverage/')).map((s) => Number(s.url.searchParams.get('buckets'))))];
    measured.requests_on_streams_screen = seen.length;
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    measured.streams_longest_main_thread_task_ms = Math.round(Math.max(0, ...longTasks));
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no page errors');
  } finally {
    await context.close();
  }
});

test('an event with a one-hour window: time to the first decoded frame and to the waveform (measured)', async () => {
  const start = end - 61 * 60 * S;
  const created = await apiJson<{ event: { id: string } }>(node, '/api/db/events', 'POST', { channel: 'ch1', start: isoOf(start), end: isoOf(start + 3600 * S) });
  assert.equal(created.status, 201, `create: ${JSON.stringify(created.body)}`);
  const id = created.body.event.id;
  const { context, page } = await openApp(browser, node, '#/events');
  const timings: Record<string, number> = {};
  page.on('requestfinished', (r) => {
    const p = new URL(r.url()).pathname;
    const t = r.timing();
    const kind = p.startsWith('/waveform/') ? 'waveform' : p.startsWith('/playlist/') ? 'playlist' : null;
    if (kind && !(kind in timings)) timings[kind] = Math.round(t.responseEnd);
  });
  try {
    const t0 = Date.now();
    await page.goto(`${node.url}/#/editor/${id}`);
    await page.getByTestId('first-frame-ms').waitFor({ timeout: 30_000 });
    measured.first_frame_ms = Number(await page.getByTestId('first-frame-ms').getAttribute('data-ms'));
    measured.first_frame_from_navigation_ms = Date.now() - t0;
    const wave = page.getByTestId('waveform');
    await until(() => wave.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the waveform image', 60_000, 50);
    measured.waveform_1h_from_navigation_ms = Date.now() - t0;
    await until(() => 'waveform' in timings, 'the waveform request timing', 10_000, 50);
    measured.waveform_1h_request_ms = timings.waveform;
    measured.playlist_1h_request_ms = timings.playlist;
    const src = await wave.getAttribute('src');
    const q = new URL(src!, node.url).searchParams;
    const span = Date.parse(q.get('end')!) - Date.parse(q.get('start')!);
    assert.ok(span >= 3600_000 && span <= 3600_000 + 5 * 60_000, `the waveform covers the event's hour plus padding (${span} ms)`);
    // The same hour again from the server (cached or not, as the route decides).
    const w0 = performance.now();
    const again = await node.get(src!);
    assert.equal(again.status, 200, 'the waveform route answers');
    await again.arrayBuffer();
    measured.waveform_1h_repeat_ms = Math.round(performance.now() - w0);
    assert.ok(measured.first_frame_ms as number > 0, 'the editor measured its first frame');
    await shot(page, 'editor-one-hour');
  } finally {
    await context.close();
  }
});
