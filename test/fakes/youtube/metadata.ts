/**
 * Video metadata validation for videos.insert / videos.update (protocols.md B6.3).
 *
 * | field                     | rule                                                          | error               |
 * |---------------------------|---------------------------------------------------------------|---------------------|
 * | snippet.title             | required, ≤ 100 characters, no '<' or '>'                     | 400 invalidTitle    |
 * | snippet.description       | ≤ 5000 UTF-8 *bytes*, no '<' or '>'                           | 400 invalidDescription |
 * | snippet.tags[]            | ≤ 500 chars total, commas count, a tag with a space counts    | 400 invalidTags     |
 * |                           | as if quoted (`Foo Baz` = 9)                                  |                     |
 * | snippet.categoryId        | an assignable category id; required on update with snippet    | 400 invalidCategoryId |
 * | status.privacyStatus      | public | unlisted | private                                   | 400 invalidVideoMetadata [UNSURE reason] |
 * | status.publishAt          | RFC 3339, in the future, only with privacyStatus=private       | 400 invalidPublishAt |
 * | status.license            | youtube | creativeCommon                                      | 400 invalidVideoMetadata |
 * | status booleans           | embeddable, publicStatsViewable, selfDeclaredMadeForKids, containsSyntheticMedia | 400 invalidVideoMetadata |
 */
import { ApiError } from './errors.ts';

/** Assignable categories in the US region (videoCategories.list?regionCode=US, assignable=true). */
export const DEFAULT_CATEGORIES: Record<string, string> = {
  '1': 'Film & Animation',
  '2': 'Autos & Vehicles',
  '10': 'Music',
  '15': 'Pets & Animals',
  '17': 'Sports',
  '19': 'Travel & Events',
  '20': 'Gaming',
  '22': 'People & Blogs',
  '23': 'Comedy',
  '24': 'Entertainment',
  '25': 'News & Politics',
  '26': 'Howto & Style',
  '27': 'Education',
  '28': 'Science & Technology',
  '29': 'Nonprofits & Activism',
};

export const MAX_TITLE_CHARS = 100;
export const MAX_DESCRIPTION_BYTES = 5000;
export const MAX_TAGS_CHARS = 500;
export const PRIVACY_STATUSES = ['public', 'unlisted', 'private'] as const;
export type PrivacyStatus = (typeof PRIVACY_STATUSES)[number];

export interface VideoSnippet {
  title: string;
  description: string;
  tags: string[];
  categoryId: string;
  defaultLanguage?: string;
  defaultAudioLanguage?: string;
}

export interface VideoStatus {
  privacyStatus: PrivacyStatus;
  publishAt?: string;
  license: 'youtube' | 'creativeCommon';
  embeddable: boolean;
  publicStatsViewable: boolean;
  selfDeclaredMadeForKids?: boolean;
  containsSyntheticMedia?: boolean;
}

const v = (reason: string, message: string) =>
  new ApiError(400, reason, message, { domain: 'youtube.video', billable: true });

export const metadataErrors = {
  invalidTitle: () => v('invalidTitle', 'The request metadata specifies an invalid or empty video title.'),
  invalidDescription: () => v('invalidDescription', 'The request metadata specifies an invalid video description.'),
  invalidTags: () => v('invalidTags', 'The request metadata specifies invalid video keywords.'),
  invalidCategoryId: () => v('invalidCategoryId', 'The request metadata specifies an invalid video category.'),
  invalidVideoMetadata: (detail: string) => v('invalidVideoMetadata', `The request metadata is invalid: ${detail}`),
  invalidPublishAt: () => v('invalidPublishAt', 'The request metadata specifies an invalid scheduled publishing time.'),
};

/** Length of a tag list by YouTube's rule: commas between tags count, tags with spaces count their quotes. */
export function tagsLength(tags: readonly string[]): number {
  if (tags.length === 0) return 0;
  let n = tags.length - 1;
  for (const t of tags) n += [...t].length + (t.includes(' ') ? 2 : 0);
  return n;
}

const hasAngle = (s: string) => s.includes('<') || s.includes('>');

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function validateSnippet(
  raw: unknown,
  opts: { requireCategory: boolean; categories: Record<string, string>; defaultCategory?: string },
): VideoSnippet {
  if (!isObject(raw)) throw metadataErrors.invalidTitle();
  const { title, description, tags, categoryId, defaultLanguage, defaultAudioLanguage } = raw;
  if (typeof title !== 'string' || title.trim() === '') throw metadataErrors.invalidTitle();
  // "100 characters": counted in code points, so one emoji is one character.
  if ([...title].length > MAX_TITLE_CHARS || hasAngle(title)) throw metadataErrors.invalidTitle();
  if (description !== undefined && typeof description !== 'string') throw metadataErrors.invalidDescription();
  const desc = description ?? '';
  if (Buffer.byteLength(desc, 'utf8') > MAX_DESCRIPTION_BYTES || hasAngle(desc)) throw metadataErrors.invalidDescription();
  let tagList: string[] = [];
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw metadataErrors.invalidTags();
    tagList = tags as string[];
    if (tagsLength(tagList) > MAX_TAGS_CHARS) throw metadataErrors.invalidTags();
  }
  let cat: string;
  if (categoryId === undefined || categoryId === null || categoryId === '') {
    if (opts.requireCategory) throw metadataErrors.invalidCategoryId();
    cat = opts.defaultCategory ?? '22';
  } else {
    cat = String(categoryId);
    if (!(cat in opts.categories)) throw metadataErrors.invalidCategoryId();
  }
  for (const [name, val] of [
    ['defaultLanguage', defaultLanguage],
    ['defaultAudioLanguage', defaultAudioLanguage],
  ] as const) {
    if (val !== undefined && typeof val !== 'string') throw metadataErrors.invalidVideoMetadata(`${name} must be a string`);
  }
  const out: VideoSnippet = { title, description: desc, tags: tagList, categoryId: cat };
  if (typeof defaultLanguage === 'string') out.defaultLanguage = defaultLanguage;
  if (typeof defaultAudioLanguage === 'string') out.defaultAudioLanguage = defaultAudioLanguage;
  return out;
}

export function validateStatus(raw: unknown, now: number, previous?: VideoStatus): VideoStatus {
  if (raw !== undefined && !isObject(raw)) throw metadataErrors.invalidVideoMetadata('status must be an object');
  const s = (raw ?? {}) as Record<string, unknown>;
  const privacy = s.privacyStatus ?? previous?.privacyStatus ?? 'public';
  if (!PRIVACY_STATUSES.includes(privacy as PrivacyStatus)) {
    throw metadataErrors.invalidVideoMetadata(`invalid privacyStatus ${JSON.stringify(privacy)}`);
  }
  const license = s.license ?? 'youtube';
  if (license !== 'youtube' && license !== 'creativeCommon') {
    throw metadataErrors.invalidVideoMetadata(`invalid license ${JSON.stringify(license)}`);
  }
  const bools: Record<string, boolean | undefined> = {};
  for (const k of ['embeddable', 'publicStatsViewable', 'selfDeclaredMadeForKids', 'containsSyntheticMedia']) {
    const val = s[k];
    if (val !== undefined && typeof val !== 'boolean') throw metadataErrors.invalidVideoMetadata(`${k} must be a boolean`);
    bools[k] = val as boolean | undefined;
  }
  const out: VideoStatus = {
    privacyStatus: privacy as PrivacyStatus,
    license,
    embeddable: bools.embeddable ?? true,
    publicStatsViewable: bools.publicStatsViewable ?? true,
  };
  const kids = bools.selfDeclaredMadeForKids ?? previous?.selfDeclaredMadeForKids;
  if (kids !== undefined) out.selfDeclaredMadeForKids = kids;
  if (bools.containsSyntheticMedia !== undefined) out.containsSyntheticMedia = bools.containsSyntheticMedia;
  if (s.publishAt !== undefined && s.publishAt !== null) {
    // Scheduled publishing only makes sense for a private video, at a parseable future time.
    if (typeof s.publishAt !== 'string') throw metadataErrors.invalidPublishAt();
    const t = Date.parse(s.publishAt);
    if (Number.isNaN(t) || out.privacyStatus !== 'private' || t <= now) throw metadataErrors.invalidPublishAt();
    out.publishAt = new Date(t).toISOString().replace('.000Z', 'Z');
  }
  return out;
}
