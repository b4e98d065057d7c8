/**
 * zod schemas for the operator events API. They check shape and types and convert wire values (ISO
 * times, base64 PNG) to model values; the editorial limits (title length, description bytes, tag
 * budget, PNG checks...) live in validation.ts where they get precise messages. Unknown keys are
 * refused, so a typo never becomes a silently ignored field.
 */
import { z } from 'zod';
import { parseTime } from '../http/params.ts';
import { EVENT_STATES, THUMBNAIL_MODES } from './model.ts';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
export const EventIdParam = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

/** ISO-8601 UTC text → epoch µs (the restreamer's time grammar). */
export const isoTime = z.string().max(64).transform((s, ctx) => {
  try {
    return parseTime(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const name = z.string().regex(NAME, 'must be letters, digits, _ and - (max 64)');
const tagList = z.array(z.string().trim().min(1, 'tags may not be empty').max(500)).max(500);
const box = z.array(z.number().int('must be an integer').min(-100_000).max(100_000)).length(4, 'must be 4 integers (left, top, right, bottom)');

/** Base64 (optionally a data: URL) → bytes; whether they are an acceptable PNG is validation's job. */
const base64Image = z.string().max(4_000_000).transform((s, ctx) => {
  const b64 = s.replace(/^data:image\/png;base64,/, '').replace(/\s+/g, '');
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    ctx.addIssue({ code: 'custom', message: 'must be base64-encoded PNG bytes' });
    return z.NEVER;
  }
  return Buffer.from(b64, 'base64');
});

const range = z.strictObject({ start: isoTime, end: isoTime });
const transition = z.strictObject({
  type: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be an ffmpeg xfade transition name'),
  duration: z.number(),
}).nullable();

export const sheetFields = {
  event_start: isoTime,
  event_end: isoTime.nullable(),
  category: z.string().max(200),
  notes: z.string().max(20_000),
  description: z.string().max(20_000),
  tags: tagList,
};

export const editFields = {
  allow_holes: z.boolean(),
  uploader_whitelist: z.array(name).max(100).nullable(),
  upload_location: z.string().min(1).max(100).nullable(),
  public: z.boolean(),
  video_ranges: z.array(range).max(200).nullable(),
  video_transitions: z.array(transition).max(199).nullable(),
  // generous caps here; the real limits (with prefix/footer) are checked by validation.ts
  video_title: z.string().max(1000).nullable(),
  video_description: z.string().max(100_000).nullable(),
  video_tags: tagList.nullable(),
  video_channel: name.nullable(),
  video_quality: name,
  thumbnail_mode: z.enum(THUMBNAIL_MODES),
  thumbnail_time: isoTime.nullable(),
  thumbnail_template: z.string().min(1).max(200).nullable(),
  thumbnail_image: base64Image.nullable(),
  thumbnail_crop: box.nullable(),
  thumbnail_location: box.nullable(),
};

/**
 * Who is making a change: the name the operator typed in the console's top bar. Shared with the
 * other write APIs (tombstones) so "who did it" means the same everywhere.
 */
export const EditorName = z.string().trim().min(1, 'may not be empty').max(100);

const writeMeta = {
  /** the `revision` of the event the editor is looking at */
  baseRevision: z.number().int().min(1),
  /** write even though the event changed since baseRevision (after reviewing the diff) */
  override: z.boolean().optional(),
  editor: EditorName.optional(),
};

function allOptional<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
}

const createCommon = {
  channel: name,
  quality: name.optional(),
  category: sheetFields.category.optional(),
  notes: sheetFields.notes.optional(),
  description: sheetFields.description.optional(),
  tags: tagList.optional(),
  editor: writeMeta.editor,
};
/** A live marker: the event starts leadInSeconds before `time` and has no end yet. */
export const CreateMarkerBody = z.strictObject({ ...createCommon, time: isoTime, leadInSeconds: z.number().min(0).max(3600).optional() });
/** A time range: the event is [start, end) and starts out as a ready single-range edit. */
export const CreateRangeBody = z.strictObject({ ...createCommon, start: isoTime, end: isoTime });

export const EditBody = z.strictObject({ ...writeMeta, ...allOptional(sheetFields), ...allOptional(editFields) });

/**
 * Same shape as an edit (a form may send the whole event back); operations.modify refuses any
 * non-modifiable field whose value differs from the stored one.
 */
export const ModifyBody = EditBody;

export const TransitionBody = z.strictObject(writeMeta);

export const ManualLinkBody = z.strictObject({
  ...writeMeta,
  video_link: z.string().max(2000).refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL'),
  video_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, _ and -').optional(),
});

export const ListQuery = z.strictObject({
  state: z.array(z.enum(EVENT_STATES)).optional(),
  channel: name.optional(),
  tag: z.string().min(1).max(500).optional(),
  q: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  order: z.enum(['event_start', 'updated_at']).default('event_start'),
  desc: z.enum(['true', 'false']).default('false'),
});

/** "path: message; ..." from a zod error, for the {error} body of a 400. */
export function describeZodError(e: z.ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
