/** Tombstones and coverage through the operator API, against real fixture segments. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import HLS from 'hls-parser';
import { segmentsApiSubsystem } from '../../main/core/segments-api/index.ts';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { snapshotTree, startTestNode, tempDir, type TestNode } from '../helpers/node.ts';

let node: TestNode;
let fx: FixtureStore;
let dataDir: string;

before(async () => {
  dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 60 });
  node = await startTestNode({ dataDir, subsystems: [segmentsApiSubsystem] });
});
after(async () => node.cleanup());

const post = (path: string, body: unknown) => node.get(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const playlistUris = async () => {
  const body = await (await node.get(`/playlist/desertbus/source.m3u8?start=${fx.startIso(0)}&end=${fx.startIso(60)}`)).text();
  return (HLS.parse(body) as HLS.types.MediaPlaylist).segments.map((s) => decodeURIComponent(s.uri));
};

test('tombstoning a segment removes it from the playlist and from new cuts, with the reason kept', async () => {
  const victim = fx.written.find((w) => w.index === 5)!;
  assert.ok((await playlistUris()).includes('/segments/' + victim.rel));
  const cutBefore = await (await node.get(`/cut/desertbus/source.ts?type=rough&start=${fx.startIso(4)}&end=${fx.startIso(7)}`)).arrayBuffer();
  const r = await post('/api/tombstones', { channel: 'desertbus', quality: 'source', paths: [victim.rel], reason: 'copyrighted music' });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await playlistUris()).includes('/segments/' + victim.rel), false);
  const cutAfter = await node.get(`/cut/desertbus/source.ts?type=rough&start=${fx.startIso(4)}&end=${fx.startIso(7)}`);
  assert.equal(cutAfter.status, 406, 'the range now has a hole');
  const withHoles = await (await node.get(`/cut/desertbus/source.ts?type=rough&start=${fx.startIso(4)}&end=${fx.startIso(7)}&allow_holes=true`)).arrayBuffer();
  assert.ok(withHoles.byteLength < cutBefore.byteLength, 'the tombstoned bytes are gone from the cut');
  const list = (await (await node.get(`/api/tombstones/desertbus/source?start=${fx.startIso(0)}&end=${fx.startIso(60)}`)).json()) as { path: string; reason: string }[];
  const rec = list.find((t) => t.path === victim.rel);
  assert.equal(rec?.reason, 'copyrighted music');
});

test('tombstoning a time range hits every version of every overlapping segment', async () => {
  const dry = await (await post('/api/tombstones', { channel: 'desertbus', quality: 'source', start: fx.startIso(10), end: fx.startIso(11), reason: 'x', dryRun: true })).json() as { paths: string[] };
  assert.equal(dry.paths.length, 2, 'segment 10 has two full versions');
  const before = await playlistUris();
  assert.ok(fx.written.filter((w) => w.index === 10).some((w) => before.includes('/segments/' + w.rel)));
  await post('/api/tombstones', { channel: 'desertbus', quality: 'source', start: fx.startIso(10), end: fx.startIso(11), reason: 'x' });
  const afterUris = await playlistUris();
  for (const w of fx.written.filter((w) => w.index === 10)) assert.equal(afterUris.includes('/segments/' + w.rel), false);
});

test('bad tombstone requests get 400 and change nothing', async () => {
  const snap = snapshotTree(dataDir);
  const good = fx.written[1]!.rel;
  for (const body of [
    {},
    { channel: 'desertbus', quality: 'source', paths: [good] },
    { channel: 'desertbus', quality: 'source', paths: [good], reason: '   ' },
    { channel: 'desertbus', quality: 'source', paths: ['../../api-token'], reason: 'x' },
    { channel: 'desertbus', quality: 'source', paths: ['desertbus/source/2026-11-21T10/not-a-segment.ts'], reason: 'x' },
    { channel: 'other', quality: 'source', paths: [good], reason: 'x' },
    { channel: '..', quality: 'source', start: fx.startIso(1), end: fx.startIso(2), reason: 'x' },
    { channel: 'desertbus', quality: 'source', start: fx.startIso(2), end: fx.startIso(1), reason: 'x' },
    { channel: 'desertbus', quality: 'source', start: 'soon', end: fx.startIso(1), reason: 'x' },
    { channel: 'desertbus', quality: 'source', paths: [good], start: fx.startIso(1), end: fx.startIso(2), reason: 'x' },
    { channel: 'desertbus', quality: 'source', paths: [good], reason: 'x', editor: '   ' },
    { channel: 'desertbus', quality: 'source', paths: [good], reason: 'x', editor: 'x'.repeat(101) },
    { channel: 'desertbus', quality: 'source', paths: [good], reason: 'x', editor: 42 },
  ]) {
    const r = await post('/api/tombstones', body);
    assert.ok(r.status === 400 || r.status === 403, `${JSON.stringify(body)} -> ${r.status}`);
    assert.ok(((await r.json()) as { error: string }).error.length > 3);
  }
  const notJson = await node.get('/api/tombstones', { method: 'POST', body: 'nope', headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.equal(snapshotTree(dataDir), snap);
});

test('coverage buckets show full, partial and holes', async () => {
  const r = await node.get(`/api/coverage/desertbus/source?start=${fx.startIso(0)}&end=${fx.startIso(60)}&buckets=60`);
  assert.equal(r.status, 200);
  const cov = (await r.json()) as { buckets: { full: number; partial: number }[] };
  assert.equal(cov.buckets.length, 60);
  assert.equal(cov.buckets[0]!.full, 1);
  assert.equal(cov.buckets[fx.special.partial]!.partial, 1);
  assert.equal(cov.buckets[fx.special.suspect]!.partial, 1);
  assert.equal(cov.buckets[fx.special.hole]!.full + cov.buckets[fx.special.hole]!.partial, 0);
  assert.equal(cov.buckets[fx.special.tombstoned]!.full, 0);
  for (const bad of ['buckets=0', 'buckets=5000', 'buckets=1.5']) {
    assert.equal((await node.get(`/api/coverage/desertbus/source?start=${fx.startIso(0)}&end=${fx.startIso(60)}&${bad}`)).status, 400);
  }
  assert.equal((await node.get(`/api/coverage/desertbus/source?start=2026-11-01T00:00:00Z&end=2026-11-21T00:00:00Z`)).status, 400);
});

test('coverage with a bucket width that is not a whole number of microseconds terminates', async () => {
  // 1 hour into 1023 buckets: each bucket is 3519061.58... µs; a float edge used to stall the walk.
  const start = fx.startIso(0);
  const endUs = fx.start + 3600 * 1_000_000;
  const end = new Date(endUs / 1000).toISOString();
  const r = await node.get(`/api/coverage/desertbus/source?start=${start}&end=${end}&buckets=1023`);
  assert.equal(r.status, 200);
  const cov = (await r.json()) as { buckets: { full: number; partial: number }[] };
  assert.equal(cov.buckets.length, 1023);
  const covered = cov.buckets.reduce((s, b) => s + b.full + b.partial, 0) * (3600 / 1023);
  assert.ok(Math.abs(covered - 56 * 2) < 1, `about 56 segments of 2 s are visible, got ${covered.toFixed(2)} s`);
});

// Last: it tombstones two more segments, which the coverage tests above do not expect.
test('a tombstone records who made it (the editor name the console sends), "operator" when none is given', async () => {
  type Rec = { path: string; reason: string | null; by: string | null; time: string | null };
  const [named, anonymous] = [fx.written.find((w) => w.index === 24)!, fx.written.find((w) => w.index === 25)!];
  const r1 = await post('/api/tombstones', { channel: 'desertbus', quality: 'source', paths: [named.rel], reason: 'doxxing', editor: '  Dana  ' });
  assert.equal(r1.status, 200, `named tombstone: ${await r1.clone().text()}`);
  const r2 = await post('/api/tombstones', { channel: 'desertbus', quality: 'source', paths: [anonymous.rel], reason: 'broken' });
  assert.equal(r2.status, 200, `anonymous tombstone: ${await r2.clone().text()}`);
  const list = (await (await node.get(`/api/tombstones/desertbus/source?start=${fx.startIso(0)}&end=${fx.startIso(60)}`)).json()) as Rec[];
  const [a, b] = [list.find((t) => t.path === named.rel), list.find((t) => t.path === anonymous.rel)];
  assert.deepEqual([a?.reason, a?.by], ['doxxing', 'Dana'], `the named one is by the (trimmed) editor: ${JSON.stringify(a)}`);
  assert.deepEqual([b?.reason, b?.by], ['broken', 'operator'], `the anonymous one falls back to "operator": ${JSON.stringify(b)}`);
  assert.ok(a?.time && !Number.isNaN(Date.parse(a.time)), `the named one has a time: ${JSON.stringify(a)}`);
  // The log line format is unchanged, so records written before names were sent read the same way.
  const log = readFileSync(join(dataDir, 'tombstones.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const line = log.find((l) => (l.paths as string[]).includes(named.rel));
  assert.deepEqual(Object.keys(line ?? {}).sort(), ['by', 'paths', 'reason', 'time'], `log line keys: ${JSON.stringify(line)}`);
});
