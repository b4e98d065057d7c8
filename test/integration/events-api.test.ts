/**
 * The operator events API through a real node over HTTP: every route, every 4xx (with nothing changed
 * afterwards), stale-edit 409 with the diff and override, live `event.changed` messages on the bus
 * (also for writes made by another connection, as a cutter worker would), and the DB file location.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BusMessage } from '../../main/core/bus/event-bus.ts';
import type { EventJson } from '../../main/core/events/codec.ts';
import { openEventsDb, type EventsDb } from '../../main/core/events/db.ts';
import { editInputsOf } from '../../main/core/events/model.ts';
import { EventsRepository } from '../../main/core/events/repository.ts';
import { createEventsSubsystem, eventsSubsystem } from '../../main/core/events/subsystem.ts';
import { PNG_MAGIC } from '../../main/core/events/validation.ts';
import { callJson, startTestNode, type TestNode } from '../helpers/node.ts';

let node: TestNode;
let other: EventsDb; // a second connection to the node's events DB, like a cutter worker's
let cutter: EventsRepository;
const messages: BusMessage[] = [];

before(async () => {
  node = await startTestNode({
    subsystems: [createEventsSubsystem({
      titlePrefix: 'DB - ', descriptionFooter: 'Footer text', locations: ['youtube', 'local'], staticTags: ['desert bus'],
      leadInSeconds: 10, changePollMs: 100,
    })],
  });
  node.bus.subscribe((m) => messages.push(m));
  other = await openEventsDb(join(node.dataDir, 'events.sqlite3'));
  cutter = new EventsRepository(other.db);
});
after(async () => {
  await other.close();
  await node.cleanup();
});

const BASE = '/api/db/events';
const T = '2026-11-21T19:02:03.500000Z';

const call = (method: string, path: string, body?: unknown, raw?: string) => callJson(node, method, path, body, raw);

async function current(id: string): Promise<EventJson> {
  const r = await call('GET', `${BASE}/${id}`);
  assert.equal(r.status, 200);
  return r.json.event as EventJson;
}

/** Assert a request is refused with `status` and leaves the event byte-for-byte as it was. */
async function refused(id: string, method: string, path: string, body: unknown, status: number, pattern?: RegExp, raw?: string): Promise<any> {
  const before = await current(id);
  const r = await call(method, path, body, raw);
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(typeof r.json.error, 'string');
  if (pattern) assert.match(r.json.error, pattern);
  assert.deepEqual(await current(id), before, 'a refused request changes nothing');
  return r.json;
}

async function createRange(start = '2026-11-21T19:00:00Z', end = '2026-11-21T19:01:00Z'): Promise<EventJson> {
  const r = await call('POST', BASE, { channel: 'desertbus', start, end });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.event;
}

const png = (extra = 'x') => Buffer.concat([PNG_MAGIC, Buffer.from(extra)]).toString('base64');

test('the default subsystem stores events in DATA/events.sqlite3', async () => {
  const n = await startTestNode({ subsystems: [eventsSubsystem] });
  try {
    assert.ok(existsSync(join(n.dataDir, 'events.sqlite3')));
    const r = await n.get(`${BASE}/defaults`);
    assert.equal((await r.json()).upload_locations[0], 'youtube');
  } finally {
    await n.cleanup();
  }
});

test('GET defaults describes the limits the UI must show', async () => {
  const r = await call('GET', `${BASE}/defaults`);
  assert.equal(r.status, 200);
  assert.equal(r.json.title_prefix, 'DB - ');
  assert.equal(r.json.title_max_length, 95);
  assert.equal(r.json.description_max_bytes, 5000);
  assert.deepEqual(r.json.upload_locations, ['youtube', 'local']);
  assert.deepEqual(r.json.static_tags, ['desert bus']);
  assert.equal(r.json.lead_in_seconds, 10);
});

test('POST a live marker and a range; GET it back', async () => {
  const m = await call('POST', BASE, { channel: 'desertbus', time: T, tags: ['Poster Moment'], notes: 'bug on windshield', editor: 'alice' });
  assert.equal(m.status, 201);
  const e = m.json.event as EventJson;
  assert.match(e.id, /^[0-9a-f-]{36}$/);
  assert.equal(e.event_start, '2026-11-21T19:01:53.500000Z', '10 s lead-in');
  assert.equal(e.event_end, null);
  assert.equal(e.thumbnail_time, T);
  assert.deepEqual([e.state, e.revision, e.created_by, e.quality], ['UNEDITED', 1, 'alice', 'source']);
  assert.deepEqual(await current(e.id), e);

  const lead = await call('POST', BASE, { channel: 'desertbus', time: T, leadInSeconds: 0 });
  assert.equal(lead.json.event.event_start, T);

  const r = await createRange();
  assert.deepEqual(r.video_ranges, [{ start: '2026-11-21T19:00:00.000000Z', end: '2026-11-21T19:01:00.000000Z' }]);
  assert.deepEqual(r.video_transitions, []);
});

test('POST refuses bad input with 400 and creates nothing', async () => {
  const before = (await call('GET', `${BASE}?limit=500`)).json.total;
  const bad: [unknown, RegExp][] = [
    [{ time: T }, /channel/],
    [{ channel: 'desertbus' }, /time/],
    [{ channel: '../etc', time: T }, /channel/],
    [{ channel: 'desertbus', time: 'yesterday' }, /Invalid time/],
    [{ channel: 'desertbus', time: '2026-02-30T00:00:00Z' }, /no such date/],
    [{ channel: 'desertbus', time: T, leadInSeconds: -1 }, /leadInSeconds/],
    [{ channel: 'desertbus', time: T, bogus: 1 }, /bogus/],
    [{ channel: 'desertbus', start: T, end: T }, /start must be before end/],
    [{ channel: 'desertbus', start: T }, /end/],
    [{ channel: 'desertbus', time: T, tags: [''] }, /tags/],
    [[1, 2], /JSON object/],
  ];
  for (const [body, re] of bad) {
    const r = await call('POST', BASE, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.error, re);
  }
  const notJson = await call('POST', BASE, undefined, '{nope');
  assert.equal(notJson.status, 400);
  assert.equal((await call('GET', `${BASE}?limit=500`)).json.total, before);
});

test('GET one: 400 for a malformed id, 404 for an unknown one', async () => {
  const bad = await call('GET', `${BASE}/not-a-uuid`);
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /Invalid event id/);
  const missing = await call('GET', `${BASE}/00000000-0000-4000-8000-000000000000`);
  assert.equal(missing.status, 404);
  assert.match(missing.json.error, /No event/);
  for (const sub of ['history', 'thumbnail.png']) assert.equal((await call('GET', `${BASE}/00000000-0000-4000-8000-000000000000/${sub}`)).status, 404);
});

test('GET list: filters, paging, and 400 for bad parameters', async () => {
  const a = (await call('POST', BASE, { channel: 'listchan', time: '2030-01-01T00:00:00Z', tags: ['Art Challenge'], notes: 'giant llama' })).json.event;
  const b = (await call('POST', BASE, { channel: 'listchan', time: '2030-01-01T01:00:00Z', tags: ['Auction'] })).json.event;
  await call('POST', `${BASE}/${b.id}/submit`, { baseRevision: 1, video_title: 'Signed poster auction', video_ranges: [{ start: '2030-01-01T00:59:00Z', end: '2030-01-01T01:00:00Z' }], video_transitions: [] });
  const ids = async (qs: string) => ((await call('GET', `${BASE}?${qs}`)).json.events as EventJson[]).map((e) => e.id);
  assert.deepEqual(await ids('channel=listchan'), [a.id, b.id]);
  assert.deepEqual(await ids('channel=listchan&desc=true'), [b.id, a.id]);
  assert.deepEqual(await ids('channel=listchan&state=EDITED'), [b.id]);
  assert.deepEqual(await ids('channel=listchan&state=EDITED,UNEDITED'), [a.id, b.id]);
  assert.deepEqual(await ids('channel=listchan&state=EDITED&state=UNEDITED'), [a.id, b.id]);
  assert.deepEqual(await ids('channel=listchan&tag=art%20challenge'), [a.id]);
  assert.deepEqual(await ids('channel=listchan&q=LLAMA'), [a.id]);
  assert.deepEqual(await ids('channel=listchan&q=poster'), [b.id]);
  const page = await call('GET', `${BASE}?channel=listchan&limit=1&offset=1`);
  assert.deepEqual([page.json.events.map((e: EventJson) => e.id), page.json.total, page.json.limit, page.json.offset], [[b.id], 2, 1, 1]);
  for (const qs of ['limit=0', 'limit=501', 'offset=-1', 'state=BOGUS', 'channel=a&channel=b', 'order=title', 'desc=yes', 'unknown=1', 'limit=abc']) {
    const r = await call('GET', `${BASE}?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.equal(typeof r.json.error, 'string');
  }
});

test('PUT saves a draft; bad values 400 with nothing changed', async () => {
  const e = await createRange('2026-11-21T20:00:00Z', '2026-11-21T20:01:00Z');
  const r = await call('PUT', `${BASE}/${e.id}`, { baseRevision: 1, video_title: 'Draft title', notes: 'n', video_tags: ['a b'], editor: 'bob' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual([r.json.event.state, r.json.event.video_title, r.json.event.revision], ['UNEDITED', 'Draft title', 2]);
  const p = `${BASE}/${e.id}`;
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_title: 'x'.repeat(96) }, 400, /Title is too long: 96 characters, max 95/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_title: 'a<b' }, 400, /< or >/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_description: 'é'.repeat(2494) }, 400, /5001 bytes/); // + "\n\n" + 11-byte footer
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_tags: ['t'.repeat(488)] }, 400, /Tags are too long: 501/); // + "," + "desert bus" quoted (12)
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_ranges: [{ start: '2026-11-21T20:00:10Z', end: '2026-11-21T20:00:05Z' }] }, 400, /start must be before end/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_ranges: [{ start: '2026-11-21T20:00:00Z', end: '2026-11-21T20:00:05Z' }, { start: '2026-11-21T20:00:10Z', end: '2026-11-21T20:00:15Z' }], video_transitions: [] }, 400, /exactly one transition/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, upload_location: 'mars' }, 400, /Unknown upload location/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, thumbnail_mode: 'FANCY' }, 400, /thumbnail_mode/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, thumbnail_crop: [1, 2, 3] }, 400, /thumbnail_crop/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, thumbnail_location: [1, 2, 3, 4.5] }, 400, /integer/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, video_transitions: [{ type: 'Fade!', duration: 1 }] }, 400, /xfade/);
  await refused(e.id, 'PUT', p, { baseRevision: 2, state: 'DONE' }, 400, /state/);
  await refused(e.id, 'PUT', p, { video_title: 'no revision' }, 400, /baseRevision/);
  await refused(e.id, 'PUT', p, { baseRevision: 0 }, 400, /baseRevision/);
  await refused(e.id, 'PUT', p, undefined, 400, /JSON object/, 'not json');
  const atLimit = await call('PUT', p, { baseRevision: 2, video_tags: ['t'.repeat(487)], video_description: 'é'.repeat(2493) });
  assert.equal(atLimit.status, 200, JSON.stringify(atLimit.json));
});

test('stale PUT: 409 with current and the changed fields; override saves', async () => {
  const e = await createRange('2026-11-21T21:00:00Z', '2026-11-21T21:01:00Z');
  const p = `${BASE}/${e.id}`;
  assert.equal((await call('PUT', p, { baseRevision: 1, video_title: 'From Alice', editor: 'alice' })).status, 200);
  const stale = await refused(e.id, 'PUT', p, { baseRevision: 1, video_title: 'From Bob', editor: 'bob' }, 409, /changed since you loaded it/);
  assert.equal(stale.code, 'stale');
  assert.equal(stale.current.revision, 2);
  assert.equal(stale.current.video_title, 'From Alice');
  assert.deepEqual(stale.changed, [{ field: 'video_title', base: null, ours: 'From Bob', theirs: 'From Alice' }]);
  const ok = await call('PUT', p, { baseRevision: 1, video_title: 'From Bob', override: true });
  assert.equal(ok.status, 200);
  assert.deepEqual([ok.json.event.video_title, ok.json.event.revision], ['From Bob', 3]);
});

test('submit: 400 when incomplete, EDITED when complete, 409 once published', async () => {
  const m = (await call('POST', BASE, { channel: 'desertbus', time: T })).json.event as EventJson;
  const s = `${BASE}/${m.id}/submit`;
  const j = await refused(m.id, 'POST', s, { baseRevision: 1 }, 400, /title is required/);
  assert.ok(j.problems.some((p: { fields: string[] }) => p.fields.includes('video_ranges')));
  const ok = await call('POST', s, {
    baseRevision: 1, video_title: 'The bus', video_ranges: [{ start: '2026-11-21T19:01:53Z', end: '2026-11-21T19:02:53Z' }],
    video_transitions: [], thumbnail_mode: 'TEMPLATE', thumbnail_template: 'default', editor: 'carol',
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.deepEqual([ok.json.event.state, ok.json.event.editor, ok.json.event.revision], ['EDITED', 'carol', 2]);
  assert.ok(ok.json.event.edit_time);

  // publish it through the cutter's calls, then submit is a state conflict
  const rec = (await cutter.get(m.id))!;
  assert.ok(await cutter.claimEvent(m.id, 'node-b', editInputsOf(rec)));
  await cutter.markFinalizing(m.id, 'node-b');
  await cutter.markUploaded(m.id, 'node-b', { videoId: 'abcdefghijk', videoLink: 'https://youtu.be/abcdefghijk', thumbnailLastWritten: null, needsTranscode: false });
  const done = await current(m.id);
  const conflict = await refused(m.id, 'POST', s, { baseRevision: done.revision, video_title: 'again' }, 409, /Video already published/);
  assert.deepEqual([conflict.code, conflict.state], ['state', 'DONE']);
});

test('modify: 409 unless published, 400 for fields a published video cannot change, MODIFIED otherwise', async () => {
  const e = await createRange('2026-11-21T22:00:00Z', '2026-11-21T22:01:00Z');
  const m = `${BASE}/${e.id}/modify`;
  await refused(e.id, 'POST', m, { baseRevision: 1, video_title: 'x' }, 409, /Cannot modify an event in state UNEDITED/);
  await call('POST', `${BASE}/${e.id}/submit`, { baseRevision: 1, video_title: 'Original' });
  const rec = (await cutter.get(e.id))!;
  await cutter.claimEvent(e.id, 'node-b', editInputsOf(rec));
  await cutter.markFinalizing(e.id, 'node-b');
  await cutter.markUploaded(e.id, 'node-b', { videoId: 'v', videoLink: 'https://youtu.be/v', thumbnailLastWritten: null, needsTranscode: false });
  const done = await current(e.id);
  await refused(e.id, 'POST', m, { baseRevision: done.revision, upload_location: 'local' }, 400, /upload_location/);
  await refused(e.id, 'POST', m, { baseRevision: done.revision, video_ranges: [] }, 400, /video_ranges/);
  await refused(e.id, 'POST', m, { baseRevision: done.revision, video_title: '' }, 400, /title is required/);
  const ok = await call('POST', m, { baseRevision: done.revision, video_title: 'Renamed', public: false, video_tags: ['x'] });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.deepEqual([ok.json.event.state, ok.json.event.video_title, ok.json.event.public], ['MODIFIED', 'Renamed', false]);
  assert.ok(ok.json.event.last_modified);
  // an editor form may send every edit field back as it got them; only the title really changes
  const ev = ok.json.event as EventJson;
  const roundTrip = {
    baseRevision: ev.revision, video_title: 'Round trip', video_description: ev.video_description, video_tags: ev.video_tags,
    video_ranges: ev.video_ranges, video_transitions: ev.video_transitions, thumbnail_mode: ev.thumbnail_mode, thumbnail_time: ev.thumbnail_time,
    thumbnail_template: ev.thumbnail_template, thumbnail_crop: ev.thumbnail_crop, thumbnail_location: ev.thumbnail_location,
    allow_holes: ev.allow_holes, public: ev.public, upload_location: ev.upload_location, override: false,
  };
  const rt = await call('POST', m, roundTrip);
  assert.equal(rt.status, 200, JSON.stringify(rt.json));
  assert.equal(rt.json.event.video_title, 'Round trip');
});

test('cancel: 409 when there is nothing to cancel; pulls a CLAIMED event back so the cutter notices', async () => {
  const e = await createRange('2026-11-21T23:00:00Z', '2026-11-21T23:01:00Z');
  await refused(e.id, 'POST', `${BASE}/${e.id}/cancel`, { baseRevision: 1 }, 409, /Only EDITED or CLAIMED/);
  await refused(e.id, 'POST', `${BASE}/${e.id}/cancel`, { baseRevision: 1, video_title: 'x' }, 400, /video_title/);
  await call('POST', `${BASE}/${e.id}/submit`, { baseRevision: 1, video_title: 'To cancel' });
  const rec = (await cutter.get(e.id))!;
  assert.ok(await cutter.claimEvent(e.id, 'node-b', editInputsOf(rec)));
  const claimed = await current(e.id);
  const r = await call('POST', `${BASE}/${e.id}/cancel`, { baseRevision: claimed.revision });
  assert.equal(r.status, 200);
  assert.deepEqual([r.json.event.state, r.json.event.uploader], ['UNEDITED', null]);
  assert.equal(await cutter.markFinalizing(e.id, 'node-b'), 0);
});

test('reset: from any state back to UNEDITED, clearing outputs; stale reset is 409', async () => {
  const e = await createRange('2026-11-22T00:00:00Z', '2026-11-22T00:01:00Z');
  await call('POST', `${BASE}/${e.id}/submit`, { baseRevision: 1, video_title: 'To reset' });
  const rec = (await cutter.get(e.id))!;
  await cutter.claimEvent(e.id, 'node-b', editInputsOf(rec));
  await cutter.markFinalizing(e.id, 'node-b');
  await cutter.failDuringFinalizing(e.id, 'node-b', 'An error occurred during FINALIZING');
  const fin = await current(e.id);
  await refused(e.id, 'POST', `${BASE}/${e.id}/reset`, { baseRevision: fin.revision - 1 }, 409, /changed since you loaded it/);
  const r = await call('POST', `${BASE}/${e.id}/reset`, { baseRevision: fin.revision });
  assert.equal(r.status, 200);
  assert.deepEqual([r.json.event.state, r.json.event.uploader, r.json.event.error], ['UNEDITED', null, null]);
});

test('manual-link: 400 for a bad link, 409 unless UNEDITED, DONE otherwise', async () => {
  const e = await createRange('2026-11-22T01:00:00Z', '2026-11-22T01:01:00Z');
  const p = `${BASE}/${e.id}/manual-link`;
  await refused(e.id, 'POST', p, { baseRevision: 1, video_link: 'javascript:alert(1)' }, 400, /http\(s\) URL/);
  await refused(e.id, 'POST', p, { baseRevision: 1 }, 400, /video_link/);
  await refused(e.id, 'POST', p, { baseRevision: 1, video_link: 'https://youtu.be/abcdefghijk', video_id: 'bad id!' }, 400, /video_id/);
  const r = await call('POST', p, { baseRevision: 1, video_link: 'https://youtu.be/abcdefghijk' });
  assert.equal(r.status, 200);
  assert.deepEqual([r.json.event.state, r.json.event.video_id, r.json.event.upload_location], ['DONE', 'abcdefghijk', 'youtube-manual']);
  await refused(e.id, 'POST', p, { baseRevision: 2, video_link: 'https://youtu.be/abcdefghijk' }, 409, /state DONE/);
});

test('custom thumbnail: base64 PNG stored and served; non-PNG, bad base64, >2 MiB 400; huge body 413', async () => {
  const e = await createRange('2026-11-22T02:00:00Z', '2026-11-22T02:01:00Z');
  const p = `${BASE}/${e.id}`;
  assert.equal((await call('GET', `${p}/thumbnail.png`)).status, 404);
  await refused(e.id, 'PUT', p, { baseRevision: 1, thumbnail_mode: 'CUSTOM', thumbnail_image: Buffer.from('GIF89a').toString('base64') }, 400, /must be a PNG/);
  await refused(e.id, 'PUT', p, { baseRevision: 1, thumbnail_mode: 'CUSTOM', thumbnail_image: '***' }, 400, /base64/);
  await refused(e.id, 'PUT', p, { baseRevision: 1, thumbnail_mode: 'BARE', thumbnail_image: png() }, 400, /only be sent with thumbnail_mode CUSTOM/);
  const big = Buffer.concat([PNG_MAGIC, Buffer.alloc(2 * 1024 * 1024 - 7)]).toString('base64'); // 2 MiB + 1
  await refused(e.id, 'PUT', p, { baseRevision: 1, thumbnail_mode: 'CUSTOM', thumbnail_image: big }, 400, /too big/);
  const huge = await call('PUT', p, { baseRevision: 1, notes: 'x'.repeat(5 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  assert.equal((await current(e.id)).revision, 1);

  const exact = Buffer.concat([PNG_MAGIC, Buffer.alloc(2 * 1024 * 1024 - 8, 1)]);
  const ok = await call('PUT', p, { baseRevision: 1, thumbnail_mode: 'CUSTOM', thumbnail_image: `data:image/png;base64,${exact.toString('base64')}` });
  assert.equal(ok.status, 200, JSON.stringify(ok.json).slice(0, 300));
  assert.match(ok.json.event.thumbnail_image_sha256, /^[0-9a-f]{64}$/);
  const img = await node.get(`${p}/thumbnail.png`);
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await img.arrayBuffer()), exact);
});

test('history lists every revision with its action', async () => {
  const e = await createRange('2026-11-22T03:00:00Z', '2026-11-22T03:01:00Z');
  await call('PUT', `${BASE}/${e.id}`, { baseRevision: 1, notes: 'x', editor: 'dana' });
  await call('POST', `${BASE}/${e.id}/submit`, { baseRevision: 2, video_title: 'H', editor: 'dana' });
  const r = await call('GET', `${BASE}/${e.id}/history`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.history.map((h: { revision: number; action: string; actor: string | null }) => [h.revision, h.action, h.actor]),
    [[1, 'create', null], [2, 'draft', 'dana'], [3, 'submit', 'dana']]);
  assert.match(r.json.history[0].changed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal((await call('GET', `${BASE}/xyz/history`)).status, 400);
});

test('every change is published as event.changed, including writes by another connection', async () => {
  const e = await createRange('2026-11-22T04:00:00Z', '2026-11-22T04:01:00Z');
  const seen = (id: string, rev: number) => messages.some((m) => m.topic === 'event.changed' && m.key === id && (m.data as EventJson).revision === rev);
  assert.ok(seen(e.id, 1), 'create published');
  await call('POST', `${BASE}/${e.id}/submit`, { baseRevision: 1, video_title: 'Live' });
  assert.ok(seen(e.id, 2), 'submit published immediately');
  const count = messages.length;
  await call('POST', `${BASE}/${e.id}/submit`, { baseRevision: 1, video_title: 'stale' });
  assert.equal(messages.filter((m) => m.key === e.id).length, messages.slice(0, count).filter((m) => m.key === e.id).length, 'refused writes publish nothing');

  // the "cutter" claims through its own connection: the node notices by polling
  const rec = (await cutter.get(e.id))!;
  assert.ok(await cutter.claimEvent(e.id, 'node-b', editInputsOf(rec)));
  const deadline = Date.now() + 5000;
  while (!seen(e.id, 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(seen(e.id, 3), 'claim by another connection published');
  const msg = messages.find((m) => m.key === e.id && (m.data as EventJson).revision === 3)!;
  assert.deepEqual([(msg.data as EventJson).state, (msg.data as EventJson).uploader], ['CLAIMED', 'node-b']);
  assert.equal(messages.filter((m) => m.key === e.id && (m.data as EventJson).revision === 3).length, 1, 'published once');
  const last = node.bus.snapshot('event.changed').find((m) => m.key === e.id)!;
  assert.equal((last.data as EventJson).revision, 3, 'a newly connected UI gets the latest version');
});

test('the API sits behind the node security: no token 401, foreign Origin 403', async () => {
  assert.equal((await fetch(`${node.url}${BASE}`)).status, 401);
  const r = await node.get(BASE, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'desertbus', time: T }) });
  assert.equal(r.status, 403);
});
