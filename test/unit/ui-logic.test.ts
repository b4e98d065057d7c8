/** The renderer's pure helpers behind the screens: coverage requests, time fields, defaults, progress, windows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults, type Draft } from '../../renderer/src/editor/model.ts';
import { OPEN_LOOKAHEAD, PAD_AFTER, PAD_BEFORE, windowFor } from '../../renderer/src/editor/window.ts';
import { bucketsFor, MAX_BUCKETS } from '../../renderer/src/lib/coverage.ts';
import { progressView } from '../../renderer/src/lib/progress.ts';
import { hashForPath } from '../../renderer/src/lib/router.ts';
import { streamsFromResponse } from '../../renderer/src/lib/streams.ts';
import { ago, clockUs, parseTimeNear } from '../../renderer/src/lib/time.ts';
import { mediaToWall, wallToMedia } from '../../renderer/src/lib/wallclock.ts';

const S = 1_000_000;
const H = 3600 * S;

test('coverage asks for at most one bucket per pixel, and a count that divides the window exactly', () => {
  for (const [width, span] of [[600, 24 * H], [1303, 72 * H], [599, 6 * H], [2560, 24 * H], [417, H], [1, H]] as const) {
    const n = bucketsFor(width, span);
    assert.ok(n >= 1 && n <= Math.min(width, MAX_BUCKETS), `${n} buckets for ${width} px`);
    assert.equal(span % n, 0, `${span} µs / ${n} buckets is whole microseconds`);
  }
  assert.equal(bucketsFor(600, 24 * H), 600);
  assert.equal(bucketsFor(0, H), 0, 'nothing until the bar is laid out');
  assert.equal(bucketsFor(5000, 24 * H) <= MAX_BUCKETS, true);
});

test('time fields take a time of day near the window, or a full ISO time', () => {
  const near = Date.UTC(2026, 10, 21, 23, 50) * 1000;
  assert.equal(parseTimeNear('23:55:01.5', near), Date.UTC(2026, 10, 21, 23, 55, 1, 500) * 1000);
  assert.equal(parseTimeNear('00:05', near), Date.UTC(2026, 10, 22, 0, 5) * 1000, 'after midnight: the next day');
  assert.equal(parseTimeNear('2026-11-20T10:00:00.000001Z', near), Date.UTC(2026, 10, 20, 10) * 1000 + 1);
  assert.equal(parseTimeNear('25:00', near), null);
  assert.equal(parseTimeNear('soon', near), null);
  assert.equal(clockUs(Date.UTC(2026, 10, 21, 1, 2, 3, 4) * 1000 + 5), '01:02:03.004005');
  assert.equal(ago(1_000_000_000, 1_000_500_000), 'just now');
});

const draft: Draft = {
  title: 't', description: '', tags: [], ranges: [{ start: 10 * S, end: 30 * S }], transitions: [], thumbnailMode: 'BARE',
  thumbnailTime: null, thumbnailTemplate: null, thumbnailCrop: null, thumbnailLocation: null, thumbnailImage: null,
  allowHoles: false, public: true, uploadLocation: null,
  chapters: [], chaptersEnabled: false,
};

test('submit defaults: the only location, the playlist template, the middle of the first range', () => {
  const d = withDefaults(draft, { locations: ['yt'] });
  assert.equal(d.uploadLocation, 'yt');
  assert.equal(d.thumbnailTime, 20 * S);
  assert.equal(withDefaults(draft, { locations: ['a', 'b'] }).uploadLocation, null, 'two locations: the operator chooses');
  assert.equal(withDefaults({ ...draft, thumbnailTime: 12 * S }).thumbnailTime, 12 * S, 'a chosen time stays');
  assert.equal(withDefaults({ ...draft, thumbnailMode: 'TEMPLATE' }, { defaultTemplate: 'frame' }).thumbnailTemplate, 'frame');
  assert.equal(withDefaults({ ...draft, thumbnailMode: 'TEMPLATE', thumbnailTemplate: 'mine' }, { defaultTemplate: 'frame' }).thumbnailTemplate, 'mine');
  assert.equal(withDefaults({ ...draft, thumbnailMode: 'NONE' }).thumbnailTime, null);
  assert.equal(draft.uploadLocation, null, 'the draft itself is not changed');
});

test('upload progress as the screens show it', () => {
  assert.deepEqual(progressView(undefined, 'EDITED'), { label: 'waiting for a cutter', pct: null, detail: '' });
  assert.equal(progressView(undefined, 'DONE'), null);
  assert.equal(progressView({ stage: 'cutting', bytes: 2e6 }, 'CLAIMED')?.pct, null);
  const up = progressView({ stage: 'uploading', bytes: 5e5, total: 2e6, rate: 1e6, eta: 1.5 }, 'CLAIMED')!;
  assert.equal(up.pct, 25);
  assert.match(up.detail, /0\.5 MB \/ 2\.0 MB · 1\.0 MB\/s · ETA 2 s/);
  assert.equal(progressView({ stage: 'finalizing' }, 'FINALIZING')?.pct, 100);
  assert.equal(progressView({ stage: 'uploading', bytes: 1, total: 2 }, 'FINALIZING')?.label, 'finishing the upload', 'a late upload message does not go backwards');
  assert.equal(progressView({ stage: 'transcoding', bytes: 1, total: 1 }, 'TRANSCODING')?.label, 'YouTube is processing the video');
});

test('the editor window: padded event, open marks reach now but not hours', () => {
  const ev = { eventStart: 100 * H, eventEnd: 100 * H + 60 * S };
  assert.deepEqual(windowFor(ev, { ranges: [] }, 200 * H), [100 * H - PAD_BEFORE, 100 * H + 60 * S + PAD_AFTER]);
  assert.deepEqual(windowFor(ev, { ranges: [{ start: 100 * H - 5 * 60 * S, end: 100 * H + 30 * S }] }, 200 * H)[0], 100 * H - 5 * 60 * S - PAD_BEFORE, 'ranges widen it');
  const mark = { eventStart: 100 * H, eventEnd: null };
  assert.deepEqual(windowFor(mark, { ranges: [{ start: 100 * H, end: null }] }, 100 * H + 30 * S), [100 * H - PAD_BEFORE, 100 * H + PAD_AFTER], 'a fresh mark');
  assert.equal(windowFor(mark, { ranges: [] }, 100 * H + 5 * 60 * S)[1], 100 * H + 5 * 60 * S, 'a mark minutes old: up to now');
  assert.equal(windowFor(mark, { ranges: [] }, 105 * H)[1], 100 * H + OPEN_LOOKAHEAD, 'an old mark: not hours');
  const [a, b] = windowFor({ eventStart: 100 * H + 123_456, eventEnd: 100 * H + 9 * S }, { ranges: [] }, 0);
  assert.equal(a % S, 0);
  assert.equal(b % S, 0);
});

test('player time <-> wall clock through PROGRAM-DATE-TIME, across a hole', () => {
  const t0 = Date.UTC(2026, 10, 21, 12) ; // ms
  const frags = [
    { start: 0, duration: 2, programDateTime: t0 },
    { start: 2, duration: 2, programDateTime: t0 + 2000 },
    // 10 s hole in the recording; the media timeline just continues
    { start: 4, duration: 2, programDateTime: t0 + 14_000 },
  ];
  assert.equal(mediaToWall(frags, 3), (t0 + 3000) * 1000);
  assert.equal(mediaToWall(frags, 5), (t0 + 15_000) * 1000);
  assert.equal(wallToMedia(frags, (t0 + 1500) * 1000), 1.5);
  assert.equal(wallToMedia(frags, (t0 + 8000) * 1000), 4, 'a time in the hole lands on the next fragment');
  assert.equal(wallToMedia(frags, (t0 - 5000) * 1000), 0, 'before the window: its start');
  assert.equal(wallToMedia([], 1), null);
});

test('stream status: the recorder status shape, errors and per-quality rows', () => {
  const [s] = streamsFromResponse({
    streams: [{
      channel: 'alpha', important: true, state: 'down', since: '2026-11-21T12:00:00.000Z', reason: 'usher 404', latestSegment: null,
      errors: { count: 2, recent: [{ at: 'x', quality: null, message: 'first' }, { at: 'y', quality: 'source', message: 'last one' }] },
      qualities: [{ quality: 'source', latestSegment: '2026-11-21T11:59:58.000Z', delaySeconds: 1.5, segmentsPerMinute: 30, bytesPerMinute: 1e6 }],
    }],
  });
  assert.ok(s, 'one row');
  assert.equal(s.channel, 'alpha');
  assert.equal(s.state, 'down');
  assert.equal(s.lastError, 'last one');
  assert.equal(s.reason, 'usher 404');
  assert.equal(s.since, Date.UTC(2026, 10, 21, 12) * 1000);
  assert.equal(s.latestSegment, Date.UTC(2026, 10, 21, 11, 59, 58) * 1000);
  assert.equal(streamsFromResponse({ streams: [{ channel: 'b', state: 'up', errors: { count: 0, recent: [] } }] })[0]?.lastError, null);
});

test('path routes from the desktop shell become hash routes', () => {
  assert.equal(hashForPath('/streams/alpha'), '#/streams/alpha');
  assert.equal(hashForPath('/events/0b7c1a52-6f7e-4a5e-9b0e-1f2d3c4b5a69'), '#/editor/0b7c1a52-6f7e-4a5e-9b0e-1f2d3c4b5a69');
  assert.equal(hashForPath('/events'), '#/events');
  assert.equal(hashForPath('/uploads?x=1'), '#/uploads');
  assert.equal(hashForPath('/streams/a%20b'), '#/streams/a%20b');
  assert.equal(hashForPath('/'), null);
  assert.equal(hashForPath('/nope'), null);
  assert.equal(hashForPath('/streams/%E0%A4%A'), null, 'malformed escapes are refused');
});
