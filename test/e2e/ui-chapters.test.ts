/**
 * Chapters in the editor end to end (issue 6), in Debian Chromium against a real node recording the fake
 * Twitch: two ranges joined by a 2 s fade, chapters turned on (the 0:00 chapter appears by itself), one
 * chapter added with "+" and one with the n key at the playhead, inline validation (too few chapters,
 * the delimiter typed by hand), save, the exact chapter block in the stored description (shifted by the
 * fade), and after a reload the chapters parsed back into the editor; unsaved chapter edits survive a
 * reload too. Screenshot: test-artifacts/screens/editor-chapters.png.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimeNear } from '../../renderer/src/lib/time.ts';
import { isoOf } from '../fixtures/segments.ts';
import { apiJson, createEvent } from '../helpers/events.ts';
import { alphaEditorRig, openApp, setTime, setTwoRangesWithFade, shot, storedSegments, until } from '../helpers/ui.ts';

const S = 1_000_000;
const rig = alphaEditorRig(25, 90_000);

type Ev = Record<string, unknown> & { id: string; revision: number };
const getEvent = async (id: string) => (await apiJson<{ event: Ev }>(rig.node, `/api/db/events/${id}`, 'GET')).body.event;

test('chapters: two ranges with a fade, "+" and the n key, save, the exact block in the API, parsed back after a reload', async () => {
  const segs = storedSegments(rig.node.dataDir, 'alpha');
  const start = segs[segs.length - 1]!.start - 50 * S;
  const { id } = await createEvent(rig.node, 'alpha', start, start + 45 * S);
  const { context, page, errors } = await openApp(rig.browser, rig.node, `#/editor/${id}`);
  try {
    await page.getByTestId('first-frame-ms').waitFor({ timeout: 30_000 });
    const issues = async () => page.evaluate(() => [...document.querySelectorAll('[data-testid="issues"] li')].map((li) => li.textContent ?? ''));
    // Range 1: 1 s … 21 s, range 2: 25 s … 45 s, a 2 s fade: range 2 starts 18 s into the video, which is 38 s long.
    await setTwoRangesWithFade(page, [start + 1 * S, start + 21 * S], [start + 25 * S, start + 45 * S], 2);
    await page.getByTestId('title').fill('Chapters');
    await page.getByTestId('description').fill('Chapters test.');

    // Turning chapters on brings the 0:00 chapter, fixed at the start of range 1.
    await page.getByTestId('chapters-enabled').check();
    assert.equal(await page.getByTestId('chapter-0-time').inputValue(), isoOf(start + 1 * S).slice(11, 26), 'the first chapter sits at the start of range 1');
    assert.ok(await page.getByTestId('chapter-0-time').isDisabled(), 'and its time cannot be edited');
    assert.equal(await page.getByTestId('chapter-0-at').textContent(), '0:00');
    await page.getByTestId('chapter-0-title').fill('Intro');

    // "+" on range 1: the playhead is on the first chapter, so the new one waits for a time.
    await page.getByTestId('add-chapter-0').click();
    await until(async () => (await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) === 'chapter-1-title', 'the new chapter title to get the focus', 5000);
    await page.keyboard.type('Middle');
    await setTime(page, 'chapter-1-time', start + 11 * S);
    assert.equal(await page.getByTestId('chapter-1-at').textContent(), '0:10');
    assert.ok((await issues()).includes('YouTube shows chapters only when there are at least 3 (there are 2)'), `too few chapters is shown inline: ${JSON.stringify(await issues())}`);

    // The n key: a chapter at the playhead in range 2, with the focus in its title.
    const playhead = async () => {
      const t = (await page.getByTestId('wall-clock').textContent()) ?? '';
      return t.startsWith('--') ? null : parseTimeNear(t.slice(0, 12), start);
    };
    await page.getByTestId('range-1').getByTitle('Play from the start').click();
    await until(async () => { const p = await playhead(); return p !== null && Math.abs(p - (start + 25 * S)) < 0.5 * S; }, 'the playhead at the start of range 2', 15_000);
    await page.keyboard.press('L'); // +1 s: well inside range 2
    await until(async () => { const p = await playhead(); return p !== null && p > start + 25.5 * S && p < start + 27 * S; }, 'the playhead 1 s into range 2', 15_000);
    await page.keyboard.press('n');
    await page.getByTestId('chapters-range-1').getByTestId('chapter-2').waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'chapter-2-title', 'n puts the focus in the new chapter title');
    await page.keyboard.type('Part 2');
    await page.keyboard.press('Escape');
    await setTime(page, 'chapter-2-time', start + 29 * S); // 4 s into range 2: 18 + 4 = 0:22 (0:24 without the fade)
    assert.equal(await page.getByTestId('chapter-2-at').textContent(), '0:22', 'the output time accounts for the fade');
    assert.deepEqual(await issues(), [], 'three valid chapters: nothing stops a submit');

    // The delimiter typed by hand is refused, inline and on save.
    await page.getByTestId('description').fill('Chapters test.\n==========\n0:05 - by hand');
    assert.ok((await issues()).some((i) => i.startsWith('The description may not contain "=========="')), `the delimiter is flagged: ${JSON.stringify(await issues())}`);
    await page.getByTestId('save-draft').click();
    await page.getByTestId('message').filter({ hasText: 'Cannot save: The description may not contain "=========="' }).waitFor({ timeout: 5000 });
    await page.getByTestId('description').fill('Chapters test.');

    await page.getByTestId('save-draft').click();
    await page.getByTestId('message').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 10_000 });
    const saved = await getEvent(id);
    assert.equal(saved.video_description, 'Chapters test.\n==========\n0:00 - Intro\n0:10 - Middle\n0:22 - Part 2', 'the stored description ends in exactly the chapter block');
    assert.deepEqual(saved.video_transitions, [{ type: 'fade', duration: 2 }]);

    // A reload reads the chapters back out of the stored description.
    await page.reload();
    await page.getByTestId('chapter-2-title').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('restored').count(), 0, 'from the server, not from a local draft');
    assert.equal(await page.getByTestId('description').inputValue(), 'Chapters test.', 'the description field holds only the text');
    assert.ok(await page.getByTestId('chapters-enabled').isChecked(), 'the checkbox is on');
    const rows = async () => page.evaluate(() => [...document.querySelectorAll('[data-testid^="chapters-range-"]')].map((list) => [...list.querySelectorAll('.chapter')].map((row) => [
      (row.querySelector('input.time') as HTMLInputElement).value, row.querySelector('.chapter-at')?.textContent, (row.querySelector('input.chapter-title') as HTMLInputElement).value,
    ])));
    const clockOf = (us: number) => isoOf(us).slice(11, 26);
    assert.deepEqual(await rows(), [
      [[clockOf(start + 1 * S), '0:00', 'Intro'], [clockOf(start + 11 * S), '0:10', 'Middle']],
      [[clockOf(start + 29 * S), '0:22', 'Part 2']],
    ], 'each chapter back in its range at its recording time');
    await shot(page, 'editor-chapters');

    // Unsaved chapter edits are part of the local draft.
    await page.getByTestId('chapter-1-title').fill('Middle part');
    await page.getByTestId('unsaved').waitFor();
    await page.reload();
    await page.getByTestId('restored').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('chapter-1-title').inputValue(), 'Middle part', 'the edited chapter title survived the reload');
    assert.equal((await getEvent(id)).video_description, saved.video_description, 'nothing more was saved');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no page errors');
  } finally {
    await context.close();
  }
});
