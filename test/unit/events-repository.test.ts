/**
 * The repository as the cutter, transcode checker and updater use it (reference §5.3–5.5): claiming is
 * won by exactly one of several connections or processes and fails when an edit input changed;
 * owned writes stop matching once an operator pulls the event back; rollback after a crash; the
 * success and failure transitions; candidate listing; change history; list filters.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openEventsDb, type EventsDb } from '../../main/core/events/db.ts';
import { editInputsOf, modifiableInputsOf, type EventRecord } from '../../main/core/events/model.ts';
import { EventOperations } from '../../main/core/events/operations.ts';
import { EventsRepository, FINALIZING_DIED_ERROR } from '../../main/core/events/repository.ts';
import { PNG_MAGIC } from '../../main/core/events/validation.ts';

const S = 1_000_000;
const T0 = 1_800_000_000 * S;
const EVENTS_DIR = fileURLToPath(new URL('../../main/core/events/', import.meta.url));

let dir: string;
let file: string;
let h1: EventsDb;
let h2: EventsDb;
let repo: EventsRepository;
let repo2: EventsRepository;
let ops: EventOperations;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-events-repo-'));
  file = join(dir, 'events.sqlite3');
  h1 = await openEventsDb(file);
  h2 = await openEventsDb(file); // a second, independent connection (as a cutter process would have)
  repo = new EventsRepository(h1.db);
  repo2 = new EventsRepository(h2.db);
  ops = new EventOperations(repo, { titlePrefix: '', descriptionFooter: '', locations: ['youtube', 'local'], staticTags: [], leadInSeconds: 0 });
});
after(async () => {
  await h1.close();
  await h2.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
/** A submitted (EDITED) event ready for a cutter. */
async function edited(o: Partial<EventRecord> = {}): Promise<EventRecord> {
  const start = T0 + seq++ * 100 * S;
  const e = await ops.create({ channel: 'desertbus', start, end: start + 30 * S });
  return ops.submit(e.id, { baseRevision: e.revision, editor: 'ed' }, { video_title: `Video ${seq}`, ...o });
}

test('claim: exactly one of two connections wins each event', { timeout: 30_000 }, async () => {
  const events = await Promise.all(Array.from({ length: 20 }, () => edited()));
  const results = await Promise.all(events.flatMap((e) => [
    repo.claimEvent(e.id, 'cutter-a', editInputsOf(e)),
    repo2.claimEvent(e.id, 'cutter-b', editInputsOf(e)),
  ]));
  for (let i = 0; i < events.length; i++) {
    const [a, b] = [results[2 * i], results[2 * i + 1]];
    assert.equal(Number(a) + Number(b), 1, `event ${i}: exactly one winner`);
    const now = (await repo.get(events[i]!.id))!;
    assert.equal(now.state, 'CLAIMED');
    assert.equal(now.uploader, a ? 'cutter-a' : 'cutter-b');
    assert.equal(now.error, null);
  }
});

test('claim: exactly one of two separate processes wins each event', { timeout: 40_000 }, async () => {
  const events = await Promise.all(Array.from({ length: 30 }, () => edited()));
  const code = `
    const { openEventsDb } = await import(${JSON.stringify(join(EVENTS_DIR, 'db.ts'))});
    const { EventsRepository } = await import(${JSON.stringify(join(EVENTS_DIR, 'repository.ts'))});
    const { editInputsOf } = await import(${JSON.stringify(join(EVENTS_DIR, 'model.ts'))});
    const [file, name, order] = process.argv.slice(1);
    const h = await openEventsDb(file);
    const repo = new EventsRepository(h.db);
    const cands = await repo.listCandidates(name, ['youtube']);
    if (order === 'reverse') cands.reverse(); // the two processes meet in the middle
    process.stdout.write('READY\\n');
    await new Promise((r) => process.stdin.once('data', r));
    const won = [];
    for (const c of cands) if (await repo.claimEvent(c.id, name, editInputsOf(c))) won.push(c.id);
    process.stdout.write('WON ' + JSON.stringify(won) + '\\n');
    await h.close();
    process.exit(0);`;
  const kids = ['proc-1', 'proc-2'].map((name, i) => {
    const k = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, file, name, i ? 'reverse' : 'forward'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    k.stdout.on('data', (d) => (out += d));
    k.stderr.on('data', (d) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      k.stdout.on('data', () => out.includes('READY') && resolve());
      k.on('exit', () => reject(new Error(`${name} exited early: ${err}`)));
    });
    const done = new Promise<string[]>((resolve, reject) => k.on('exit', (c) => {
      const m = /WON (.*)/.exec(out);
      if (c !== 0 || !m) reject(new Error(`${name} failed (${c}): ${err}`));
      else resolve(JSON.parse(m[1]!) as string[]);
    }));
    return { k, ready, done };
  });
  await Promise.all(kids.map((x) => x.ready));
  for (const x of kids) x.k.stdin.write('go\n');
  const [w1, w2] = await Promise.all(kids.map((x) => x.done));
  const ids = events.map((e) => e.id);
  const mine = (w: string[]) => w.filter((id) => ids.includes(id));
  assert.equal(mine(w1!).length + mine(w2!).length, ids.length, 'every event claimed once in total');
  assert.deepEqual(mine(w1!).filter((id) => w2!.includes(id)), [], 'no event claimed by both');
  for (const e of events) {
    const now = (await repo.get(e.id))!;
    assert.equal(now.state, 'CLAIMED');
    assert.equal(now.uploader, w1!.includes(e.id) ? 'proc-1' : 'proc-2');
  }
});

test('claim fails when any edit input changed after the cutter read it, and succeeds on a fresh read', async () => {
  const e = await edited();
  const seen = editInputsOf(e);
  await ops.submit(e.id, { baseRevision: e.revision }, { video_title: 'Changed title' });
  assert.equal(await repo.claimEvent(e.id, 'cutter-a', seen), false);
  assert.equal((await repo.get(e.id))!.state, 'EDITED');
  const fresh = (await repo.get(e.id))!;
  assert.equal(await repo.claimEvent(e.id, 'cutter-a', editInputsOf(fresh)), true);

  // each kind of column takes part: JSON arrays, booleans, integers, nullable text
  for (const change of [
    { video_ranges: [{ start: e.event_start, end: e.event_start + 20 * S }] },
    { allow_holes: true }, { public: false }, { thumbnail_time: e.event_start + 1 }, { uploader_whitelist: ['x'] },
    { video_tags: ['new'] }, { upload_location: 'local' },
  ] as Partial<EventRecord>[]) {
    const ev = await edited();
    const before = editInputsOf(ev);
    await ops.submit(ev.id, { baseRevision: ev.revision }, change as never);
    assert.equal(await repo.claimEvent(ev.id, 'c', before), false, `change ${JSON.stringify(change)} must defeat the claim`);
  }
});

test('claim compares the custom thumbnail bytes too', async () => {
  const img = Buffer.concat([PNG_MAGIC, Buffer.from('one')]);
  const e = await edited({ thumbnail_mode: 'CUSTOM', thumbnail_image: img });
  const seen = editInputsOf(e);
  assert.deepEqual(seen.thumbnail_image, img);
  await ops.submit(e.id, { baseRevision: e.revision }, { thumbnail_image: Buffer.concat([PNG_MAGIC, Buffer.from('two')]) });
  assert.equal(await repo.claimEvent(e.id, 'c', seen), false);
  const fresh = (await repo.get(e.id))!;
  assert.equal(await repo.claimEvent(e.id, 'c', editInputsOf(fresh)), true);
});

test('claim is not defeated by outputs changing (a node reporting missing footage)', async () => {
  const e = await edited();
  assert.equal(await repo.setCandidateError(e.id, 'Node x does not have all the video'), true);
  assert.equal(await repo.setCandidateError(e.id, 'second message is not written'), false);
  assert.equal(await repo.claimEvent(e.id, 'cutter-a', editInputsOf(e)), true);
  assert.equal((await repo.get(e.id))!.error, null, 'claiming clears the error');
});

test('only EDITED events can be claimed', async () => {
  const e = await ops.create({ channel: 'desertbus', start: T0, end: T0 + S });
  assert.equal(await repo.claimEvent(e.id, 'c', editInputsOf(e)), false);
  assert.equal((await repo.get(e.id))!.state, 'UNEDITED');
});

test('setRowIfOwned: rowcount 1 for the owner in the expected state, 0 otherwise and after a cancel', async () => {
  const e = await edited();
  assert.equal(await repo.claimEvent(e.id, 'me', editInputsOf(e)), true);
  assert.equal(await repo.setRowIfOwned(e.id, 'someone-else', { state: 'FINALIZING' }, 'CLAIMED'), 0);
  assert.equal(await repo.setRowIfOwned(e.id, 'me', { state: 'FINALIZING' }, 'EDITED'), 0);
  assert.equal(await repo.setRowIfOwned(e.id, 'me', { thumbnail_image: Buffer.concat([PNG_MAGIC, Buffer.from('gen')]) }, 'CLAIMED'), 1);
  const withThumb = (await repo.get(e.id))!;
  assert.match(withThumb.thumbnail_image_sha256!, /^[0-9a-f]{64}$/);

  await ops.cancel(e.id, { baseRevision: withThumb.revision });
  assert.equal(await repo.markFinalizing(e.id, 'me'), 0, 'the cutter notices the cancel');
  const after = (await repo.get(e.id))!;
  assert.equal(after.state, 'UNEDITED');
  assert.equal(after.uploader, null);
});

test('re-submitting a CLAIMED event pulls it back from the cutter', async () => {
  const e = await edited();
  await repo.claimEvent(e.id, 'me', editInputsOf(e));
  const claimed = (await repo.get(e.id))!;
  const again = await ops.submit(e.id, { baseRevision: claimed.revision }, { video_title: 'Better title' });
  assert.equal(again.state, 'EDITED');
  assert.equal(again.uploader, null);
  assert.equal(await repo.markFinalizing(e.id, 'me'), 0);
});

test('success path with transcoding: CLAIMED → FINALIZING → TRANSCODING → DONE', async () => {
  const e = await edited();
  await repo.claimEvent(e.id, 'me', editInputsOf(e));
  assert.equal(await repo.markUploaded(e.id, 'me', { videoId: 'x', videoLink: 'y', thumbnailLastWritten: null, needsTranscode: true }), 0, 'not FINALIZING yet');
  assert.equal(await repo.markFinalizing(e.id, 'me'), 1);
  assert.equal(await repo.markUploaded(e.id, 'me', { videoId: 'abcdefghijk', videoLink: 'https://youtu.be/abcdefghijk', thumbnailLastWritten: 'ab'.repeat(32), needsTranscode: true }), 1);
  let now = (await repo.get(e.id))!;
  assert.equal(now.state, 'TRANSCODING');
  assert.equal(now.upload_time, null);
  assert.equal(now.uploader, 'me');
  assert.ok((await repo.listTranscoding('youtube')).some((t) => t.id === e.id));
  assert.ok(!(await repo.listTranscoding('local')).some((t) => t.id === e.id));
  assert.equal(await repo.markTranscoded([e.id, '00000000-0000-0000-0000-000000000000']), 1);
  assert.equal(await repo.markTranscoded([e.id]), 0, 'already DONE');
  assert.equal(await repo.markTranscoded([]), 0);
  now = (await repo.get(e.id))!;
  assert.equal(now.state, 'DONE');
  assert.ok(now.upload_time! > 0);
  assert.equal(now.video_id, 'abcdefghijk');
  assert.equal(now.thumbnail_last_written, 'ab'.repeat(32));
});

test('success path without transcoding goes straight to DONE with an upload time', async () => {
  const e = await edited({ upload_location: 'local' });
  await repo.claimEvent(e.id, 'me', editInputsOf(e));
  await repo.markFinalizing(e.id, 'me');
  assert.equal(await repo.markUploaded(e.id, 'me', { videoId: 'v', videoLink: 'file:///v.ts', thumbnailLastWritten: null, needsTranscode: false }), 1);
  const now = (await repo.get(e.id))!;
  assert.equal(now.state, 'DONE');
  assert.ok(now.upload_time! > 0);
});

test('failures: retryable → EDITED (released), non-retryable → UNEDITED (uploader kept), finalizing → stays with error', async () => {
  const a = await edited();
  await repo.claimEvent(a.id, 'me', editInputsOf(a));
  assert.equal(await repo.failRetryable(a.id, 'me', 'Retryable error while uploading: 503'), 1);
  let now = (await repo.get(a.id))!;
  assert.deepEqual([now.state, now.uploader, now.error], ['EDITED', null, 'Retryable error while uploading: 503']);

  const b = await edited();
  await repo.claimEvent(b.id, 'me', editInputsOf(b));
  assert.equal(await repo.failNonRetryable(b.id, 'me', 'Non-retryable error while uploading: 400'), 1);
  now = (await repo.get(b.id))!;
  assert.deepEqual([now.state, now.uploader, now.error], ['UNEDITED', 'me', 'Non-retryable error while uploading: 400']);

  const c = await edited();
  await repo.claimEvent(c.id, 'me', editInputsOf(c));
  await repo.markFinalizing(c.id, 'me');
  assert.equal(await repo.failDuringFinalizing(c.id, 'me', 'An error occurred during FINALIZING'), 1);
  now = (await repo.get(c.id))!;
  assert.deepEqual([now.state, now.error], ['FINALIZING', 'An error occurred during FINALIZING']);

  const d = await edited();
  await repo.claimEvent(d.id, 'me', editInputsOf(d));
  await repo.markFinalizing(d.id, 'me');
  assert.equal(await repo.markUploadedThumbnailFailed(d.id, 'me', { videoId: 'vid', videoLink: 'https://youtu.be/vid', error: 'Error setting thumbnail: 403' }), 1);
  now = (await repo.get(d.id))!;
  assert.deepEqual([now.state, now.video_id, now.error], ['MODIFIED', 'vid', 'Error setting thumbnail: 403']);
  assert.ok(now.last_modified! > 0 && now.upload_time! > 0);
  assert.ok(!(await repo.listModified('youtube')).some((m) => m.id === d.id), 'errored rows are skipped by the updater');
});

test('rollbackOwned: releases my CLAIMED rows, flags my FINALIZING rows once, leaves others alone', async () => {
  const mine = await edited();
  const theirs = await edited();
  const fin = await edited();
  const finErr = await edited();
  await repo.claimEvent(mine.id, 'crashy', editInputsOf(mine));
  await repo.claimEvent(theirs.id, 'other', editInputsOf(theirs));
  await repo.claimEvent(fin.id, 'crashy', editInputsOf(fin));
  await repo.markFinalizing(fin.id, 'crashy');
  await repo.claimEvent(finErr.id, 'crashy', editInputsOf(finErr));
  await repo.markFinalizing(finErr.id, 'crashy');
  await repo.failDuringFinalizing(finErr.id, 'crashy', 'earlier error');

  const r = await repo2.rollbackOwned('crashy');
  assert.deepEqual(r, { released: 1, flagged: 1 });
  assert.deepEqual([(await repo.get(mine.id))!.state, (await repo.get(mine.id))!.uploader], ['EDITED', null]);
  assert.deepEqual([(await repo.get(theirs.id))!.state, (await repo.get(theirs.id))!.uploader], ['CLAIMED', 'other']);
  assert.deepEqual([(await repo.get(fin.id))!.state, (await repo.get(fin.id))!.error], ['FINALIZING', FINALIZING_DIED_ERROR]);
  assert.equal((await repo.get(finErr.id))!.error, 'earlier error');
  assert.deepEqual(await repo2.rollbackOwned('crashy'), { released: 0, flagged: 0 }, 'idempotent');
});

test('listCandidates: location, whitelist and explicit-only rules', async () => {
  const open = await edited({ upload_location: 'local' });
  const forMe = await edited({ upload_location: 'local', uploader_whitelist: ['me', 'x'] });
  const notForMe = await edited({ upload_location: 'local', uploader_whitelist: ['x'] });
  const ids = (l: EventRecord[]) => l.map((e) => e.id).filter((id) => [open.id, forMe.id, notForMe.id].includes(id)).sort();
  assert.deepEqual(ids(await repo.listCandidates('me', ['local'])), [open.id, forMe.id].sort());
  assert.deepEqual(ids(await repo.listCandidates('me', ['local'], { explicitOnly: true })), [forMe.id]);
  assert.deepEqual(ids(await repo.listCandidates('me', ['youtube'])), []);
  assert.deepEqual(await repo.listCandidates('me', []), []);
  const cand = (await repo.listCandidates('me', ['local'])).find((c) => c.id === open.id)!;
  assert.equal(cand.video_title, open.video_title, 'candidates carry the full edit inputs');
});

test('updater: markUpdated only if no modifiable field changed since it read the row', async () => {
  const e = await edited();
  await repo.claimEvent(e.id, 'me', editInputsOf(e));
  await repo.markFinalizing(e.id, 'me');
  await repo.markUploaded(e.id, 'me', { videoId: 'v1', videoLink: 'https://youtu.be/v1', thumbnailLastWritten: null, needsTranscode: false });
  let cur = (await repo.get(e.id))!;
  cur = await ops.modify(e.id, { baseRevision: cur.revision }, { video_title: 'New title' });
  const listed = (await repo.listModified('youtube')).find((m) => m.id === e.id)!;
  assert.equal(listed.video_title, 'New title');
  const seen = modifiableInputsOf(listed);
  cur = await ops.modify(e.id, { baseRevision: cur.revision }, { video_title: 'Newer title' });
  assert.equal(await repo.markUpdated(e.id, seen), false, 'a newer edit keeps it MODIFIED');
  const again = (await repo.listModified('youtube')).find((m) => m.id === e.id)!;
  assert.equal(await repo.markUpdated(e.id, modifiableInputsOf(again), { thumbnail_last_written: 'cd'.repeat(32) }), true);
  const done = (await repo.get(e.id))!;
  assert.deepEqual([done.state, done.video_title, done.thumbnail_last_written], ['DONE', 'Newer title', 'cd'.repeat(32)]);

  const f = (await ops.modify(e.id, { baseRevision: done.revision }, { public: false }))!;
  assert.equal(await repo.setUpdateError(f.id, 'Failed to update video: 403'), true);
  assert.ok(!(await repo.listModified('youtube')).some((m) => m.id === e.id));
});

test('every write bumps the revision and appends a history entry with actor and action', async () => {
  const e = await edited();
  await repo.claimEvent(e.id, 'cutter-z', editInputsOf(e));
  const hist = await repo.history(e.id);
  assert.deepEqual(hist.map((x) => [x.revision, x.action]), [[1, 'create'], [2, 'submit'], [3, 'claim']]);
  assert.equal(hist[1]!.actor, 'ed');
  assert.equal(hist[2]!.actor, 'cutter-z');
  assert.equal((await repo.snapshotAt(e.id, 2))!.state, 'EDITED');
  assert.equal((await repo.snapshotAt(e.id, 3))!.uploader, 'cutter-z');
  assert.equal(await repo.snapshotAt(e.id, 4), undefined);
});

test('updateIfRevision refuses a stale revision', async () => {
  const e = await ops.create({ channel: 'desertbus', time: T0 });
  assert.equal(await repo.updateIfRevision(e.id, e.revision + 1, { notes: 'x' }, 'draft', null), undefined);
  assert.equal((await repo.updateIfRevision(e.id, e.revision, { notes: 'x' }, 'draft', null))!.revision, 2);
  assert.equal(await repo.updateIfRevision(e.id, e.revision, { notes: 'y' }, 'draft', null), undefined);
});

test('list: filters by state, channel, whole tag, text (wildcards literal), with paging and total', async () => {
  const d = mkdtempSync(join(tmpdir(), 'tapedeck-events-list-'));
  const h = await openEventsDb(join(d, 'events.sqlite3'));
  try {
    const r = new EventsRepository(h.db);
    const o = new EventOperations(r, { titlePrefix: '', descriptionFooter: '', locations: ['youtube'], staticTags: [], leadInSeconds: 0 });
    const mk = async (i: number, channel: string, tags: string[], notes = '') => o.create({ channel, start: T0 + i * S, end: T0 + i * S + S, tags, notes });
    const a = await mk(1, 'desertbus', ['Poster Moment', 'Dawn Guard'], 'the bus hit a bug');
    const b = await mk(2, 'desertbus', ['Poster'], '100% fun');
    const c = await mk(3, 'other', ['poster moment'], 'driver_swap');
    await o.submit(b.id, { baseRevision: 1 }, { video_title: 'Big Splat' });

    const ids = async (f: Parameters<typeof r.list>[0]) => (await r.list(f)).events.map((e) => e.id);
    const all = { limit: 50, offset: 0 };
    assert.deepEqual(await ids(all), [a.id, b.id, c.id]);
    assert.deepEqual(await ids({ ...all, desc: true }), [c.id, b.id, a.id]);
    assert.deepEqual(await ids({ ...all, states: ['EDITED'] }), [b.id]);
    assert.deepEqual(await ids({ ...all, states: ['EDITED', 'UNEDITED'] }), [a.id, b.id, c.id]);
    assert.deepEqual(await ids({ ...all, channel: 'other' }), [c.id]);
    assert.deepEqual(await ids({ ...all, tag: 'POSTER MOMENT' }), [a.id, c.id], 'whole tag, any case');
    assert.deepEqual(await ids({ ...all, tag: 'Poster' }), [b.id], 'not a prefix match');
    assert.deepEqual(await ids({ ...all, text: 'splat' }), [b.id], 'title');
    assert.deepEqual(await ids({ ...all, text: 'BUG' }), [a.id], 'notes');
    assert.deepEqual(await ids({ ...all, text: '0% f' }), [b.id]);
    assert.deepEqual(await ids({ ...all, text: '%' }), [b.id], '% is literal');
    assert.deepEqual(await ids({ ...all, text: 'r_s' }), [c.id], '_ is literal');
    assert.deepEqual(await ids({ ...all, text: 'r s' }), []);
    const page = await r.list({ limit: 2, offset: 1 });
    assert.deepEqual([page.events.map((e) => e.id), page.total], [[b.id, c.id], 3]);
    assert.equal((await r.list({ limit: 1, offset: 0, channel: 'desertbus' })).total, 2);
    assert.equal('thumbnail_image' in page.events[0]!, false, 'listings never load image bytes');
    assert.deepEqual((await r.listChangedSince(0)).map((x) => x.id).sort(), [a.id, b.id, c.id].sort());
    assert.deepEqual(await r.listChangedSince(Date.now() * 1000 + 60 * S), []);
  } finally {
    await h.close();
    rmSync(d, { recursive: true, force: true });
  }
});
