/**
 * Edit validation rules (thrimshim §5.2 + YouTube B6.3): every limit at and one past its boundary,
 * counted the way YouTube counts (code points for titles/tags, UTF-8 bytes for descriptions, quotes
 * and commas for tags), with the prefix/footer/static tags included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EditInputs, SheetInputs } from '../../main/core/events/model.ts';
import {
  checkDescription, checkEventTimes, checkLocation, checkPng, checkRanges, checkTags, checkThumbnail, checkTitle,
  finalDescription, finalTags, MAX_THUMBNAIL_BYTES, PNG_MAGIC, utf8Bytes, validateEvent, youtubeTagsLength,
  type EventRules,
} from '../../main/core/events/validation.ts';

const S = 1_000_000;
const T0 = 1_800_000_000 * S;
const rules = (o: Partial<EventRules> = {}): EventRules => ({ titlePrefix: '', descriptionFooter: '', locations: ['youtube', 'local'], staticTags: [], ...o });
const msgs = (ps: { message: string }[]) => ps.map((p) => p.message).join(' | ');
const png = (size: number) => Buffer.concat([PNG_MAGIC, Buffer.alloc(size - PNG_MAGIC.length, 7)]);

function complete(o: Partial<EditInputs & SheetInputs> = {}): EditInputs & SheetInputs {
  return {
    event_start: T0, event_end: T0 + 60 * S, category: '', notes: '', description: '', tags: [],
    allow_holes: false, uploader_whitelist: null, upload_location: 'youtube', public: true,
    video_ranges: [{ start: T0, end: T0 + 60 * S }], video_transitions: [], video_title: 'A title',
    video_description: '', video_tags: [], video_channel: 'desertbus', video_quality: 'source',
    thumbnail_mode: 'BARE', thumbnail_time: T0 + 10 * S, thumbnail_template: null, thumbnail_image: null,
    thumbnail_crop: null, thumbnail_location: null, ...o,
  };
}

test('title: 100 characters including the prefix, at and over the boundary', () => {
  assert.deepEqual(checkTitle('x'.repeat(100), rules(), true), []);
  assert.match(msgs(checkTitle('x'.repeat(101), rules(), true)), /Title is too long: 101 characters, max 100/);
  const r = rules({ titlePrefix: 'DB2026 - ' }); // 9 characters
  assert.deepEqual(checkTitle('x'.repeat(91), r, true), []);
  assert.match(msgs(checkTitle('x'.repeat(92), r, true)), /Title is too long: 92 characters, max 91/);
});

test('title length counts characters, not UTF-16 units or bytes', () => {
  const emoji = '\u{1F68C}'; // bus: 2 UTF-16 units, 4 bytes, 1 character
  assert.deepEqual(checkTitle(emoji.repeat(100), rules(), true), []);
  assert.equal(checkTitle(emoji.repeat(101), rules(), true).length, 1);
  assert.deepEqual(checkTitle('é'.repeat(100), rules(), true), []);
});

test('title: no < or > (also via the prefix), required and non-blank on submit, optional in drafts', () => {
  assert.match(msgs(checkTitle('a < b', rules(), true)), /may not contain < or >/);
  assert.match(msgs(checkTitle('a > b', rules(), true)), /may not contain < or >/);
  assert.match(msgs(checkTitle('fine', rules({ titlePrefix: '<DB> ' }), true)), /may not contain < or >/);
  assert.match(msgs(checkTitle(null, rules(), true)), /title is required/);
  assert.match(msgs(checkTitle('   ', rules(), true)), /title is required/);
  assert.deepEqual(checkTitle(null, rules(), false), []);
});

test('description: 5000 UTF-8 bytes, at and over, ASCII and multi-byte', () => {
  assert.deepEqual(checkDescription('a'.repeat(5000), rules()), []);
  assert.match(msgs(checkDescription('a'.repeat(5001), rules())), /5001 bytes/);
  // 2-byte characters: 2500 fit, one more ASCII byte does not (only 2501 characters!)
  assert.deepEqual(checkDescription('é'.repeat(2500), rules()), []);
  assert.equal(checkDescription('é'.repeat(2500) + 'a', rules()).length, 1);
  // 3-byte CJK and 4-byte emoji
  assert.deepEqual(checkDescription('€'.repeat(1666) + 'ab', rules()), []);
  assert.equal(checkDescription('€'.repeat(1667), rules()).length, 1);
  assert.deepEqual(checkDescription('\u{1F68C}'.repeat(1250), rules()), []);
  assert.equal(checkDescription('\u{1F68C}'.repeat(1250) + 'a', rules()).length, 1);
});

test('description limit includes the footer and its blank-line separator', () => {
  const r = rules({ descriptionFooter: 'F'.repeat(10) });
  assert.equal(finalDescription('abc', r), `abc\n\n${'F'.repeat(10)}`);
  assert.equal(finalDescription('', r), 'F'.repeat(10));
  assert.deepEqual(checkDescription('a'.repeat(4988), r), []); // 4988 + 2 + 10 = 5000
  assert.match(msgs(checkDescription('a'.repeat(4989), r)), /5001 bytes .* 12-byte footer/);
  assert.equal(utf8Bytes(finalDescription('ü'.repeat(2494), r)), 5000);
  assert.equal(checkDescription('ü'.repeat(2494), r).length, 0);
  assert.equal(checkDescription('ü'.repeat(2494) + 'x', r).length, 1);
  assert.deepEqual(checkDescription(null, r), []);
});

test('description: no < or >, including in the footer', () => {
  assert.match(msgs(checkDescription('x <b>', rules())), /may not contain < or >/);
  assert.match(msgs(checkDescription('fine', rules({ descriptionFooter: 'see <here>' }))), /may not contain/);
});

test("YouTube's tag length rule: commas between tags, quotes around tags containing spaces", () => {
  assert.equal(youtubeTagsLength([]), 0);
  assert.equal(youtubeTagsLength(['Foo Baz']), 9);
  assert.equal(youtubeTagsLength(['a', 'b']), 3);
  assert.equal(youtubeTagsLength(['Foo Baz', 'x', 'a b c']), 9 + 1 + 1 + 1 + 7);
  assert.equal(youtubeTagsLength(['\u{1F68C}\u{1F68C}']), 2);
});

test('tags: 500 at the boundary, 501 over, spaces and separators counted', () => {
  assert.deepEqual(checkTags(['a'.repeat(500)], rules()), []);
  assert.match(msgs(checkTags(['a'.repeat(501)], rules())), /501 characters/);
  assert.deepEqual(checkTags(['a'.repeat(250), 'b'.repeat(249)], rules()), []); // 250 + 1 + 249
  assert.equal(checkTags(['a'.repeat(250), 'b'.repeat(250)], rules()).length, 1);
  const spaced = `${'a'.repeat(247)} a`; // 249 chars, counts 251 with its quotes
  assert.deepEqual(checkTags([spaced, 'b'.repeat(248)], rules()), []); // 251 + 1 + 248 = 500
  assert.equal(checkTags([spaced, 'b'.repeat(249)], rules()).length, 1);
  // the same 249 characters without a space fit with one more character to spare
  assert.deepEqual(checkTags(['a'.repeat(249), 'b'.repeat(250)], rules()), []);
});

test('tags: static tags count, duplicates (any case) once; empty, comma and angle-bracket tags refused', () => {
  const r = rules({ staticTags: ['Desert Bus', 'charity'] }); // 12 + 1 + 7 = 20 (+1 comma before them)
  assert.deepEqual(finalTags(['CHARITY', 'x'], r), ['CHARITY', 'x', 'Desert Bus']);
  assert.deepEqual(checkTags(['a'.repeat(479)], r), []); // 479 + 1 + 20
  assert.match(msgs(checkTags(['a'.repeat(480)], r)), /501 characters .* static tags included/);
  assert.match(msgs(checkTags([' '], rules())), /may not be empty/);
  assert.match(msgs(checkTags(['a,b'], rules())), /may not contain <, > or a comma/);
  assert.match(msgs(checkTags(['<x>'], rules())), /may not contain/);
});

test('ranges: at least one, start < end, transitions = ranges - 1, transition fits its ranges', () => {
  const r1 = { start: T0, end: T0 + 10 * S };
  const r2 = { start: T0 + 20 * S, end: T0 + 25 * S };
  assert.match(msgs(checkRanges({ video_ranges: [], video_transitions: [] }, true)), /At least one video range/);
  assert.match(msgs(checkRanges({ video_ranges: null, video_transitions: null }, true)), /At least one video range.*video_transitions is required/);
  assert.deepEqual(checkRanges({ video_ranges: null, video_transitions: null }, false), []);
  assert.match(msgs(checkRanges({ video_ranges: [{ start: T0, end: T0 }], video_transitions: [] }, true)), /Range 1: start must be before end/);
  assert.match(msgs(checkRanges({ video_ranges: [r1, { start: T0 + 5 * S, end: T0 + 4 * S }], video_transitions: [null] }, true)), /Range 2/);
  assert.deepEqual(checkRanges({ video_ranges: [r1, r2], video_transitions: [null] }, true), []);
  assert.match(msgs(checkRanges({ video_ranges: [r1, r2], video_transitions: [] }, true)), /2 range\(s\) need 1, got 0/);
  assert.match(msgs(checkRanges({ video_ranges: [r1], video_transitions: [null] }, true)), /need 0, got 1/);
  assert.deepEqual(checkRanges({ video_ranges: [r1, r2], video_transitions: [{ type: 'fade', duration: 5 }] }, true), []);
  assert.match(msgs(checkRanges({ video_ranges: [r1, r2], video_transitions: [{ type: 'fade', duration: 5.5 }] }, true)), /longer than the range/);
  assert.match(msgs(checkRanges({ video_ranges: [r1, r2], video_transitions: [{ type: 'fade', duration: 0 }] }, true)), /duration must be/);
});

test('thumbnail inputs per mode', () => {
  const base = { thumbnail_time: null, thumbnail_template: null, thumbnail_image: null, thumbnail_crop: null, thumbnail_location: null };
  assert.deepEqual(checkThumbnail({ ...base, thumbnail_mode: 'NONE' }, true), []);
  assert.match(msgs(checkThumbnail({ ...base, thumbnail_mode: 'BARE' }, true)), /BARE needs a thumbnail time/);
  assert.deepEqual(checkThumbnail({ ...base, thumbnail_mode: 'BARE', thumbnail_time: T0 }, true), []);
  assert.match(msgs(checkThumbnail({ ...base, thumbnail_mode: 'TEMPLATE', thumbnail_time: T0 }, true)), /TEMPLATE needs a thumbnail template/);
  assert.match(msgs(checkThumbnail({ ...base, thumbnail_mode: 'TEMPLATE' }, true)), /needs a thumbnail time.*needs a thumbnail template/);
  assert.deepEqual(checkThumbnail({ ...base, thumbnail_mode: 'TEMPLATE', thumbnail_time: T0, thumbnail_template: 'default' }, true), []);
  assert.match(msgs(checkThumbnail({ ...base, thumbnail_mode: 'CUSTOM' }, true)), /CUSTOM needs a thumbnail image/);
  assert.deepEqual(checkThumbnail({ ...base, thumbnail_mode: 'CUSTOM', thumbnail_image: png(100) }, true), []);
  assert.deepEqual(checkThumbnail({ ...base, thumbnail_mode: 'BARE' }, false), []);
  assert.match(msgs(checkThumbnail({ ...base, thumbnail_mode: 'NONE', thumbnail_crop: [1, 2, 3] as never }, true)), /thumbnail_crop must be 4 integers/);
  assert.match(msgs(checkThumbnail({ ...base, thumbnail_mode: 'NONE', thumbnail_location: [1, 2, 3, 4.5] }, true)), /thumbnail_location must be 4 integers/);
  assert.deepEqual(checkThumbnail({ ...base, thumbnail_mode: 'NONE', thumbnail_crop: [0, 0, 1280, 720], thumbnail_location: [-5, 0, 10, 10] }, true), []);
});

test('custom thumbnail: PNG magic checked, 2 MiB allowed, one byte more refused', () => {
  assert.equal(checkPng(png(MAX_THUMBNAIL_BYTES)), null);
  assert.match(checkPng(png(MAX_THUMBNAIL_BYTES + 1))!, /too big .* max 2 MiB/);
  assert.match(checkPng(Buffer.from('GIF89a......'))!, /must be a PNG/);
  assert.match(checkPng(Buffer.from([0x89, 0x50]))!, /must be a PNG/);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0, 0]);
  assert.match(msgs(checkThumbnail({ thumbnail_mode: 'CUSTOM', thumbnail_time: null, thumbnail_template: null, thumbnail_image: jpeg, thumbnail_crop: null, thumbnail_location: null }, false)), /must be a PNG/);
});

test('upload location must be a configured one; required on submit', () => {
  assert.deepEqual(checkLocation('local', rules(), true), []);
  assert.match(msgs(checkLocation('elsewhere', rules(), false)), /Unknown upload location "elsewhere" \(configured: youtube, local\)/);
  assert.match(msgs(checkLocation(null, rules(), true)), /upload location is required/);
  assert.deepEqual(checkLocation(null, rules(), false), []);
});

test('event times: start before end when an end is set', () => {
  assert.deepEqual(checkEventTimes({ event_start: T0, event_end: null }), []);
  assert.deepEqual(checkEventTimes({ event_start: T0, event_end: T0 + 1 }), []);
  assert.equal(checkEventTimes({ event_start: T0, event_end: T0 }).length, 1);
});

test('validateEvent: a complete edit passes; submit reports everything, a draft only touched fields', () => {
  assert.deepEqual(validateEvent(complete(), rules(), 'submit', new Set()), []);
  const bad = complete({ video_title: null, upload_location: 'nowhere', video_description: 'a'.repeat(5001) });
  assert.equal(validateEvent(bad, rules(), 'submit', new Set()).length, 3);
  assert.deepEqual(validateEvent(bad, rules(), 'draft', new Set(['notes'])), []);
  const draft = validateEvent(bad, rules(), 'draft', new Set(['video_description']));
  assert.equal(draft.length, 1);
  assert.match(draft[0]!.message, /Description is too long/);
  // a cross-field rule shows when either of its fields is touched
  const mismatch = complete({ video_ranges: [{ start: T0, end: T0 + S }, { start: T0 + 2 * S, end: T0 + 3 * S }], video_transitions: [] });
  assert.equal(validateEvent(mismatch, rules(), 'draft', new Set(['video_ranges'])).length, 1);
  assert.equal(validateEvent(mismatch, rules(), 'draft', new Set(['video_transitions'])).length, 1);
  assert.equal(validateEvent(complete({ video_channel: null }), rules(), 'submit', new Set()).length, 1);
});

test('validateEvent modify mode checks only what a published video can change', () => {
  const e = complete({ upload_location: 'manual', video_ranges: null, video_transitions: null });
  assert.deepEqual(validateEvent(e, rules(), 'modify', new Set(['video_title'])), []);
  assert.match(msgs(validateEvent({ ...e, video_title: '' }, rules(), 'modify', new Set())), /title is required/);
  assert.match(msgs(validateEvent({ ...e, thumbnail_mode: 'CUSTOM' }, rules(), 'modify', new Set())), /CUSTOM needs/);
});
