/**
 * Edit validation (wubloader thrimshim's checks, reference §5.2, with YouTube's metadata limits from
 * protocols.md B6.3). Pure functions over values so every boundary is unit-testable.
 *
 * The limits apply to what will actually be sent to YouTube: the title WITH the configured prefix,
 * the description WITH the footer appended, the tags merged with the static tags every video gets.
 * Each problem names the fields involved; a draft save reports only problems in fields it touched
 * (an unfinished draft is fine, an invalid value is not), a submit reports everything.
 */
import { US_PER_SECOND, type Box, type EditInputs, type SheetInputs } from './model.ts';

export const MAX_TITLE_CHARS = 100;
export const MAX_DESCRIPTION_BYTES = 5000;
export const MAX_TAGS_CHARS = 500;
export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;
export const MAX_TRANSITION_SECONDS = 60;
export const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface EventRules {
  /** prepended to every title, e.g. "DB2026 - " (counts towards the 100 characters) */
  titlePrefix: string;
  /** appended to every description after a blank line (counts towards the 5000 bytes) */
  descriptionFooter: string;
  /** upload locations the cutters serve; an edit must pick one */
  locations: string[];
  /** tags added to every video by the cutter (count towards the 500 characters) */
  staticTags: string[];
}

export interface Problem {
  fields: string[];
  message: string;
}

export class ValidationError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

/** Characters as YouTube counts them (Unicode code points, so an emoji is one). */
export const charLength = (s: string): number => [...s].length;
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export const finalTitle = (title: string, rules: Pick<EventRules, 'titlePrefix'>): string => rules.titlePrefix + title;

export function finalDescription(description: string, rules: Pick<EventRules, 'descriptionFooter'>): string {
  if (!rules.descriptionFooter) return description;
  return description ? `${description}\n\n${rules.descriptionFooter}` : rules.descriptionFooter;
}

/** Video tags then static tags, first spelling kept, duplicates (case-insensitive) dropped. */
export function finalTags(tags: string[], rules: Pick<EventRules, 'staticTags'>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of [...tags, ...rules.staticTags]) {
    const k = t.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(t);
    }
  }
  return out;
}

/**
 * YouTube's tag budget: the tags joined by commas, where a tag containing a space is counted as if
 * it were wrapped in quotes ("Foo Baz" = 9).
 */
export function youtubeTagsLength(tags: string[]): number {
  const chars = tags.reduce((n, t) => n + charLength(t) + (t.includes(' ') ? 2 : 0), 0);
  return chars + Math.max(0, tags.length - 1);
}

/** null if `b` is an acceptable custom thumbnail, else why not. */
export function checkPng(b: Buffer): string | null {
  if (b.length < PNG_MAGIC.length || !b.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return 'Thumbnail image must be a PNG file';
  if (b.length > MAX_THUMBNAIL_BYTES) return `Thumbnail image is too big (${(b.length / 1048576).toFixed(2)} MiB, max 2 MiB)`;
  return null;
}

export type Validated = SheetInputs & EditInputs;
export type Mode = 'draft' | 'submit' | 'modify';

const ANGLE = /[<>]/;

export function checkTitle(title: string | null, rules: EventRules, required: boolean): Problem[] {
  const f = ['video_title'];
  if (title === null || title.trim() === '') return required ? [{ fields: f, message: 'A video title is required' }] : [];
  const full = finalTitle(title, rules);
  const out: Problem[] = [];
  const max = MAX_TITLE_CHARS - charLength(rules.titlePrefix);
  if (charLength(full) > MAX_TITLE_CHARS) {
    out.push({ fields: f, message: `Title is too long: ${charLength(title)} characters, max ${max} (YouTube allows ${MAX_TITLE_CHARS} including the prefix ${JSON.stringify(rules.titlePrefix)})` });
  }
  if (ANGLE.test(full)) out.push({ fields: f, message: 'Title may not contain < or >' });
  return out;
}

export function checkDescription(description: string | null, rules: EventRules): Problem[] {
  const f = ['video_description'];
  const full = finalDescription(description ?? '', rules);
  const out: Problem[] = [];
  const bytes = utf8Bytes(full);
  if (bytes > MAX_DESCRIPTION_BYTES) {
    const footer = utf8Bytes(full) - utf8Bytes(description ?? '');
    out.push({ fields: f, message: `Description is too long: ${bytes} bytes (UTF-8) including the ${footer}-byte footer, max ${MAX_DESCRIPTION_BYTES}` });
  }
  if (ANGLE.test(full)) out.push({ fields: f, message: 'Description may not contain < or >' });
  return out;
}

export function checkTags(tags: string[] | null, rules: EventRules): Problem[] {
  const f = ['video_tags'];
  const out: Problem[] = [];
  for (const t of tags ?? []) {
    if (t.trim() === '') out.push({ fields: f, message: 'Tags may not be empty' });
    else if (/[<>,]/.test(t)) out.push({ fields: f, message: `Tag ${JSON.stringify(t)} may not contain <, > or a comma` });
  }
  const all = finalTags(tags ?? [], rules);
  const len = youtubeTagsLength(all);
  if (len > MAX_TAGS_CHARS) {
    out.push({ fields: f, message: `Tags are too long: ${len} characters as YouTube counts them (commas between tags, quotes around tags with spaces${rules.staticTags.length ? ', static tags included' : ''}), max ${MAX_TAGS_CHARS}` });
  }
  return out;
}

export function checkRanges(e: Pick<EditInputs, 'video_ranges' | 'video_transitions'>, required: boolean): Problem[] {
  const out: Problem[] = [];
  const ranges = e.video_ranges;
  const transitions = e.video_transitions;
  if (ranges === null || ranges.length === 0) {
    if (required) out.push({ fields: ['video_ranges'], message: 'At least one video range is required' });
  } else {
    ranges.forEach((r, i) => {
      if (!(r.start < r.end)) out.push({ fields: ['video_ranges'], message: `Range ${i + 1}: start must be before end` });
    });
  }
  if (transitions === null) {
    if (required) out.push({ fields: ['video_transitions'], message: 'video_transitions is required (one per gap between ranges; null = hard cut)' });
  } else if (ranges !== null && transitions.length !== Math.max(0, ranges.length - 1)) {
    out.push({ fields: ['video_ranges', 'video_transitions'], message: `There must be exactly one transition between each pair of ranges: ${ranges.length} range(s) need ${Math.max(0, ranges.length - 1)}, got ${transitions.length}` });
  } else if (ranges !== null) {
    transitions.forEach((t, i) => {
      if (t === null) return;
      const before = ranges[i]!;
      const after = ranges[i + 1]!;
      const shortest = Math.min(before.end - before.start, after.end - after.start) / US_PER_SECOND;
      if (!(t.duration > 0) || t.duration > MAX_TRANSITION_SECONDS) {
        out.push({ fields: ['video_transitions'], message: `Transition ${i + 1}: duration must be in (0, ${MAX_TRANSITION_SECONDS}] seconds` });
      } else if (t.duration > shortest) {
        out.push({ fields: ['video_ranges', 'video_transitions'], message: `Transition ${i + 1} (${t.duration} s) is longer than the range before or after it (${shortest} s)` });
      }
    });
  }
  return out;
}

const boxOk = (b: Box | null) => b === null || (b.length === 4 && b.every((n) => Number.isInteger(n)));

export function checkThumbnail(e: Pick<EditInputs, 'thumbnail_mode' | 'thumbnail_time' | 'thumbnail_template' | 'thumbnail_image' | 'thumbnail_crop' | 'thumbnail_location'>, required: boolean): Problem[] {
  const out: Problem[] = [];
  const mode = e.thumbnail_mode;
  if (required) {
    if ((mode === 'BARE' || mode === 'TEMPLATE') && e.thumbnail_time === null) {
      out.push({ fields: ['thumbnail_mode', 'thumbnail_time'], message: `Thumbnail mode ${mode} needs a thumbnail time` });
    }
    if (mode === 'TEMPLATE' && !e.thumbnail_template) {
      out.push({ fields: ['thumbnail_mode', 'thumbnail_template'], message: 'Thumbnail mode TEMPLATE needs a thumbnail template' });
    }
    if (mode === 'CUSTOM' && e.thumbnail_image === null) {
      out.push({ fields: ['thumbnail_mode', 'thumbnail_image'], message: 'Thumbnail mode CUSTOM needs a thumbnail image (PNG)' });
    }
  }
  if (mode === 'CUSTOM' && e.thumbnail_image !== null) {
    const why = checkPng(e.thumbnail_image);
    if (why) out.push({ fields: ['thumbnail_image'], message: why });
  }
  if (!boxOk(e.thumbnail_crop)) out.push({ fields: ['thumbnail_crop'], message: 'thumbnail_crop must be 4 integers (left, top, right, bottom)' });
  if (!boxOk(e.thumbnail_location)) out.push({ fields: ['thumbnail_location'], message: 'thumbnail_location must be 4 integers (left, top, right, bottom)' });
  return out;
}

export function checkLocation(location: string | null, rules: EventRules, required: boolean): Problem[] {
  if (location === null) return required ? [{ fields: ['upload_location'], message: 'An upload location is required' }] : [];
  if (!rules.locations.includes(location)) {
    return [{ fields: ['upload_location'], message: `Unknown upload location ${JSON.stringify(location)} (configured: ${rules.locations.join(', ') || 'none'})` }];
  }
  return [];
}

export function checkEventTimes(e: Pick<SheetInputs, 'event_start' | 'event_end'>): Problem[] {
  if (e.event_end !== null && !(e.event_start < e.event_end)) {
    return [{ fields: ['event_start', 'event_end'], message: 'event_start must be before event_end' }];
  }
  return [];
}

/**
 * All problems with an event as it would be after the write. `touched` = fields the request sets;
 * in draft mode only problems involving them are reported.
 */
export function validateEvent(e: Validated, rules: EventRules, mode: Mode, touched: ReadonlySet<string>): Problem[] {
  const required = mode !== 'draft';
  let problems: Problem[];
  if (mode === 'modify') {
    problems = [
      ...checkTitle(e.video_title, rules, true),
      ...checkDescription(e.video_description, rules),
      ...checkTags(e.video_tags, rules),
      ...checkThumbnail(e, true),
    ];
  } else {
    problems = [
      ...checkEventTimes(e),
      ...checkTitle(e.video_title, rules, required),
      ...checkDescription(e.video_description, rules),
      ...checkTags(e.video_tags, rules),
      ...checkRanges(e, required),
      ...checkThumbnail(e, required),
      ...checkLocation(e.upload_location, rules, required),
    ];
    if (required && e.video_channel === null) problems.push({ fields: ['video_channel'], message: 'A video channel is required' });
  }
  return mode === 'draft' ? problems.filter((p) => p.fields.some((f) => touched.has(f))) : problems;
}
