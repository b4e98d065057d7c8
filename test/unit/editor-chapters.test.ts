/**
 * Chapter markers in the editor (renderer/src/editor/chapters.ts): output-time mapping that follows the
 * cut engine's transitions, the exact description block, ≥ 1 h formatting, parsing back (including
 * hand-edited and garbage lines, and the server's playlist block), validation messages, the editing
 * operations, drafts, the shortcut, and the API mapping in lib/events.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withPlaylistBlock } from '../../main/core/events/playlist-lines.ts';
import {
  addChapterAt, chapterAtOutput, ChapterError, chapterIssues, chapterWarnings, composeDescription, describedText, enableChapters,
  formatChapterTime, listChapters, newChapterTime, outputLengthUs, parseChapterLine, pinnedChapter, rangeAt, rangeOutputStarts,
  saveIssues, splitDescription,
} from '../../renderer/src/editor/chapters.ts';
import { loadStoredDraft, moveRangeEdge, removeRange, validate, type Chapter, type Draft } from '../../renderer/src/editor/model.ts';
import { keyToAction, SHORTCUT_HELP } from '../../renderer/src/editor/shortcuts.ts';
import { fromDraft, toView } from '../../renderer/src/lib/events.ts';
import { isoFromUs } from '../../renderer/src/lib/time.ts';

const S = 1_000_000;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0) * 1000;
const at = (s: number) => T0 + Math.round(s * S);

/** Range 1 = 10 s … 70 s, range 2 = 200 s … 260 s of the recording (60 s each), joined by a 2 s fade. */
const base: Draft = {
  title: 'A title', description: 'A great run.', tags: [], thumbnailMode: 'NONE', thumbnailTime: null, thumbnailTemplate: null,
  thumbnailCrop: null, thumbnailLocation: null, thumbnailImage: null, allowHoles: false, public: true, uploadLocation: 'yt',
  ranges: [{ start: at(10), end: at(70) }, { start: at(200), end: at(260) }],
  transitions: [{ type: 'fade', duration: 2 }],
  chaptersEnabled: true,
  chapters: [
    { range: 1, time: at(200), description: 'Part 2' }, // out of order on purpose: written in playing order
    { range: 0, time: at(10), description: 'Intro' },
    { range: 0, time: at(40), description: 'Middle' },
    { range: 1, time: at(230.5), description: 'End' },
  ],
};
const BLOCK = '\n==========\n0:00 - Intro\n0:30 - Middle\n0:58 - Part 2\n1:28 - End';
const messages = (issues: { message: string }[]) => issues.map((i) => i.message);

test('output time: ranges one after the other, a transition of d seconds makes the next range start d seconds earlier', () => {
  assert.deepEqual(rangeOutputStarts(base), [0, 58 * S], 'range 2 starts 60 s − 2 s in');
  assert.equal(outputLengthUs(base), 118 * S, '60 + 60 − 2');
  assert.deepEqual(rangeOutputStarts({ ...base, transitions: [null] }), [0, 60 * S], 'a hard cut overlaps nothing');
  const three = { ranges: [...base.ranges, { start: at(300), end: at(310) }], transitions: [{ type: 'fade', duration: 2 }, { type: 'wipeleft', duration: 0.3 }] };
  assert.deepEqual(rangeOutputStarts(three), [0, 58 * S, 117.7 * S], 'fractional durations in exact µs');
  assert.equal(outputLengthUs(three), 127.7 * S);
  assert.deepEqual(rangeOutputStarts({ ranges: [{ start: at(0), end: null }, { start: at(100), end: at(110) }], transitions: [null] }), [0, null], 'unknown after a range without an end');
  assert.equal(outputLengthUs({ ranges: [{ start: at(0), end: null }], transitions: [] }), null);
});

test('the description block: exact lines in playing order, M:SS, shifted by the transition', () => {
  assert.equal(composeDescription(base), `A great run.${BLOCK}`);
  assert.equal(
    composeDescription({ ...base, transitions: [null] }),
    'A great run.\n==========\n0:00 - Intro\n0:30 - Middle\n1:00 - Part 2\n1:30 - End',
    'with a hard cut range 2 starts at 1:00',
  );
  assert.deepEqual(listChapters(base).map((x) => [x.n, x.index, x.stamp]), [[1, 1, '0:00'], [2, 2, '0:30'], [3, 0, '0:58'], [4, 3, '1:28']]);
  assert.equal(composeDescription({ ...base, chaptersEnabled: false }), 'A great run.', 'turned off: chapters are kept in the draft but not written');
  assert.equal(composeDescription({ ...base, description: '' }), BLOCK, 'an empty description still gets the list');
  assert.equal(composeDescription({ ...base, chapters: [{ range: 0, time: at(10), description: '  Padded  ' }] }), 'A great run.\n==========\n0:00 - Padded');
});

test('an output of an hour or more writes H:MM:SS on every line', () => {
  assert.equal(formatChapterTime(0, false), '0:00');
  assert.equal(formatChapterTime(754.9, false), '12:34', 'rounded down');
  assert.equal(formatChapterTime(0, true), '0:00:00');
  assert.equal(formatChapterTime(3723, true), '1:02:03');
  const long: Draft = {
    ...base, transitions: [null],
    ranges: [{ start: at(0), end: at(3000) }, { start: at(4000), end: at(4700) }],
    chapters: [
      { range: 0, time: at(0), description: 'Start' }, { range: 0, time: at(1500), description: 'Half' },
      { range: 1, time: at(4000), description: 'Second' }, { range: 1, time: at(4650), description: 'Late' },
    ],
  };
  assert.equal(composeDescription(long), 'A great run.\n==========\n0:00:00 - Start\n0:25:00 - Half\n0:50:00 - Second\n1:00:50 - Late');
  const exactlyOneHour = { ...long, ranges: [{ start: at(0), end: at(3000) }, { start: at(4000), end: at(4600) }], chapters: long.chapters.slice(0, 3) };
  assert.match(composeDescription(exactlyOneHour), /\n0:00:00 - Start\n/, 'exactly 1 h counts as an hour');
  const justUnder = { ...exactlyOneHour, ranges: [{ start: at(0), end: at(3000) }, { start: at(4000), end: at(4600) - 1 }] };
  assert.match(composeDescription(justUnder), /\n0:00 - Start\n25:00 - Half\n50:00 - Second$/, '1 µs short of an hour: M:SS');
  assert.deepEqual(splitDescription(composeDescription(long), long).chapters, long.chapters, 'H:MM:SS lines parse back');
});

test('round trip: compose then split gives the text and the chapters back (times to the whole output second)', () => {
  const back = splitDescription(composeDescription(base), base);
  assert.equal(back.description, 'A great run.');
  assert.equal(back.chaptersEnabled, true, 'chapters present: the checkbox comes back on');
  assert.deepEqual(back.chapters, [
    { range: 0, time: at(10), description: 'Intro' },
    { range: 0, time: at(40), description: 'Middle' },
    { range: 1, time: at(200), description: 'Part 2' },
    { range: 1, time: at(230), description: 'End' }, // 1:28.5 was written as 1:28
  ] satisfies Chapter[]);
  // Composing what came back writes the same description again.
  assert.equal(composeDescription({ ...base, ...back }), composeDescription(base));
  const cut = { ...base, transitions: [null] };
  assert.deepEqual(splitDescription(composeDescription(cut), cut).chapters.map((c) => [c.range, (c.time! - T0) / S]), [[0, 10], [0, 40], [1, 200], [1, 230]]);
});

test('a chapter at the start of a range comes back there even when that start is a fraction of a second into the output', () => {
  // Range 1 is 60.25 s, the wipe 0.3 s: range 2 starts at 59.95 s of output, written as 0:59.
  const d: Draft = {
    ...base,
    ranges: [{ start: at(10), end: at(70.25) }, { start: at(200), end: at(260) }],
    transitions: [{ type: 'wipeleft', duration: 0.3 }],
    chapters: [{ range: 0, time: at(10), description: 'A' }, { range: 0, time: at(30), description: 'B' }, { range: 1, time: at(200), description: 'C' }],
  };
  assert.equal(composeDescription(d), 'A great run.\n==========\n0:00 - A\n0:20 - B\n0:59 - C');
  assert.deepEqual(splitDescription(composeDescription(d), d).chapters[2], { range: 1, time: at(200), description: 'C' });
  assert.deepEqual(chapterAtOutput(d, 58), { range: 0, time: at(68) }, 'a second earlier is still range 1');
  assert.equal(chapterAtOutput(d, 120), null, 'past the end of the video');
});

test("the server's playlist block stays at the end: written after the chapters, kept in the description field, never duplicated", () => {
  const pl = { id: 'PLday1aaaaaaaaaaaaaaaaaaaaaaaaaaaa', name: 'Day 1', tags: [] };
  const stored = withPlaylistBlock(composeDescription(base), [pl], []);
  const block = `Playlists:\n- Day 1 [https://youtube.com/playlist?list=${pl.id}]`;
  assert.equal(stored, `A great run.${BLOCK}\n\n${block}`, 'the server appends its block after the chapter list');
  const back = splitDescription(stored, base);
  assert.equal(back.description, `A great run.\n\n${block}`, 'the block shows in the description field, as without chapters');
  assert.equal(back.chapters.length, 4, 'the block is not taken for chapter lines');
  const again = composeDescription({ ...base, ...back });
  assert.equal(again, stored, 'written again: chapters before the block, so the block is still last');
  assert.equal(withPlaylistBlock(again, [pl], []), stored, 'and the server replaces it instead of adding a second one');
  assert.equal(splitDescription(`${BLOCK}\n\n${block}`, base).description, block, 'no text: the field holds just the block');
});

test('parsing hand-edited and garbage lines: chapters where possible, everything else back into the description', () => {
  assert.deepEqual(parseChapterLine('0:00 - Intro'), { seconds: 0, description: 'Intro' });
  assert.deepEqual(parseChapterLine('  12:34   Boss fight '), { seconds: 754, description: 'Boss fight' });
  assert.deepEqual(parseChapterLine('1:02:03 – Finale'), { seconds: 3723, description: 'Finale' });
  assert.deepEqual(parseChapterLine('75:00: Long'), { seconds: 4500, description: 'Long' });
  assert.deepEqual(parseChapterLine('0:10 - - dash'), { seconds: 10, description: '- dash' });
  assert.deepEqual(parseChapterLine('0:20 -'), { seconds: 20, description: '' }, 'a time alone is a chapter without a title');
  for (const bad of ['0:60 - x', '1:5 - x', '1:60:00 - x', 'Intro 0:00', '0:00:0 - x', '- 0:00 x', '12 - x', '']) assert.equal(parseChapterLine(bad), null, `not a chapter line: ${JSON.stringify(bad)}`);

  const stored = 'Text\n==========\n0:00 Intro\n\n1:02 – Boss\r\nnot a chapter\n0:60 - bad seconds\n9:59 - past the end\n0:20:00 - also past the end';
  const back = splitDescription(stored, base);
  assert.deepEqual(back.chapters, [{ range: 0, time: at(10), description: 'Intro' }, { range: 1, time: at(204), description: 'Boss' }], '1:02 is 4 s into range 2 (which starts at 0:58)');
  assert.equal(back.description, 'Text\nnot a chapter\n0:60 - bad seconds\n9:59 - past the end\n0:20:00 - also past the end', 'nothing typed is lost');
  assert.equal(back.chaptersEnabled, true);

  const none = splitDescription('Text\n==========\njust words\nmore words', base);
  assert.deepEqual(none, { description: 'Text\njust words\nmore words', chapters: [], chaptersEnabled: false }, 'no chapter lines: the checkbox stays off');
  assert.deepEqual(splitDescription('No chapters here.\n=========', base), { description: 'No chapters here.\n=========', chapters: [], chaptersEnabled: false });
  assert.deepEqual(splitDescription(`${BLOCK}`.slice(1), base).chapters, [], 'the delimiter must be on its own line after the text');
  const open = { ranges: [{ start: at(10), end: null }], transitions: [] };
  assert.deepEqual(splitDescription(`T${BLOCK}`, open), { description: `T\n${BLOCK.split('\n').slice(2).join('\n')}`, chapters: [], chaptersEnabled: false }, 'ranges without an end: the lines stay text');
  assert.equal(splitDescription('', base).description, '');
});

test('validation: a valid list has no issues; each YouTube rule has its own message', () => {
  assert.deepEqual(chapterIssues(base), []);
  assert.deepEqual(validate(base), [], 'nothing else in the draft is wrong either');
  assert.deepEqual(chapterWarnings(base), []);
  const only = (chapters: Chapter[], over: Partial<Draft> = {}) => messages(chapterIssues({ ...base, ...over, chapters }));

  assert.deepEqual(only(base.chapters.slice(1, 3)), ['YouTube shows chapters only when there are at least 3 (there are 2)']);
  assert.deepEqual(only([{ range: 0, time: at(15), description: 'Late start' }, ...base.chapters.slice(2)]), [
    'The first chapter must be at 0:00, the start of range 1 (Chapter 1 (“Late start”) is at 0:05)',
  ]);
  assert.deepEqual(only([...base.chapters, { range: 0, time: at(45), description: 'Too close' }]), [
    'Chapter 3 (“Too close”) starts 5 s after chapter 2: YouTube needs at least 10 s between chapters',
  ]);
  assert.deepEqual(only([...base.chapters, { range: 1, time: at(251), description: 'Short' }]), [
    'Chapter 5 (“Short”) is only 9 s long (the video ends at 1:58): YouTube needs at least 10 s per chapter',
  ]);
  assert.deepEqual(only([...base.chapters, { range: 1, time: at(250), description: 'Just long enough' }]), [], 'exactly 10 s is fine');
  assert.deepEqual(only([...base.chapters.slice(0, 3), { range: 1, time: at(230), description: '' }]), ['Chapter 4 needs a title']);
  assert.deepEqual(only([...base.chapters.slice(0, 3), { range: 1, time: at(230), description: 'a <b>' }]), ['Chapter 4 (“a <b>”) may not contain < or >']);
  assert.deepEqual(only([...base.chapters.slice(0, 3), { range: 1, time: at(100), description: 'Between' }]), ['Chapter 3 (“Between”) is outside range 2'], 'numbered by time within its range');
  assert.deepEqual(only([...base.chapters.slice(0, 3), { range: 1, time: at(260), description: 'At the end' }]), ['Chapter 4 (“At the end”) is outside range 2'], 'the end is not inside');
  assert.deepEqual(only([...base.chapters.slice(0, 3), { range: 1, time: null, description: 'Unset' }]), ['Chapter 4 (“Unset”) needs a time']);
  assert.deepEqual(only([...base.chapters.slice(0, 3), { range: 5, time: at(230), description: 'Lost' }]), ['Chapter 4 (“Lost”) belongs to range 6, which no longer exists']);
  assert.deepEqual(only(base.chapters, { ranges: [{ start: at(10), end: null }, base.ranges[1]!] }), [
    'Chapter 3 (“Part 2”) cannot be placed in the video until range 1 has a start and an end',
    'Chapter 4 (“End”) cannot be placed in the video until range 1 has a start and an end',
  ]);
  const long = 'é'.repeat(20);
  assert.deepEqual(
    messages(chapterIssues({ ...base, description: 'Chapters below\n==========\n0:00 - typed by hand' })),
    ['The description may not contain "==========": that line starts the chapter list. Use "Add chapter markers" for chapters.'],
  );
  assert.equal(chapterIssues({ ...base, chaptersEnabled: false, description: 'a ========== b' }).length, 1, 'the delimiter is refused with chapters off too');
  assert.deepEqual(chapterIssues({ ...base, chaptersEnabled: false, chapters: [] }), []);
  assert.deepEqual(messages(chapterIssues({ ...base, chapters: [{ range: 0, time: at(10), description: long }, ...base.chapters.slice(2)] })), [], 'non-ASCII does not block');
  assert.deepEqual(messages(chapterWarnings({ ...base, chapters: [{ range: 0, time: at(10), description: 'Café' }, ...base.chapters.slice(2)] })), [
    'Chapter 1 (“Café”) has non-ASCII characters: check they show correctly on YouTube',
  ]);
});

test('warnings: a chapter inside the fade reads back under the next range; allow holes shifts chapters', () => {
  // 69 s is 59 s into the output, inside the last 2 s of range 1 where range 2 already fades in (from 58 s).
  const d = { ...base, chapters: [...base.chapters, { range: 0, time: at(69), description: 'In the fade' }] };
  assert.deepEqual(messages(chapterWarnings(d)), ['Chapter 3 (“In the fade”) is at 0:59, where range 2 begins: after a reload it is listed under range 2']);
  assert.deepEqual(splitDescription(composeDescription(d), d).chapters[2], { range: 1, time: at(201), description: 'In the fade' }, 'the same moment of the video');
  assert.match(messages(chapterWarnings({ ...base, allowHoles: true })).join(), /Allow holes.*point late/);
  assert.deepEqual(chapterWarnings({ ...base, chaptersEnabled: false, allowHoles: true }), [], 'no chapters, no chapter warnings');
});

test('the description byte limit counts what is sent, chapter list included', () => {
  const text = 'x'.repeat(5000 - BLOCK.length);
  assert.equal(describedText({ ...base, description: text }).length, 5000);
  assert.deepEqual(messages(validate({ ...base, description: text })), [], 'exactly 5000 bytes with the list');
  assert.deepEqual(messages(validate({ ...base, description: `${text}x` })), ['Description is 5001 bytes with the chapter list (max 5000)']);
  assert.deepEqual(messages(validate({ ...base, description: `${text}x`, chaptersEnabled: false })), [], 'without the list it fits');
  const unplaced = { ...base, chapters: [...base.chapters, { range: 1, time: null, description: 'Unset' }] };
  assert.equal(describedText(unplaced), composeDescription(base), 'the counter leaves out what cannot be placed yet');
});

test('a save refuses only what would not survive a reload; composing then throws with the same message', () => {
  assert.deepEqual(saveIssues({ ...base, chapters: base.chapters.slice(0, 1) }), [], 'too few chapters can be saved');
  const unset = { ...base, chapters: [...base.chapters, { range: 1, time: null, description: 'Unset' }] };
  assert.deepEqual(messages(saveIssues(unset)), ['Chapter 5 (“Unset”) needs a time']);
  assert.throws(() => composeDescription(unset), (e: unknown) => e instanceof ChapterError && e.message === 'Chapter 5 (“Unset”) needs a time');
  assert.throws(() => composeDescription({ ...base, chaptersEnabled: false, description: '==========' }), ChapterError);
  assert.throws(() => fromDraft(unset), ChapterError, 'the API body is never written with chapters missing');
});

test('editing: turning chapters on adds the pinned 0:00 chapter; it follows the start of range 1', () => {
  const plain: Draft = { ...base, chapters: [], chaptersEnabled: false };
  const on = enableChapters(plain, true);
  assert.deepEqual(on.chapters, [{ range: 0, time: at(10), description: '' }]);
  assert.equal(pinnedChapter(on), 0);
  assert.deepEqual(enableChapters(enableChapters(base, false), true).chapters, base.chapters, 'off and on again keeps them');
  const moved = moveRangeEdge(base, 0, 'start', at(12));
  assert.deepEqual(moved.chapters.map((c) => (c.time! - T0) / S), [200, 12, 40, 230.5], 'the chapter at the old start moves, the others stay');
  assert.equal(pinnedChapter(moved), 1);
  assert.deepEqual(moveRangeEdge(base, 0, 'end', at(60)).chapters, base.chapters, 'moving an end moves no chapter');
  assert.deepEqual(moveRangeEdge(base, 1, 'start', at(199)).chapters[0], { range: 1, time: at(199), description: 'Part 2' }, 'a chapter opening range 2 stays its opening');
  assert.equal(pinnedChapter({ ...base, chapters: [{ range: 0, time: at(11), description: 'x' }] }), null, 'not at the start: nothing pinned (and validation says so)');
});

test('editing: removing a range drops its chapters and renumbers the later ones', () => {
  const three: Draft = {
    ...base,
    ranges: [...base.ranges, { start: at(300), end: at(360) }], transitions: [{ type: 'fade', duration: 2 }, null],
    chapters: [...base.chapters, { range: 2, time: at(320), description: 'Third' }],
  };
  const r = removeRange(three, 1);
  assert.deepEqual(r.ranges, [base.ranges[0], { start: at(300), end: at(360) }]);
  assert.deepEqual(r.transitions, [null]);
  assert.deepEqual(r.chapters, [base.chapters[1], base.chapters[2], { range: 1, time: at(320), description: 'Third' }]);
  assert.equal(composeDescription(r), 'A great run.\n==========\n0:00 - Intro\n0:30 - Middle\n1:20 - Third');
});

test('editing: where "+" and the n key put a new chapter', () => {
  const plain: Draft = { ...base, chapters: [], chaptersEnabled: false };
  assert.equal(newChapterTime(plain, 0, at(30)), at(10), 'range 1 without its 0:00 chapter: that one first');
  assert.equal(newChapterTime(base, 0, at(30)), at(30), 'then the playhead');
  assert.equal(newChapterTime(base, 1, at(30)), null, 'playhead outside the range: unset, to be typed');
  assert.equal(newChapterTime(base, 1, at(200)), null, 'not on top of an existing chapter');
  assert.equal(rangeAt(base, at(65), 1), 0, 'the range under the playhead');
  assert.equal(rangeAt({ ranges: [base.ranges[0]!, base.ranges[0]!] }, at(20), 1), 1, 'the active range when both contain it');
  assert.equal(rangeAt(base, at(100), 0), null);

  const r = addChapterAt(plain, at(230), 0);
  assert.ok(!('error' in r), 'the playhead is inside range 2');
  assert.deepEqual(r.draft.chapters, [{ range: 0, time: at(10), description: '' }, { range: 1, time: at(230), description: '' }], 'turned chapters on with the 0:00 chapter, then added');
  assert.equal(r.draft.chaptersEnabled, true);
  assert.equal(r.index, 1, 'the new chapter, to focus its title');
  const again = addChapterAt(r.draft, at(230), 0);
  assert.ok(!('error' in again) && again.index === 1 && again.draft.chapters.length === 2, 'pressing n twice at the same spot adds nothing');
  assert.deepEqual(addChapterAt(plain, at(100), 0), { error: 'The playhead is not inside a range: chapters go inside ranges' });
});

test('the n key adds a chapter and is listed in the help; it clashes with no other key', () => {
  assert.deepEqual(keyToAction({ key: 'n' }, true), { type: 'addChapter' });
  assert.equal(keyToAction({ key: 'n' }, false), null, 'only in the editor');
  assert.equal(keyToAction({ key: 'n', ctrlKey: true }, true), null, 'Ctrl+N stays the browser\'s');
  assert.ok(SHORTCUT_HELP.some(([k, v]) => k === 'n' && /chapter/.test(v)), 'the ? help lists n');
  for (const k of ['c', 'b', 'N']) assert.equal(keyToAction({ key: k }, true), null, `${k} stays free (LosslessCut uses c and b)`);
});

test('drafts keep chapters through storage; drafts stored before chapters load with chapters off', () => {
  const mem = new Map<string, string>();
  const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
  mem.set('tapedeck.draft.e1', JSON.stringify({ eventId: 'e1', baseRevision: 2, draft: base, savedAt: 1 }));
  assert.deepEqual(loadStoredDraft(storage, 'e1')?.draft, base);
  const { chapters: _c, chaptersEnabled: _e, ...old } = base;
  mem.set('tapedeck.draft.e2', JSON.stringify({ eventId: 'e2', baseRevision: 2, draft: old, savedAt: 1 }));
  const loaded = loadStoredDraft(storage, 'e2')?.draft;
  assert.deepEqual([loaded?.chapters, loaded?.chaptersEnabled], [[], false]);
});

test('the API mapping: fromDraft writes the block, toView reads it back into the editor fields', () => {
  const body = fromDraft(base);
  assert.equal(body.video_description, `A great run.${BLOCK}`);
  const view = toView({ id: 'e1', state: 'UNEDITED', ...body, video_ranges: base.ranges.map((r) => ({ start: isoFromUs(r.start!), end: isoFromUs(r.end!) })) });
  assert.equal(view.draft.description, 'A great run.');
  assert.equal(view.draft.chaptersEnabled, true);
  assert.deepEqual(view.draft.chapters.map((c) => [c.range, (c.time! - T0) / S, c.description]), [[0, 10, 'Intro'], [0, 40, 'Middle'], [1, 200, 'Part 2'], [1, 230, 'End']]);
  const plain = toView({ id: 'e2', state: 'UNEDITED', video_description: 'Just text' });
  assert.deepEqual([plain.draft.description, plain.draft.chapters, plain.draft.chaptersEnabled], ['Just text', [], false]);
});
