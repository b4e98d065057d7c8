/**
 * Chapter markers in the video description (wubloader's "Add chapter markers to video description").
 * Pure functions: unit-tested under Node (test/unit/editor-chapters.test.ts).
 *
 * What is stored in video_description is the operator's text, the delimiter line, then one line per
 * chapter in OUTPUT-video time, whole seconds rounded down (as wubloader writes them):
 *
 *     A great run.
 *     ==========
 *     0:00 - Intro
 *     0:42 - The boss
 *
 * and `H:MM:SS - title` on every line once the output is an hour or longer. YouTube turns such a list
 * into chapters when the first is at 0:00, there are at least three, and each lasts at least 10 s
 * (support.google.com/youtube/answer/9884579). Submit enforces all three: without them YouTube
 * silently shows no chapters, which nobody would notice until the video is public. A save only refuses
 * what would not survive a reload (see `saveIssues`).
 *
 * Output time follows the cut engine (main/media/cut/full.ts and plan.ts): ranges play one after the
 * other, and a transition of d seconds between range k and k+1 cross-fades the last d seconds of k
 * with the first d seconds of k+1 (xfade at offset = length so far − d), so range k+1 starts d seconds
 * before range k ends and the output is d seconds shorter. A hard cut overlaps nothing. Times are µs
 * integers throughout, so fractional transition durations cannot accumulate rounding errors.
 * With "allow holes", a gap in the recording makes the video shorter than its ranges and later
 * chapters land late; the editor cannot see holes, so it only warns.
 *
 * On load the description is split back: the text before the delimiter is the description field, each
 * line after it becomes a chapter mapped from output time back to (range, wall-clock time). A line that
 * is not a chapter, or cannot be placed in the ranges, goes back into the description field instead,
 * so nothing anyone typed is lost.
 *
 * The server appends its playlist block at the very end of the description on submit and recognises
 * it only there (main/core/events/playlist-lines.ts, imported here so both sides agree on its shape).
 * The block stays at the end of the description field; the chapter list is written before it.
 */
import { splitPlaylistBlock } from '../../../main/core/events/playlist-lines.ts';
import { US } from '../lib/time.ts';
import type { Chapter, Draft, Issue } from './model.ts';

export const CHAPTER_DELIMITER = '\n==========\n';
/** The delimiter's marker: typed anywhere in the description, a reload could split the text there. */
export const DELIMITER_MARK = '==========';
export const MIN_CHAPTERS = 3;
export const MIN_CHAPTER_SECONDS = 10;

type Timeline = Pick<Draft, 'ranges' | 'transitions'>;
export type ChapterDraft = Pick<Draft, 'description' | 'ranges' | 'transitions' | 'chapters' | 'chaptersEnabled'>;

/**
 * Where each range starts in the output video (µs). null from the first range whose start is unknown
 * on, or after a range without a usable end (its length, and so everything after it, is unknown).
 */
export function rangeOutputStarts(d: Timeline): (number | null)[] {
  const out: (number | null)[] = [];
  let at: number | null = 0;
  d.ranges.forEach((r, i) => {
    out.push(r.start === null ? null : at);
    if (at === null || r.start === null || r.end === null || r.end <= r.start) {
      at = null;
      return;
    }
    const t = d.transitions[i];
    at += r.end - r.start - (t ? Math.round(t.duration * US) : 0);
  });
  return out;
}

/** Output length in µs, or null while a range lacks a start or an end. */
export function outputLengthUs(d: Timeline): number | null {
  const starts = rangeOutputStarts(d);
  const i = d.ranges.length - 1;
  if (i < 0) return 0;
  const r = d.ranges[i]!;
  const s = starts[i];
  return s == null || r.start === null || r.end === null || r.end <= r.start ? null : s + (r.end - r.start);
}

/** `M:SS`, or `H:MM:SS` for every line of a video of an hour or more (whole seconds, rounded down). */
export function formatChapterTime(seconds: number, withHours: boolean): string {
  const s = Math.max(0, Math.floor(seconds));
  const ss = String(s % 60).padStart(2, '0');
  if (!withHours) return `${Math.floor(s / 60)}:${ss}`;
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${ss}`;
}

/**
 * One chapter line: `M:SS`, `MM:SS` or `H:MM:SS`, an optional separator (- – — :), the title. Lenient
 * about hand edits ("0:00 Intro", "1:02:03 – Finale"), strict about the time itself (no "1:5", no
 * "0:60"). A time alone is a chapter without a title (validation asks for one). Not this module's
 * time.ts helpers: parseDuration also takes plain seconds and fractions, which are not chapter lines.
 */
export function parseChapterLine(line: string): { seconds: number; description: string } | null {
  const m = /^(?:(\d+):)?(\d{1,2}):([0-5]\d)(?!\d|:\d)\s*[-–—:]?\s*(.*)$/.exec(line.trim());
  if (!m) return null;
  const [h, min, s] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3])];
  if (m[1] !== undefined && min > 59) return null;
  return { seconds: h * 3600 + min * 60 + s, description: m[4]!.trim() };
}

/** A chapter in the order the video plays it, with where it lands in the output or why it cannot. */
export interface ListedChapter {
  /** index into draft.chapters */
  index: number;
  /** 1-based position in the list, as the editor numbers chapters */
  n: number;
  chapter: Chapter;
  /** µs of output video */
  at: number | null;
  /** the time as written in the description, e.g. "1:05" */
  stamp: string | null;
  problem: string | null;
}

function place(d: Timeline, c: Chapter, starts: (number | null)[]): { at: number } | { problem: string } {
  const r = d.ranges[c.range];
  if (!r) return { problem: `belongs to range ${c.range + 1}, which no longer exists` };
  if (c.time === null) return { problem: 'needs a time' };
  const s = starts[c.range];
  if (s == null || r.start === null) {
    const missing = d.ranges.findIndex((x, j) => j <= c.range && (x.start === null || (j < c.range && (x.end === null || x.end <= x.start))));
    return { problem: `cannot be placed in the video until range ${missing + 1} has a start and an end` };
  }
  if (c.time < r.start || (r.end !== null && c.time >= r.end)) return { problem: `is outside range ${c.range + 1}` };
  return { at: s + (c.time - r.start) };
}

/**
 * Every chapter in playing order: by range, then by time (unset times last, in the order added).
 * The editor lists them this way and the description is written this way.
 */
export function listChapters(d: Pick<Draft, 'ranges' | 'transitions' | 'chapters'>): ListedChapter[] {
  const starts = rangeOutputStarts(d);
  const placed = d.chapters
    .map((chapter, index) => ({ chapter, index }))
    .sort((a, b) => a.chapter.range - b.chapter.range
      || (a.chapter.time ?? Infinity) - (b.chapter.time ?? Infinity)
      || a.index - b.index)
    .map(({ chapter, index }, k) => {
      const p = place(d, chapter, starts);
      return { index, n: k + 1, chapter, at: 'at' in p ? p.at : null, problem: 'problem' in p ? p.problem : null };
    });
  const hours = withHours(d, placed);
  return placed.map((x) => ({ ...x, stamp: x.at === null ? null : formatChapterTime(x.at / US, hours) }));
}

/** Hours on every line once the video (or, while its end is unknown, the last chapter) reaches 1 h. */
function withHours(d: Timeline, listed: { at: number | null }[]): boolean {
  return (outputLengthUs(d) ?? Math.max(0, ...listed.map((x) => x.at ?? 0))) >= 3600 * US;
}

function build(d: ChapterDraft, strict: boolean): string {
  if (strict) {
    const blocking = saveIssues(d);
    if (blocking.length) throw new ChapterError(blocking.map((i) => i.message).join('; '));
  }
  if (!d.chaptersEnabled || d.chapters.length === 0) return d.description;
  const lines = listChapters(d).filter((x) => x.stamp !== null).map((x) => `${x.stamp} - ${x.chapter.description.trim()}`);
  if (lines.length === 0) return d.description;
  const { body, block } = splitPlaylistBlock(d.description);
  const text = `${body}${CHAPTER_DELIMITER}${lines.join('\n')}`;
  return block ? `${text}\n\n${block}` : text;
}

export class ChapterError extends Error {}

/**
 * The video_description to send: the description field, plus the chapter list when chapters are on.
 * Throws ChapterError (with the same messages as `saveIssues`) when the chapters could not be written
 * so that a reload gives them back.
 */
export function composeDescription(d: ChapterDraft): string {
  return build(d, true);
}

/** What would be sent, for the byte counter: chapters that cannot be placed yet are left out instead of failing. */
export function describedText(d: ChapterDraft): string {
  return build(d, false);
}

/**
 * Output time (whole seconds, as written) back to a place in the ranges: the last range starting
 * before `seconds + 1` (the written time was rounded down, so a range starting within that second is
 * where the chapter was: "the start of range 2" comes back as exactly that), at the same offset.
 * null when the ranges are incomplete or the time is past the end of the video.
 */
export function chapterAtOutput(d: Timeline, seconds: number): { range: number; time: number } | null {
  const starts = rangeOutputStarts(d);
  if (outputLengthUs(d) === null || starts.some((s) => s === null)) return null;
  const t = seconds * US;
  let k = -1;
  starts.forEach((s, j) => {
    if (s! < t + US) k = j;
  });
  const r = d.ranges[k];
  if (!r || r.start === null || r.end === null) return null;
  const time = r.start + Math.max(0, t - starts[k]!);
  return time < r.end ? { range: k, time } : null;
}

/**
 * A stored video_description split into the editor's fields (see the module comment). The inverse of
 * `composeDescription` for anything it wrote, up to the rounding of chapter times to whole seconds.
 */
export function splitDescription(stored: string, d: Timeline): { description: string; chapters: Chapter[]; chaptersEnabled: boolean } {
  const cut = stored.indexOf(CHAPTER_DELIMITER);
  if (cut < 0) return { description: stored, chapters: [], chaptersEnabled: false };
  const before = stored.slice(0, cut);
  const { body, block } = splitPlaylistBlock(stored.slice(cut + CHAPTER_DELIMITER.length));
  const chapters: Chapter[] = [];
  const kept: string[] = [];
  for (const line of body.split('\n')) {
    if (!line.trim()) continue;
    const p = parseChapterLine(line);
    const where = p && chapterAtOutput(d, p.seconds);
    if (p && where) chapters.push({ ...where, description: p.description });
    else kept.push(line);
  }
  const text = before && kept.length ? `${before}\n${kept.join('\n')}` : before || kept.join('\n');
  const description = block ? (text ? `${text}\n\n${block}` : block) : text;
  return { description, chapters, chaptersEnabled: chapters.length > 0 };
}

function label(x: ListedChapter): string {
  const t = x.chapter.description.trim();
  return `Chapter ${x.n}${t ? ` (“${t.length > 30 ? `${t.slice(0, 29)}…` : t}”)` : ''}`;
}

/**
 * What even a draft save refuses: the delimiter typed into the description (a reload would split the
 * text there), and chapters that cannot be written as output times (no time, outside their range, or
 * an earlier range without a start and an end) — saving those would lose or move them on reload.
 */
export function saveIssues(d: ChapterDraft): Issue[] {
  const out: Issue[] = [];
  if (d.description.includes(DELIMITER_MARK)) {
    out.push({ field: 'description', message: `The description may not contain "${DELIMITER_MARK}": that line starts the chapter list. Use "Add chapter markers" for chapters.` });
  }
  if (!d.chaptersEnabled) return out;
  for (const x of listChapters(d)) if (x.problem) out.push({ field: `chapters.${x.index}`, message: `${label(x)} ${x.problem}` });
  return out;
}

/** Everything that stops a submit (model.validate includes these). */
export function chapterIssues(d: ChapterDraft): Issue[] {
  const out = saveIssues(d);
  if (!d.chaptersEnabled || d.chapters.length === 0) return out;
  const listed = listChapters(d);
  if (listed.length < MIN_CHAPTERS) {
    out.push({ field: 'chapters', message: `YouTube shows chapters only when there are at least ${MIN_CHAPTERS} (there ${listed.length === 1 ? 'is 1' : `are ${listed.length}`})` });
  }
  for (const x of listed) {
    if (!x.chapter.description.trim()) out.push({ field: `chapters.${x.index}`, message: `${label(x)} needs a title` });
    if (/[<>]/.test(x.chapter.description)) out.push({ field: `chapters.${x.index}`, message: `${label(x)} may not contain < or >` });
  }
  // The rules YouTube applies, on the whole seconds it will read.
  const placed = listed.filter((x) => x.at !== null);
  const hours = withHours(d, listed);
  const sec = (x: ListedChapter) => Math.floor(x.at! / US);
  const first = placed[0];
  if (first && sec(first) !== 0) {
    out.push({ field: `chapters.${first.index}`, message: `The first chapter must be at 0:00, the start of range 1 (${label(first)} is at ${first.stamp})` });
  }
  placed.forEach((x, k) => {
    const prev = placed[k - 1];
    if (prev && sec(x) - sec(prev) < MIN_CHAPTER_SECONDS) {
      out.push({ field: `chapters.${x.index}`, message: `${label(x)} starts ${sec(x) - sec(prev)} s after chapter ${prev.n}: YouTube needs at least ${MIN_CHAPTER_SECONDS} s between chapters` });
    }
  });
  const len = outputLengthUs(d);
  const last = placed[placed.length - 1];
  if (last && len !== null && Math.floor(len / US) - sec(last) < MIN_CHAPTER_SECONDS) {
    out.push({ field: `chapters.${last.index}`, message: `${label(last)} is only ${Math.max(0, Math.floor(len / US) - sec(last))} s long (the video ends at ${formatChapterTime(len / US, hours)}): YouTube needs at least ${MIN_CHAPTER_SECONDS} s per chapter` });
  }
  return out;
}

/** Worth knowing, but no reason to refuse a submit. */
export function chapterWarnings(d: ChapterDraft & Pick<Draft, 'allowHoles'>): Issue[] {
  if (!d.chaptersEnabled || d.chapters.length === 0) return [];
  const out: Issue[] = [];
  for (const x of listChapters(d)) {
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(x.chapter.description)) out.push({ field: `chapters.${x.index}`, message: `${label(x)} has non-ASCII characters: check they show correctly on YouTube` });
    if (x.at === null) continue;
    // In the last seconds of a range, where the next one already fades in, the written time reads back
    // as the start of the next range: the same moment of the video, listed under the other range.
    const back = chapterAtOutput(d, Math.floor(x.at / US));
    if (back && back.range !== x.chapter.range) {
      out.push({ field: `chapters.${x.index}`, message: `${label(x)} is at ${x.stamp}, where range ${back.range + 1} begins: after a reload it is listed under range ${back.range + 1}` });
    }
  }
  if (d.allowHoles) out.push({ field: 'chapters', message: 'With "Allow holes", a gap in the recording makes the video shorter than its ranges: chapters after a gap would point late' });
  return out;
}

// Editing operations (pure; the editor applies them through its draft updater).

/** Turn chapters on or off. Turned on for the first time, they start with the required 0:00 chapter at the start of range 1. */
export function enableChapters(d: Draft, on: boolean): Draft {
  if (!on || d.chapters.length) return { ...d, chaptersEnabled: on };
  return { ...d, chaptersEnabled: true, chapters: [{ range: 0, time: d.ranges[0]?.start ?? null, description: '' }] };
}

/** The chapter fixed at 0:00 (index into chapters): the first one, when it sits at the start of range 1. */
export function pinnedChapter(d: Pick<Draft, 'ranges' | 'transitions' | 'chapters'>): number | null {
  const first = listChapters(d)[0];
  return first && first.chapter.range === 0 && first.chapter.time !== null && first.chapter.time === d.ranges[0]?.start ? first.index : null;
}

/**
 * Where the "+" of range i puts a new chapter: at the start of range 1 when the required 0:00
 * chapter is missing, else at the playhead when it is inside the range, else unset (to be typed).
 */
export function newChapterTime(d: Pick<Draft, 'ranges' | 'chapters'>, i: number, playhead: number | null): number | null {
  const r = d.ranges[i];
  if (!r) return null;
  if (i === 0 && r.start !== null && !d.chapters.some((c) => c.range === 0 && c.time === r.start)) return r.start;
  const inside = playhead !== null && r.start !== null && playhead >= r.start && (r.end === null || playhead < r.end);
  return inside && !d.chapters.some((c) => c.range === i && c.time === playhead) ? playhead : null;
}

/** Append a chapter; returns the new draft and the new chapter's index. */
export function addChapter(d: Draft, range: number, time: number | null): { draft: Draft; index: number } {
  return { draft: { ...d, chapters: [...d.chapters, { range, time, description: '' }] }, index: d.chapters.length };
}

/** The range a playhead time is in: `prefer` (the active range) when it is, else the first that is. */
export function rangeAt(d: Pick<Draft, 'ranges'>, t: number, prefer: number): number | null {
  const inside = (i: number) => {
    const r = d.ranges[i];
    return !!r && r.start !== null && r.end !== null && t >= r.start && t < r.end;
  };
  if (inside(prefer)) return prefer;
  const i = d.ranges.findIndex((_, j) => inside(j));
  return i < 0 ? null : i;
}

/**
 * The "add chapter at the playhead" key: turns chapters on if needed and adds a chapter at `t` in the
 * range under the playhead (or finds the one already there). Returns the chapter's index to focus its title.
 */
export function addChapterAt(d: Draft, t: number, prefer: number): { draft: Draft; index: number } | { error: string } {
  const range = rangeAt(d, t, prefer);
  if (range === null) return { error: 'The playhead is not inside a range: chapters go inside ranges' };
  const on = enableChapters(d, true);
  const existing = on.chapters.findIndex((c) => c.range === range && c.time === t);
  return existing >= 0 ? { draft: on, index: existing } : addChapter(on, range, t);
}
