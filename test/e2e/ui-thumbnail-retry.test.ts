/**
 * The editor's template thumbnail preview, end to end in Debian Chromium against a real node recording
 * the fake Twitch. The failures are real: the template is deleted through DELETE /api/templates/:name, so
 * /thumbnail/ answers 404 (and ffmpeg renders the previews that succeed).
 *
 *  - a preview that keeps failing is reloaded THUMB_RETRIES (3) times, a second apart, with &attempt=N;
 *    the fallback ("Template preview is not available on this node; showing the frame.", with the bare
 *    frame) appears only after the last of them, never before;
 *  - a preview that fails once (the template is put back within the retry second) shows the template
 *    on the reload, without the fallback and without further requests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoFromUs } from '../../renderer/src/lib/time.ts';
import { apiJson, createEvent } from '../helpers/events.ts';
import { alphaEditorRig, loadedSize, makePng, openApp, setTime, shot, sleep, storedSegments, until } from '../helpers/ui.ts';

const S = 1_000_000;
const RETRIES = 3; // THUMB_RETRIES in renderer/src/screens/Editor.tsx
const FALLBACK = 'Template preview is not available on this node; showing the frame.';
// A 640x360 template: an opaque frame around a transparent window where the recorded 320x180 frame shows.
const TEMPLATE = {
  image: makePng(640, 360, (x, y) => (x > 40 && x < 600 && y > 30 && y < 300 ? [0, 0, 0, 0] : [200, 60, 40, 255])).toString('base64'),
  crop: [0, 0, 320, 180], location: [0, 0, 640, 360], description: 'Red frame',
};
const rig = alphaEditorRig(15, 60_000);

const putTemplate = async () => {
  const r = await apiJson(rig.node, '/api/templates/frame', 'PUT', TEMPLATE);
  assert.equal(r.status, 200, `PUT /api/templates/frame: ${JSON.stringify(r.body)}`);
};

test('thumbnail preview: 3 reloads a second apart before the frame fallback; one failure recovers', async () => {
  await putTemplate();
  const segs = storedSegments(rig.node.dataDir, 'alpha');
  const start = segs[2]!.start;
  // Range 1 is [start, start + 20 s], so the default thumbnail time (its middle) is none of the times below.
  const [okAt, failAt, onceAt] = [start + 3 * S, start + 5 * S, start + 7 * S];
  assert.ok(onceAt < segs[segs.length - 1]!.start, 'every thumbnail time is inside the recording');
  const { id } = await createEvent(rig.node, 'alpha', start, start + 20 * S);
  const { context, page, errors } = await openApp(rig.browser, rig.node, `#/editor/${id}`);
  // Every /thumbnail/ request the page makes and the status it got, by thumbnail time.
  const hits: { timestamp: string | null; attempt: string | null; at: number; status?: number }[] = [];
  const params = (url: string) => {
    const u = new URL(url);
    return u.pathname.startsWith('/thumbnail/') ? { timestamp: u.searchParams.get('timestamp'), attempt: u.searchParams.get('attempt') } : null;
  };
  page.on('request', (r) => {
    const p = params(r.url());
    if (p) hits.push({ ...p, at: Date.now() });
  });
  page.on('response', (r) => {
    const p = params(r.url());
    const hit = p && hits.find((h) => h.timestamp === p.timestamp && h.attempt === p.attempt && h.status === undefined);
    if (hit) hit.status = r.status();
  });
  const hitsAt = (us: number) => hits.filter((h) => h.timestamp === isoFromUs(us));
  const thumb = page.getByTestId('thumbnail-preview');
  const fallback = page.getByText(FALLBACK);
  /** The preview shows the template at `us`: its request answered 200 and the image decoded. */
  const previewAt = (us: number) => until(async () => {
    const src = await thumb.getAttribute('src', { timeout: 1000 });
    if (!src || new URL(src, rig.node.url).searchParams.get('timestamp') !== isoFromUs(us)) return null;
    if (!hitsAt(us).some((h) => h.status === 200)) return null;
    return loadedSize(thumb);
  }, `the template preview at ${isoFromUs(us)}`, 20_000);
  try {
    await page.getByTestId('thumbnail-mode').selectOption('TEMPLATE');
    await page.getByTestId('thumbnail-template').selectOption('frame');
    await setTime(page, 'thumbnail-time', okAt);
    assert.deepEqual(await previewAt(okAt), [640, 360], 'with the template present the preview is the template over the recorded frame');
    assert.equal(await fallback.count(), 0, 'no fallback while the preview works');

    // Make the preview fail for real: the template is gone from the node.
    const del = await apiJson(rig.node, '/api/templates/frame', 'DELETE');
    assert.equal(del.status, 200, `DELETE /api/templates/frame: ${JSON.stringify(del.body)}`);
    const direct = await rig.node.get(`/thumbnail/alpha/source.png?${new URLSearchParams({ timestamp: isoFromUs(failAt), template: 'frame' })}`);
    assert.equal(direct.status, 404, 'the rig.node cannot render a preview of a deleted template');
    await direct.body?.cancel();

    await setTime(page, 'thumbnail-time', failAt);
    for (let i = 0; i <= RETRIES; i++) {
      const attempt = i === 0 ? null : String(i);
      const hit = await until(() => hitsAt(failAt).find((h) => h.attempt === attempt && h.status !== undefined), `the answer to ${attempt ? `attempt=${attempt}` : 'the first request'}`, 10_000, 20);
      assert.equal(hit.status, 404, `${attempt ? `attempt=${attempt}` : 'the first request'} fails`);
      if (i === RETRIES) break;
      // Long enough for the error event to have been handled, well before the next reload (1 s).
      await sleep(400);
      assert.equal(await fallback.count(), 0, `no fallback after ${i + 1} failure(s) of ${1 + RETRIES}`);
      assert.equal(await thumb.count(), 1, `the preview image is still there after ${i + 1} failure(s), waiting for its reload`);
    }
    await fallback.waitFor({ timeout: 5000 });
    assert.equal(await thumb.count(), 0, 'the failed template preview is replaced by the fallback');
    const frame = page.getByAltText('Thumbnail frame');
    assert.deepEqual(await until(() => loadedSize(frame), 'the fallback frame', 20_000), [320, 180], 'the fallback shows the bare recorded frame');
    await shot(page, 'editor-thumbnail-fallback');
    await sleep(1500);
    const failed = hitsAt(failAt);
    assert.deepEqual(failed.map((h) => [h.attempt, h.status]), [[null, 404], ['1', 404], ['2', 404], ['3', 404]],
      'exactly the original request and attempt=1..3, each failing, and nothing after the fallback');
    const gaps = failed.slice(1).map((h, i) => h.at - failed[i]!.at);
    console.log(JSON.stringify({ e2e: 'ui-thumbnail-retry', failing: failed.map((h) => [h.attempt, h.status]), gapsMs: gaps }));
    assert.ok(gaps.every((g) => g >= 900 && g < 5000), `the reloads are a second apart: ${JSON.stringify(gaps)} ms`);

    // One transient failure: the template comes back within the retry second, and the reload shows it.
    await setTime(page, 'thumbnail-time', onceAt);
    const first = await until(() => hitsAt(onceAt).find((h) => h.attempt === null && h.status !== undefined), 'the answer to the first request', 10_000, 20);
    assert.equal(first.status, 404, 'the first request fails (no template yet)');
    await putTemplate();
    assert.deepEqual(await previewAt(onceAt), [640, 360], 'the reload shows the template over the frame');
    assert.match((await thumb.getAttribute('src')) ?? '', /&attempt=1$/, 'the preview shown is the first reload');
    assert.equal(await fallback.count(), 0, 'no fallback after a single failure');
    await sleep(1500);
    assert.deepEqual(hitsAt(onceAt).map((h) => [h.attempt, h.status]), [[null, 404], ['1', 200]], 'one failure, one successful reload, no more requests');
    assert.equal(await fallback.count(), 0, 'still no fallback');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no page errors');
  } finally {
    await context.close();
  }
});
