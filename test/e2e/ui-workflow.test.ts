/**
 * The operator UI end to end (issue 6), in Debian Chromium against a real node (recorder, cutter and
 * playlist sync as worker processes) recording the fake Twitch and publishing to the fake YouTube:
 *
 *  - Settings: connect a YouTube account through the consent page in a new tab, upload a thumbnail
 *    template and preview it on a recorded frame, put a YouTube playlist under tag sync.
 *  - record → mark on the streams screen → editor → two ranges with a fade → template thumbnail →
 *    submit → the progress bar moves → DONE with the YouTube link → the video is in its playlist.
 *  - a keyboard-only editor run (no mouse event after the page load).
 *  - unsaved editor changes survive a reload.
 *  - a stale edit from a second browser produces the conflict dialog.
 *  - a tombstoned segment vanishes from the playlist and from a new cut.
 *  - a revoked YouTube grant: the reconnect banner and status, and reconnecting from the settings screen.
 *  - an important channel going down raises the banner on every screen.
 * Screenshots of every main screen go to test-artifacts/screens/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StreamStatus } from '../../main/recorder/index.ts';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch/index.ts';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { isoOf } from '../fixtures/segments.ts';
import { apiJson, createAndSubmit, createEvent } from '../helpers/events.ts';
import type { TestNode } from '../helpers/node.ts';
import { launchChromium, loadedSize, makePng, openApp, setTime, setTwoRangesWithFade, shot, sleep, startUiNode, storedSegments, until } from '../helpers/ui.ts';
import { fakeConfig } from '../integration/youtube-fixture.ts';

const S = 1_000_000;
const PREFIX = 'E2E - ';
let tw: FakeTwitch;
let yt: FakeYouTube;
let node: TestNode;
let browser: Browser;
let playlistId = '';

type Ev = Record<string, unknown> & { id: string; revision: number; state: string };
const getEvent = async (id: string) => (await apiJson<{ event: Ev }>(node, `/api/db/events/${id}`, 'GET')).body.event;
const usOf = (iso: unknown) => {
  const s = String(iso);
  return Math.floor(Date.parse(s) / 1000) * S + Number((/\.(\d+)/.exec(s)?.[1] ?? '').padEnd(6, '0').slice(0, 6));
};
const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent({ timeout: 5000 })) ?? '';

before(async () => {
  tw = await startFakeTwitch({ channels: { alpha: { windowSize: 30 }, beta: { windowSize: 30 } } });
  yt = await startFakeYouTube({ processingMs: 1500 });
  node = await startUiNode({
    config: {
      channels: [{ name: 'alpha', important: true }, { name: 'beta', important: false }],
      twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash },
      youtube: fakeConfig(yt, { chunkSizeBytes: 256 * 1024 }),
      // The account id is what connecting "Main channel" in the settings screen creates.
      uploadLocations: [{ name: 'yt', type: 'youtube', account: 'main-channel', cutType: 'smart', unlistedOnly: false, categoryId: '20', language: 'en' }],
      titlePrefix: PREFIX,
    },
  });
  browser = await launchChromium();
  // The fake has a minute of stream ready; wait until the recorder has most of it for both channels.
  await until(() => storedSegments(node.dataDir, 'alpha').length >= 25 && storedSegments(node.dataDir, 'beta').length >= 25, 'recorded segments', 60_000);
});
after(async () => {
  yt?.clearFaults();
  for (const [what, close] of [['browser', () => browser?.close()], ['node', () => node?.cleanup()], ['twitch', () => tw?.close()], ['youtube', () => yt?.close()]] as const) {
    const t0 = Date.now();
    await close();
    if (Date.now() - t0 > 5000) console.log(`closing ${what} took ${Date.now() - t0} ms`);
  }
});

test('settings: connect YouTube in a new tab, add a template and preview it on a real frame, manage a playlist', async () => {
  const { context, page, errors } = await openApp(browser, node, '#/settings');
  try {
    await page.getByLabel('Account label').fill('Main channel');
    await page.getByLabel('OAuth client ID').fill(yt.clientId);
    await page.getByLabel('OAuth client secret').fill(yt.clientSecret);
    const popup = context.waitForEvent('page', { timeout: 10_000 });
    await page.getByTestId('connect-youtube').click();
    const consent = await popup;
    await consent.waitForLoadState();
    assert.match(consent.url(), /^http:\/\/127\.0\.0\.1:\d+\//, `the consent page opened in a new tab and came back to the node's listener: ${consent.url()}`);
    await page.getByTestId('account-status-main-channel').filter({ hasText: 'connected' }).waitFor({ timeout: 20_000 });
    assert.match(await text(page, 'accounts-message'), /Connected/, 'the screen says the account is connected');
    assert.match(await text(page, 'location-yt'), /connected/, 'the upload location shows its account connected');
    await consent.close();

    // A 640x360 template: opaque frame around a transparent window where the video shows.
    const png = makePng(640, 360, (x, y) => (x > 40 && x < 600 && y > 30 && y < 300 ? [0, 0, 0, 0] : [40, 90, 200, 255]));
    await page.getByTestId('template-sizes').filter({ hasText: 'frames on' }).waitFor({ timeout: 15_000 });
    await page.getByLabel('Template image').setInputFiles({ name: 'frame.png', mimeType: 'image/png', buffer: png });
    await until(async () => (await page.getByLabel('Template name').inputValue()) === 'frame', 'the name taken from the file', 5000);
    assert.equal(await page.getByLabel('Template location').inputValue(), '0,0,640,360', 'default placement: the whole template');
    await page.getByLabel('Template description').fill('Blue frame');
    await page.getByTestId('template-save').click();
    await page.getByTestId('template-frame').waitFor({ timeout: 10_000 });
    const listed = (await apiJson<{ name: string; crop: number[]; location: number[] }[]>(node, '/api/templates', 'GET')).body;
    assert.deepEqual(listed.map((t) => [t.name, t.crop, t.location]), [['frame', [0, 0, 320, 180], [0, 0, 640, 360]]], 'default crop: the whole recorded frame');
    await page.getByTestId('template-preview-frame').click();
    const preview = page.getByTestId('template-preview-image-frame');
    await preview.waitFor({ timeout: 15_000 });
    const size = await until(() => loadedSize(preview), 'the template preview to load', 20_000);
    assert.deepEqual(size, [640, 360], 'the preview is the template composed over a recorded frame');

    playlistId = yt.addPlaylist({ title: 'Highlights', channelId: yt.defaultChannelId });
    await page.getByLabel('Playlist ID').fill(`https://www.youtube.com/playlist?list=${playlistId}`);
    await page.getByLabel('Playlist name').fill('Highlights');
    await page.getByLabel('Playlist tags').fill('highlight');
    await page.getByLabel('Playlist default template').selectOption('frame');
    await page.getByTestId('playlist-add').click();
    await page.getByTestId(`playlist-${playlistId}`).waitFor({ timeout: 10_000 });
    await shot(page, 'settings');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no page errors');
  } finally {
    await context.close();
  }
});

test('record → mark → two ranges with a fade → template thumbnail → submit → progress → DONE with the link → in the playlist', async () => {
  const { context, page, errors } = await openApp(browser, node, '#/streams');
  try {
    await page.getByTestId('stream-state-alpha').filter({ hasText: 'up' }).waitFor({ timeout: 20_000 });
    await until(() => page.getByTestId('coverage-alpha').evaluate((c) => Number(c.getAttribute('data-buckets'))), 'the coverage bar', 15_000);
    await until(async () => !(await text(page, 'wall-clock')).startsWith('--'), 'the live player', 20_000);
    await page.getByLabel('Your name').fill('Ann');
    await page.getByLabel('Lead-in seconds').fill('10');
    await page.getByTestId('mark-alpha').click();
    const link = page.locator('[data-testid^="mark-link-"]').first();
    await link.waitFor({ timeout: 10_000 });
    await shot(page, 'streams');
    await link.click();
    await page.getByTestId('editor').waitFor();
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    const mark = await getEvent(id);
    assert.equal(mark.state, 'UNEDITED');
    assert.equal(mark.event_end, null, 'a mark is open-ended');
    const t0 = usOf(mark.event_start);
    assert.ok(t0 > Date.now() * 1000 - 120 * S && t0 < Date.now() * 1000, `the mark is in the recent past (${mark.event_start})`);
    await page.getByTestId('first-frame-ms').waitFor({ timeout: 20_000 });

    await setTwoRangesWithFade(page, [t0 + 1 * S, t0 + 9 * S], [t0 + 13 * S, t0 + 21 * S], 1);
    await page.getByTestId('title').fill('Big moment');
    await page.getByTestId('description').fill('Two ranges and a fade.');
    await page.getByTestId('tags').fill('highlight, e2e');
    await page.getByTestId('thumbnail-mode').selectOption('TEMPLATE');
    // The playlist the tags put the video in preselects its default template.
    await until(async () => (await page.getByTestId('thumbnail-template').inputValue()) === 'frame', 'the playlist default template', 10_000);
    await page.getByTestId('thumbnail-template').selectOption('frame');
    await setTime(page, 'thumbnail-time', t0 + 5 * S);
    const thumb = page.getByTestId('thumbnail-preview');
    const tsize = await until(() => loadedSize(thumb), 'the thumbnail preview', 20_000);
    assert.deepEqual(tsize, [640, 360], 'thumbnail preview: the template over the chosen frame');
    assert.equal(await page.getByTestId('upload-location').inputValue(), 'yt', 'the only upload location is preselected');
    const issues = await page.evaluate(() => document.querySelector('[data-testid="issues"]')?.textContent ?? '');
    assert.equal(issues, '', 'no validation issues');
    await shot(page, 'editor');

    // Watch the queue from a second tab while the editor submits.
    const uploads = await context.newPage();
    await uploads.goto(`${node.url}/#/uploads`);
    await page.bringToFront();
    // Slow chunks (256 KiB each) so the upload takes a few seconds, as a real one does.
    const slow = yt.injectFault({ op: 'upload.chunk', times: Infinity, action: { type: 'delay', ms: 400 } });
    const submittedAt = Date.now();
    const busLog: string[] = [];
    const unsub = node.bus.subscribe((m) => {
      if (m.key === id && (m.topic === 'event.changed' || m.topic === 'upload.progress')) busLog.push(`${Date.now() - submittedAt} ${m.topic} ${(m.data as { state?: string; stage?: string }).state ?? (m.data as { stage?: string }).stage}`);
    });
    let lag = 0;
    let last = Date.now();
    const lagTimer = setInterval(() => { lag = Math.max(lag, Date.now() - last - 100); last = Date.now(); }, 100);
    await page.getByTestId('submit').click();
    await page.getByTestId('message').filter({ hasText: 'Submitted for cutting' }).waitFor({ timeout: 10_000 });

    const seen = new Set<number>();
    const timeline: [string, number][] = [];
    let uploadsShot = false;
    const deadline = Date.now() + 120_000;
    for (;;) {
      // One atomic read of the screen per tick (elements come and go as the stages change).
      const { state, stage, value } = await page.evaluate(() => ({
        state: document.querySelector('[data-testid="event-state"]')?.textContent ?? '',
        stage: document.querySelector('[data-testid="upload-stage"]')?.textContent ?? '',
        value: document.querySelector('[data-testid="upload-progress"]')?.getAttribute('value') ?? null,
      }));
      const step = `${state}${stage ? `/${stage}` : ''}`;
      if (timeline[timeline.length - 1]?.[0] !== step) timeline.push([step, Date.now() - submittedAt]);
      if (stage === 'uploading' && value !== null) seen.add(Math.round(Number(value)));
      if (!uploadsShot && seen.size >= 2 && (await uploads.locator('[data-testid^="progress-"]').count())) {
        await shot(uploads, 'uploads-progress');
        uploadsShot = true;
      }
      if (state === 'DONE') break;
      if (Date.now() > deadline) assert.fail(`the event did not reach DONE (state ${state}): ${JSON.stringify(await getEvent(id))}`);
      await sleep(100);
    }
    slow.cancel();
    unsub();
    clearInterval(lagTimer);
    console.log(JSON.stringify({ e2e: 'ui-workflow', submit_to_done_ms: Date.now() - submittedAt, timeline, bus: busLog, maxLagMs: lag }));
    const values = [...seen].sort((a, b) => a - b);
    assert.ok(values.length >= 2 && values[0]! < 100, `the progress bar moved: ${JSON.stringify(values)}`);
    const href = await page.getByTestId('video-link').getAttribute('href');
    const videoId = /^https:\/\/youtu\.be\/([\w-]+)$/.exec(href ?? '')?.[1];
    assert.ok(videoId, `a YouTube link is shown: ${href}`);
    const video = yt.getVideo(videoId);
    assert.ok(video, 'the video exists on (fake) YouTube');
    assert.equal(video.title, `${PREFIX}Big moment`);
    assert.deepEqual([...video.tags].sort(), ['e2e', 'highlight']);
    assert.ok(video.thumbnail, 'the template thumbnail was set');
    const done = await getEvent(id);
    assert.deepEqual((done.video_ranges as { start: string; end: string }[]).map((r) => [usOf(r.start) - t0, usOf(r.end) - t0]), [[1 * S, 9 * S], [13 * S, 21 * S]]);
    assert.deepEqual(done.video_transitions, [{ type: 'fade', duration: 1 }]);
    await shot(page, 'editor-done');

    // The playlist sync puts the published video into the playlist its tag matches.
    await until(() => yt.playlistVideoIds(playlistId).includes(videoId), 'the video in its playlist', 30_000, 250);
    await uploads.goto(`${node.url}/#/settings`);
    await uploads.getByTestId(`playlist-items-${playlistId}`).filter({ hasText: '1' }).waitFor({ timeout: 15_000 });
    await uploads.goto(`${node.url}/#/uploads`);
    await uploads.getByTestId(`done-${id}`).waitFor({ timeout: 10_000 });
    await shot(uploads, 'uploads');
    await uploads.goto(`${node.url}/#/events`);
    await uploads.getByTestId(`event-row-${id}`).waitFor({ timeout: 10_000 });
    assert.match((await uploads.getByTestId(`event-row-${id}`).textContent()) ?? '', /Big moment.*DONE.*Ann/, 'the events list says who edited it');
    await shot(uploads, 'events');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no page errors');
  } finally {
    await context.close();
  }
});

test('keyboard only: seek, in/out for two ranges, title via Tab, Ctrl+S, Ctrl+Enter', async () => {
  const segs = storedSegments(node.dataDir, 'alpha');
  const start = segs[segs.length - 1]!.start - 50 * S;
  const ev = await createEvent<Ev>(node, 'alpha', start, start + 30 * S);
  const { context, page } = await openApp(browser, node, `#/editor/${ev.id}`);
  try {
    // From here on only the keyboard: count every pointer event the page sees.
    await page.evaluate(() => {
      const w = window as unknown as { pointerEvents: number };
      w.pointerEvents = 0;
      for (const t of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'wheel']) window.addEventListener(t, () => { w.pointerEvents++; }, true);
    });
    await page.getByTestId('first-frame-ms').waitFor({ timeout: 20_000 });
    const wall = async () => {
      const t = (await text(page, 'wall-clock')).slice(0, 12);
      return t.startsWith('--') ? null : t;
    };
    const seek = async (key: string) => {
      const before = await until(wall, 'the player clock', 10_000);
      await page.keyboard.press(key);
      await until(async () => { const w = await wall(); return w !== null && w !== before; }, `the playhead to move on ${key}`, 10_000);
    };
    await seek('ArrowRight'); // +5 s
    await page.keyboard.press('i');
    await seek('l'); // +10 s
    await page.keyboard.press('o');
    await page.keyboard.press('p'); // next range (adds one)
    await seek('ArrowRight');
    await page.keyboard.press('i');
    await seek('ArrowRight');
    await seek('L'); // +1 s
    await page.keyboard.press('o');
    let tabs = 0;
    while ((await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) !== 'title') {
      assert.ok(++tabs <= 25, 'Tab reaches the title field');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('Keyboard cut');
    await page.keyboard.press('Control+s');
    await page.getByTestId('message').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 10_000 });
    const saved = await getEvent(ev.id);
    assert.equal(saved.video_title, 'Keyboard cut');
    const ranges = (saved.video_ranges as { start: string; end: string }[]).map((r) => [usOf(r.start) - start, usOf(r.end) - start]);
    assert.equal(ranges.length, 2, `two ranges: ${JSON.stringify(ranges)}`);
    const [[a0, a1], [b0, b1]] = ranges as [[number, number], [number, number]];
    // The player opens at the event start; the keys moved it +5 (in) +10 (out) +5 (in) +5 +1 (out) seconds.
    assert.ok(Math.abs(a0 - 5 * S) < 1.5 * S && Math.abs(a1 - a0 - 10 * S) < 0.5 * S, `range 1 is [+5 s, +15 s]: ${JSON.stringify(ranges)}`);
    assert.ok(Math.abs(b0 - a1 - 5 * S) < 0.5 * S && Math.abs(b1 - b0 - 6 * S) < 0.5 * S, `range 2 is [+20 s, +26 s]: ${JSON.stringify(ranges)}`);
    assert.ok(tabs <= 8, `the title is near the top of the tab order (${tabs} tabs)`);
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('message').filter({ hasText: 'Submitted for cutting' }).waitFor({ timeout: 10_000 });
    const submitted = await getEvent(ev.id);
    assert.ok(['EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING', 'DONE'].includes(submitted.state), `submitted (${submitted.state})`);
    assert.equal(submitted.upload_location, 'yt');
    assert.equal(await page.evaluate(() => (window as unknown as { pointerEvents: number }).pointerEvents), 0, 'no pointer events');
    await shot(page, 'editor-keyboard');
    // Not needed any more: take it off the cutter's queue to keep the machine free for the other tests.
    await apiJson(node, `/api/db/events/${ev.id}/cancel`, 'POST', { baseRevision: submitted.revision }).catch(() => undefined);
  } finally {
    await context.close();
  }
});

test('unsaved editor changes survive a reload', async () => {
  const segs = storedSegments(node.dataDir, 'beta');
  const start = segs[Math.floor(segs.length / 2)]!.start;
  const ev = await createEvent<Ev>(node, 'beta', start, start + 10 * S);
  const { context, page } = await openApp(browser, node, `#/editor/${ev.id}`);
  try {
    await page.getByTestId('title').fill('Typed, not saved');
    await page.getByTestId('tags').fill('one, two');
    await page.getByTestId('range-0-end').fill(isoOf(start + 8 * S));
    await page.getByTestId('range-0-end').press('Enter');
    await page.getByTestId('unsaved').waitFor();
    await page.reload();
    await page.getByTestId('restored').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('title').inputValue(), 'Typed, not saved');
    assert.equal(await page.getByTestId('tags').inputValue(), 'one, two');
    assert.equal(await page.getByTestId('range-0-end').inputValue(), isoOf(start + 8 * S).slice(11, 26));
    assert.equal((await getEvent(ev.id)).video_title ?? '', '', 'nothing was saved to the server');
    await page.getByTestId('save-draft').click();
    await page.getByTestId('message').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 10_000 });
    assert.equal((await getEvent(ev.id)).video_title, 'Typed, not saved');
    await page.reload();
    await page.getByTestId('title').waitFor();
    assert.equal(await page.getByTestId('restored').count(), 0, 'after a save there is nothing to restore');
    assert.equal(await page.getByTestId('title').inputValue(), 'Typed, not saved');
  } finally {
    await context.close();
  }
});

test('a stale edit from a second browser produces the conflict dialog', async () => {
  const segs = storedSegments(node.dataDir, 'beta');
  const start = segs[Math.floor(segs.length / 2)]!.start;
  const ev = await createEvent<Ev>(node, 'beta', start, start + 6 * S);
  const a = await openApp(browser, node, `#/editor/${ev.id}`);
  const b = await openApp(browser, node, `#/editor/${ev.id}`);
  try {
    await a.page.getByTestId('title').fill('Title from A');
    await b.page.getByTestId('title').fill('Title from B');
    await a.page.getByTestId('save-draft').click();
    await a.page.getByTestId('message').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 10_000 });
    await b.page.getByTestId('stale-note').waitFor({ timeout: 10_000 });
    await b.page.getByTestId('save-draft').click();
    const dialog = b.page.getByTestId('conflict');
    await dialog.waitFor({ timeout: 10_000 });
    const rows = await dialog.locator('tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.startsWith('Title') && r.includes('Title from B') && r.includes('Title from A')), `the dialog shows both titles: ${JSON.stringify(rows)}`);
    await shot(b.page, 'editor-conflict');
    await b.page.getByTestId('conflict-override').click();
    await b.page.getByTestId('message').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 10_000 });
    assert.equal((await getEvent(ev.id)).video_title, 'Title from B');
    // A has no unsaved changes, so it follows the saved event live.
    await until(async () => (await a.page.getByTestId('title').inputValue()) === 'Title from B', 'the first editor to show the new title', 10_000);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test('a tombstoned segment vanishes from the playlist and from a new cut', async () => {
  const segs = storedSegments(node.dataDir, 'beta').filter((s) => s.type === 'full');
  const i = Math.floor(segs.length / 2);
  const target = segs[i]!;
  const [from, to] = [segs[i - 3]!.start, segs[i + 3]!.start + segs[i + 3]!.duration];
  const { context, page } = await openApp(browser, node, '#/tombstones');
  try {
    const q = `start=${encodeURIComponent(isoOf(from))}&end=${encodeURIComponent(isoOf(to))}`;
    const playlist = async () => decodeURIComponent(await (await page.request.get(`${node.url}/playlist/beta/source.m3u8?${q}`)).text());
    const cut = async (holes: boolean) => page.request.get(`${node.url}/cut/beta/source.ts?type=rough&range=${encodeURIComponent(`${isoOf(from)},${isoOf(to)}`)}&allow_holes=${holes}`);
    assert.ok((await playlist()).includes(target.filename), 'the segment is in the playlist before');
    const before = (await (await cut(false)).body()).length;

    await page.getByLabel('Your name').fill('Tess');
    await page.getByLabel('Channel').selectOption('beta');
    await page.getByLabel('From').fill(isoOf(target.start + 200_000));
    await page.getByLabel('From').press('Enter');
    await page.getByLabel('To').fill(isoOf(target.start + 400_000));
    await page.getByLabel('To').press('Enter');
    await page.getByLabel('Reason').fill('DMCA music');
    await page.getByTestId('tombstone-preview-button').click();
    const preview = page.getByTestId('tombstone-preview');
    await preview.waitFor({ timeout: 10_000 });
    const previewText = (await preview.textContent()) ?? '';
    assert.match(previewText, /^1 segment file/, `one file: ${previewText}`);
    assert.ok(previewText.includes(target.filename), 'the preview names the file');
    await page.getByTestId('tombstone-commit').click();
    await page.getByText('Tombstoned 1 segment file(s)').waitFor({ timeout: 10_000 });
    const row = page.getByTestId('tombstone-list').locator('tr', { hasText: 'DMCA music' });
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getByTestId('tombstone-by').textContent(), 'Tess', 'the list says who tombstoned it (the name from the top bar)');
    await shot(page, 'tombstones');

    const after = await playlist();
    assert.ok(!after.includes(target.filename), 'the segment is gone from the playlist');
    assert.match(after, /#EXT-X-DISCONTINUITY/, 'and a discontinuity marks the hole');
    const holed = await cut(true);
    assert.equal(holed.status(), 200);
    assert.equal((await holed.body()).length, before - target.size, 'a new cut leaves exactly that segment out');
    assert.equal((await cut(false)).status(), 406, 'without allow_holes the cut refuses the hole');
  } finally {
    await context.close();
  }
});

test('a YouTube account that needs reconnecting: banner, status, reconnect from the settings screen', async () => {
  // Google forgets the grant: the next upload's token refresh gets invalid_grant.
  yt.revokeAllTokens();
  yt.expireAccessTokens();
  const segs = storedSegments(node.dataDir, 'alpha');
  const start = segs[segs.length - 10]!.start;
  const ev = await createAndSubmit(node, 'alpha', { ranges: [[start, start + 4 * S]], title: 'After revoke', location: 'yt' });
  const { context, page } = await openApp(browser, node, '#/settings');
  try {
    const banner = page.getByTestId('reconnect-banner');
    await banner.waitFor({ timeout: 30_000 });
    assert.match((await banner.textContent()) ?? '', /main-channel.*connected again/, 'the banner names the account');
    await page.getByTestId('account-status-main-channel').filter({ hasText: 'needs reconnect' }).waitFor({ timeout: 10_000 });
    assert.match(await text(page, 'location-yt'), /needs reconnect/, 'the upload location shows it too');
    assert.match(String((await getEvent(ev.id)).error), /reconnect|invalid_grant|connected/i, 'the event says why it waits');
    await shot(page, 'settings-reconnect');
    await page.getByTestId('account-main-channel').getByRole('button', { name: 'Reconnect' }).click();
    assert.equal(await page.getByLabel('Account label').inputValue(), 'Main channel', 'the form is filled in for that account');
    assert.equal(await page.getByLabel('OAuth client ID').inputValue(), yt.clientId);
    await page.getByLabel('OAuth client secret').fill(yt.clientSecret);
    const popup = context.waitForEvent('page', { timeout: 10_000 });
    await page.getByTestId('connect-youtube').click();
    await (await popup).waitForLoadState();
    await page.getByTestId('account-status-main-channel').filter({ hasText: /^connected$/ }).waitFor({ timeout: 20_000 });
    await until(async () => (await banner.count()) === 0, 'the banner to go away', 10_000);
    const accounts = (await apiJson<{ id: string; status: string }[]>(node, '/api/accounts', 'GET')).body;
    assert.deepEqual(accounts.map((a) => [a.id, a.status]), [['main-channel', 'connected']], 'the same account, connected again');
  } finally {
    await context.close();
    // Not needed any more: keep the cutter free.
    const cur = await getEvent(ev.id);
    if (['EDITED', 'CLAIMED'].includes(cur.state)) await apiJson(node, `/api/db/events/${ev.id}/cancel`, 'POST', { baseRevision: cur.revision }).catch(() => undefined);
  }
});

test('an important channel going down raises the banner on every screen', async () => {
  const { context, page } = await openApp(browser, node, '#/events');
  try {
    await page.getByTestId('events').waitFor();
    assert.equal(await page.getByTestId('down-banner').count(), 0, 'no banner while alpha is up');
    tw.channel('alpha').goOffline();
    const banner = page.getByTestId('down-banner');
    await banner.waitFor({ timeout: 30_000 });
    assert.match((await banner.textContent()) ?? '', /alpha.*down/);
    const st = (await apiJson<{ streams: StreamStatus[] }>(node, '/api/streams', 'GET')).body.streams.find((s) => s.channel === 'alpha');
    assert.equal(st?.state, 'down');
    await shot(page, 'events-banner');
    await page.goto(`${node.url}/#/streams`);
    await page.getByTestId('stream-state-alpha').filter({ hasText: 'down' }).waitFor({ timeout: 10_000 });
    await banner.waitFor();
    await shot(page, 'streams-down');
    assert.equal(await page.getByTestId('stream-state-beta').textContent(), 'up', 'beta is still up and not important: no banner for it');
    assert.equal(await banner.count(), 1);
    // The desktop shell's notification for a channel opens the path route /streams/<channel>.
    await page.goto(`${node.url}/streams/beta`);
    await page.getByRole('heading', { name: /Live: beta/ }).waitFor({ timeout: 10_000 });
    assert.equal(new URL(page.url()).hash, '#/streams/beta', 'path routes become hash routes');
  } finally {
    await context.close();
  }
});
