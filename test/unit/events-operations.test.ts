/**
 * Editor operations: creation from a live marker or a range, the state machine (which action is
 * allowed from which state), validation failures that change nothing, stale edits refused with the
 * fields that changed (base/ours/theirs) unless overridden, the thumbnail image rule and manual links.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openEventsDb, type EventsDb } from '../../main/core/events/db.ts';
import { editInputsOf, type EventRecord, type EventState } from '../../main/core/events/model.ts';
import {
  EventOperations, NotFoundError, StaleEditError, StateConflictError,
} from '../../main/core/events/operations.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';
import { PNG_MAGIC, ValidationError } from '../../main/core/events/validation.ts';

const S = 1_000_000;
const T0 = 1_800_000_000 * S;
const PNG = Buffer.concat([PNG_MAGIC, Buffer.from('image-bytes')]);

let dir: string;
let h: EventsDb;
let repo: EventsRepository;
let ops: EventOperations;
const changes: [string, number, string][] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-events-ops-'));
  h = await openEventsDb(join(dir, 'events.sqlite3'));
  repo = new EventsRepository(h.db, { onChange: (e, action) => changes.push([e.id, e.revision, action]) });
  ops = new EventOperations(repo, { titlePrefix: 'DB - ', descriptionFooter: 'Footer', locations: ['youtube', 'local'], staticTags: [], leadInSeconds: 30 });
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
const range = () => {
  const start = T0 + seq++ * 1000 * S;
  return { channel: 'desertbus', start, end: start + 60 * S };
};

/** Drive an event into `state` through the real operations and cutter calls. */
async function inState(state: EventState): Promise<EventRecord> {
  let e = await ops.create(range());
  if (state === 'UNEDITED') return e;
  e = await ops.submit(e.id, { baseRevision: e.revision }, { video_title: 'T' });
  if (state === 'EDITED') return e;
  assert.ok(await repo.claimEvent(e.id, 'cutter', editInputsOf(e)));
  if (state === 'CLAIMED') return (await repo.get(e.id))!;
  await repo.markFinalizing(e.id, 'cutter');
  if (state === 'FINALIZING') return (await repo.get(e.id))!;
  await repo.markUploaded(e.id, 'cutter', { videoId: 'abcdefghijk', videoLink: 'https://youtu.be/abcdefghijk', thumbnailLastWritten: null, needsTranscode: true });
  if (state === 'TRANSCODING') return (await repo.get(e.id))!;
  await repo.markTranscoded([e.id]);
  e = (await repo.get(e.id))!;
  if (state === 'DONE') return e;
  return ops.modify(e.id, { baseRevision: e.revision }, { video_title: 'T2' });
}

async function expectUnchanged(e: EventRecord, action: () => Promise<unknown>, kind: new (...a: never[]) => Error, pattern?: RegExp): Promise<Error> {
  const before = (await repo.get(e.id))!;
  let caught: Error | undefined;
  await assert.rejects(action(), (err: Error) => {
    caught = err;
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${err.constructor.name}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
  const after = (await repo.get(e.id))!;
  assert.deepEqual(after, before, 'a refused write changes nothing');
  return caught!;
}

test('a live marker starts lead-in seconds before the marked time and has no end', async () => {
  const e = await ops.create({ channel: 'desertbus', time: T0, tags: ['Poster Moment'], editor: 'alice' });
  assert.equal(e.event_start, T0 - 30 * S);
  assert.equal(e.event_end, null);
  assert.equal(e.thumbnail_time, T0);
  assert.deepEqual([e.state, e.revision, e.created_by, e.video_channel, e.quality], ['UNEDITED', 1, 'alice', 'desertbus', 'source']);
  assert.deepEqual(e.video_tags, ['Poster Moment']);
  assert.equal(e.upload_location, 'youtube', 'first configured location is the default');
  const f = await ops.create({ channel: 'desertbus', quality: '720p', time: T0, leadInSeconds: 2.5 });
  assert.equal(f.event_start, T0 - 2_500_000);
  assert.equal(f.video_quality, '720p');
});

test('a range becomes a ready single-range edit; an empty or inverted range is refused', async () => {
  const r = range();
  const e = await ops.create(r);
  assert.deepEqual([e.event_start, e.event_end], [r.start, r.end]);
  assert.deepEqual(e.video_ranges, [{ start: r.start, end: r.end }]);
  assert.deepEqual(e.video_transitions, []);
  assert.equal(e.thumbnail_time, r.start + 30 * S);
  await assert.rejects(ops.create({ channel: 'x', start: T0, end: T0 }), ValidationError);
  await assert.rejects(ops.create({ channel: 'x', start: T0, end: T0 - 1 }), ValidationError);
});

test('submit needs every required input; a refused submit changes nothing', async () => {
  const e = await ops.create({ channel: 'desertbus', time: T0 });
  const err = await expectUnchanged(e, () => ops.submit(e.id, { baseRevision: 1 }, {}), ValidationError) as ValidationError;
  assert.match(err.message, /A video title is required/);
  assert.match(err.message, /At least one video range is required/);
  assert.match(err.message, /video_transitions is required/);
  const ok = await ops.submit(e.id, { baseRevision: 1, editor: 'bob' }, {
    video_title: 'Bus crash', video_ranges: [{ start: T0, end: T0 + 10 * S }], video_transitions: [],
  });
  assert.deepEqual([ok.state, ok.editor, ok.revision, ok.video_description], ['EDITED', 'bob', 2, '']);
  assert.ok(ok.edit_time! > 0);
});

test('validation is applied with the prefix and footer the node is configured with', async () => {
  const e = await ops.create(range());
  await expectUnchanged(e, () => ops.submit(e.id, { baseRevision: 1 }, { video_title: 'x'.repeat(96) }), ValidationError, /max 95/);
  assert.equal((await ops.submit(e.id, { baseRevision: 1 }, { video_title: 'x'.repeat(95) })).state, 'EDITED');
  const f = await ops.create(range());
  // footer "Footer" (6 bytes) + "\n\n"
  await expectUnchanged(f, () => ops.saveDraft(f.id, { baseRevision: 1 }, { video_description: 'a'.repeat(4993) }), ValidationError, /5001 bytes/);
  assert.equal((await ops.saveDraft(f.id, { baseRevision: 1 }, { video_description: 'a'.repeat(4992) })).revision, 2);
  await expectUnchanged(f, () => ops.saveDraft(f.id, { baseRevision: 2 }, { upload_location: 'mars' }), ValidationError, /Unknown upload location/);
});

test('a draft may be incomplete but not invalid, and keeps the event UNEDITED', async () => {
  const e = await ops.create({ channel: 'desertbus', time: T0 });
  const d = await ops.saveDraft(e.id, { baseRevision: 1 }, { notes: 'check the chat', video_title: null });
  assert.deepEqual([d.state, d.notes, d.revision], ['UNEDITED', 'check the chat', 2]);
  await expectUnchanged(d, () => ops.saveDraft(e.id, { baseRevision: 2 }, { video_title: 'a <b>' }), ValidationError, /< or >/);
  await expectUnchanged(d, () => ops.saveDraft(e.id, { baseRevision: 2 }, { event_end: T0 - 60 * S }), ValidationError, /event_start must be before event_end/);
});

test('state machine: which action is allowed from which state', async () => {
  const ALL: EventState[] = ['UNEDITED', 'EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING', 'DONE', 'MODIFIED'];
  const allowed = {
    saveDraft: ['UNEDITED', 'EDITED', 'CLAIMED'],
    submit: ['UNEDITED', 'EDITED', 'CLAIMED'],
    modify: ['DONE', 'MODIFIED'],
    cancel: ['EDITED', 'CLAIMED'],
    reset: ALL,
    manualLink: ['UNEDITED'],
  } as const;
  const result = { saveDraft: 'UNEDITED', submit: 'EDITED', modify: 'MODIFIED', cancel: 'UNEDITED', reset: 'UNEDITED', manualLink: 'DONE' } as const;
  for (const state of ALL) {
    for (const action of Object.keys(allowed) as (keyof typeof allowed)[]) {
      const e = await inState(state);
      assert.equal(e.state, state);
      const meta = { baseRevision: e.revision };
      const run = () => {
        switch (action) {
          case 'saveDraft': return ops.saveDraft(e.id, meta, { notes: 'n' });
          case 'submit': return ops.submit(e.id, meta, { video_title: 'Submitted' });
          case 'modify': return ops.modify(e.id, meta, { video_title: 'Modified' });
          case 'cancel': return ops.cancel(e.id, meta);
          case 'reset': return ops.reset(e.id, meta);
          case 'manualLink': return ops.manualLink(e.id, meta, { video_link: 'https://youtu.be/ABCDEFGHIJK' });
        }
      };
      if ((allowed[action] as readonly string[]).includes(state)) {
        const out = await run();
        assert.equal(out.state, result[action], `${action} from ${state}`);
        assert.equal(out.revision, e.revision + 1);
      } else {
        const err = await expectUnchanged(e, run, StateConflictError);
        assert.equal((err as StateConflictError).state, state, `${action} from ${state} must be refused`);
      }
    }
  }
});

test('messages for refused transitions say what to do instead', async () => {
  const done = await inState('DONE');
  await assert.rejects(ops.submit(done.id, { baseRevision: done.revision }, {}), /Video already published .* use modify .* or reset/);
  const fin = await inState('FINALIZING');
  await assert.rejects(ops.cancel(fin.id, { baseRevision: fin.revision }), /may already have happened: check the video, then use reset/);
  const ed = await inState('EDITED');
  await assert.rejects(ops.modify(ed.id, { baseRevision: ed.revision }, { video_title: 'x' }), /Cannot modify an event in state EDITED \(allowed from DONE, MODIFIED\)/);
});

test('modify changes only modifiable fields, validates them, and re-queues the updater', async () => {
  const e = await inState('DONE');
  await expectUnchanged(e, () => ops.modify(e.id, { baseRevision: e.revision }, { upload_location: 'local' } as never), ValidationError, /cannot be changed on a published video/);
  await expectUnchanged(e, () => ops.modify(e.id, { baseRevision: e.revision }, { video_title: '' }), ValidationError, /title is required/);
  const m = await ops.modify(e.id, { baseRevision: e.revision }, { video_title: 'Better', public: false, video_tags: ['a b'] });
  assert.deepEqual([m.state, m.video_title, m.public, m.error], ['MODIFIED', 'Better', false, null]);
  assert.ok(m.last_modified! > 0);
  assert.equal(m.video_id, 'abcdefghijk', 'outputs of the upload are kept');
  // a form sending the whole event back: unchanged non-modifiable fields are accepted and ignored
  const full = await ops.modify(e.id, { baseRevision: m.revision }, {
    video_title: 'Best', video_ranges: m.video_ranges, upload_location: m.upload_location, allow_holes: m.allow_holes, notes: m.notes,
  });
  assert.deepEqual([full.video_title, full.video_ranges, full.revision], ['Best', m.video_ranges, m.revision + 1]);
  await expectUnchanged(full, () => ops.modify(e.id, { baseRevision: full.revision }, { video_title: 'x', allow_holes: !full.allow_holes }), ValidationError, /allow_holes cannot be changed/);
});

test('cancel of a CLAIMED event releases it; reset clears every output', async () => {
  const c = await inState('CLAIMED');
  const x = await ops.cancel(c.id, { baseRevision: c.revision });
  assert.deepEqual([x.state, x.uploader, x.error], ['UNEDITED', null, null]);
  assert.equal(await repo.markFinalizing(c.id, 'cutter'), 0);

  const d = await inState('MODIFIED');
  const r = await ops.reset(d.id, { baseRevision: d.revision, editor: 'admin' });
  assert.deepEqual(
    [r.state, r.uploader, r.error, r.video_id, r.video_link, r.editor, r.edit_time, r.upload_time, r.last_modified, r.thumbnail_last_written],
    ['UNEDITED', null, null, null, null, null, null, null, null, null],
  );
  assert.equal(r.video_title, 'T2', 'edit inputs are kept for the next attempt');
});

test('manual link: YouTube links give the video id and youtube-manual; others are manual', async () => {
  const a = await ops.create(range());
  const yt = await ops.manualLink(a.id, { baseRevision: 1 }, { video_link: 'https://www.youtube.com/watch?v=abcDEF_-123&t=5' });
  assert.deepEqual([yt.state, yt.video_id, yt.upload_location, yt.thumbnail_mode], ['DONE', 'abcDEF_-123', 'youtube-manual', 'NONE']);
  assert.ok(yt.upload_time! > 0);
  const b = await ops.create(range());
  const other = await ops.manualLink(b.id, { baseRevision: 1 }, { video_link: 'https://archive.example/v/1', video_id: 'v1' });
  assert.deepEqual([other.video_id, other.upload_location], ['v1', 'manual']);
  const c = await ops.create(range());
  await expectUnchanged(c, () => ops.manualLink(c.id, { baseRevision: 1 }, { video_link: 'https://youtu.be/abcdefghijk', video_id: 'zzzzzzzzzzz' }), ValidationError, /does not match/);
});

test('stale edit: refused with the fields the other writer changed (base, ours, theirs); override wins', async () => {
  const e = await ops.create(range());
  // editors A and B both load revision 1
  const a = await ops.saveDraft(e.id, { baseRevision: 1, editor: 'A' }, { video_title: 'Title by A', notes: 'A notes' });
  const err = await expectUnchanged(a, () => ops.saveDraft(e.id, { baseRevision: 1, editor: 'B' }, { video_title: 'Title by B', category: 'Auction' }), StaleEditError) as StaleEditError;
  assert.equal(err.current.revision, 2);
  assert.equal(err.current.video_title, 'Title by A');
  const byField = Object.fromEntries(err.changed.map((c) => [c.field, c]));
  assert.deepEqual(Object.keys(byField).sort(), ['notes', 'video_title']);
  assert.deepEqual(byField.video_title, { field: 'video_title', base: null, ours: 'Title by B', theirs: 'Title by A' });
  assert.deepEqual(byField.notes, { field: 'notes', base: '', ours: '', theirs: 'A notes' });

  const b = await ops.saveDraft(e.id, { baseRevision: 1, editor: 'B', override: true }, { video_title: 'Title by B', category: 'Auction' });
  assert.deepEqual([b.video_title, b.category, b.notes, b.revision], ['Title by B', 'Auction', 'A notes', 3]);
});

test('stale: a cutter claim since loading also counts, for submit and cancel alike', async () => {
  const e = await inState('EDITED');
  await repo.claimEvent(e.id, 'cutter', editInputsOf(e));
  const err = await expectUnchanged(e, () => ops.cancel(e.id, { baseRevision: e.revision }), StaleEditError) as StaleEditError;
  assert.deepEqual(err.changed.map((c) => c.field).sort(), ['state', 'uploader']);
  assert.equal((await ops.cancel(e.id, { baseRevision: e.revision + 1 })).state, 'UNEDITED');
});

test('stale with an unknown base revision: diff of what we send against what is stored', async () => {
  const e = await ops.create(range());
  const err = await expectUnchanged(e, () => ops.saveDraft(e.id, { baseRevision: 7 }, { video_title: 'Mine', notes: '' }), StaleEditError) as StaleEditError;
  assert.deepEqual(err.changed, [{ field: 'video_title', ours: 'Mine', theirs: null }]);
});

test('unknown event: NotFoundError', async () => {
  await assert.rejects(ops.submit('00000000-0000-4000-8000-000000000000', { baseRevision: 1 }, {}), NotFoundError);
});

test('thumbnail image: only with CUSTOM; leaving CUSTOM drops the stored image', async () => {
  const e = await ops.create(range());
  await expectUnchanged(e, () => ops.saveDraft(e.id, { baseRevision: 1 }, { thumbnail_image: PNG }), ValidationError, /only be sent with thumbnail_mode CUSTOM/);
  await expectUnchanged(e, () => ops.saveDraft(e.id, { baseRevision: 1 }, { thumbnail_mode: 'CUSTOM', thumbnail_image: Buffer.from('not a png') }), ValidationError, /must be a PNG/);
  const c = await ops.saveDraft(e.id, { baseRevision: 1 }, { thumbnail_mode: 'CUSTOM', thumbnail_image: PNG });
  assert.deepEqual(c.thumbnail_image, PNG);
  // saving other fields keeps it
  const c2 = await ops.saveDraft(e.id, { baseRevision: 2 }, { notes: 'x' });
  assert.deepEqual(c2.thumbnail_image, PNG);
  const b = await ops.saveDraft(e.id, { baseRevision: 3 }, { thumbnail_mode: 'BARE' });
  assert.equal(b.thumbnail_image, null);
  assert.equal(b.thumbnail_image_sha256, null);
  // CUSTOM without an image cannot be submitted
  await expectUnchanged(b, () => ops.submit(e.id, { baseRevision: 4 }, { video_title: 'T', thumbnail_mode: 'CUSTOM' }), ValidationError, /CUSTOM needs a thumbnail image/);
});

test('every change is reported to onChange with its revision and action', async () => {
  changes.length = 0;
  const e = await ops.create(range());
  await ops.saveDraft(e.id, { baseRevision: 1 }, { notes: 'n' });
  await assert.rejects(ops.saveDraft(e.id, { baseRevision: 1 }, { notes: 'stale' }), StaleEditError);
  assert.deepEqual(changes, [[e.id, 1, 'create'], [e.id, 2, 'draft']]);
});
