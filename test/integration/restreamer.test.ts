/**
 * The restreamer routes against a store of real ffmpeg segments: listings, playlists, segments, rough
 * cuts (checked with ffprobe), waveform and frame PNGs, metrics.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import HLS from 'hls-parser';
import { buildFixtureStore, isoOf, type FixtureStore } from '../fixtures/segments.ts';
import { startTestNode, tempDir, type TestNode } from '../helpers/node.ts';
import { parseSegmentPath, US_PER_SECOND } from '../../main/media/segments/names.ts';
import { hashBytes } from '../../main/media/segments/hash.ts';

let node: TestNode;
let fx: FixtureStore;
const S = US_PER_SECOND;

before(async () => {
  const dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'));
  node = await startTestNode({ dataDir });
});
after(async () => node.cleanup());

const text = async (r: Response) => ({ status: r.status, body: await r.text() });
const mediaUrl = (q: string) => `/playlist/${fx.channel}/${fx.quality}.m3u8${q}`;

test('/files listings', async () => {
  assert.deepEqual(await (await node.get('/files')).json(), ['desertbus']);
  assert.deepEqual(await (await node.get('/files/desertbus')).json(), ['source']);
  assert.deepEqual(await (await node.get('/files/desertbus/source')).json(), ['2026-11-21T10', '2026-11-21T11']);
  assert.equal((await node.get('/files/nochannel')).status, 404);
});

test('/files/<hour> hides tombstoned segments unless tombstones=true', async () => {
  const tomb = fx.written.find((w) => w.index === fx.special.tombstoned)!;
  const hour = tomb.rel.split('/')[2]!;
  const name = tomb.rel.split('/')[3]!;
  const plain = (await (await node.get(`/files/desertbus/source/${hour}`)).json()) as string[];
  assert.equal(plain.includes(name), false);
  assert.equal(plain.some((n) => n.endsWith('.tombstone')), false);
  const withT = (await (await node.get(`/files/desertbus/source/${hour}?tombstones=true`)).json()) as string[];
  assert.ok(withT.includes(name.replace(/\.ts$/, '.tombstone')));
  assert.equal(withT.includes(name), false, 'the tombstoned .ts stays hidden; the tombstone is listed');
  const dup = fx.written.filter((w) => w.index === fx.special.duplicate);
  const dupHour = dup[0]!.rel.split('/')[2]!;
  const dupList = (await (await node.get(`/files/desertbus/source/${dupHour}`)).json()) as string[];
  for (const d of dup) assert.ok(dupList.includes(d.rel.split('/')[3]!), 'both versions are listed for backfill');
  assert.equal((await node.get(`/files/desertbus/source/${hour}?tombstones=maybe`)).status, 400);
  assert.equal((await node.get('/files/desertbus/source/2001-01-01T00')).status, 404);
});

test('/segments/<path> serves the exact bytes', async () => {
  const w = fx.written[0]!;
  const r = await node.get('/segments/' + w.rel.split('/').map(encodeURIComponent).join('/'));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'video/MP2T');
  const body = Buffer.from(await r.arrayBuffer());
  assert.equal(hashBytes(body), parseSegmentPath(w.rel).hash);
  assert.equal((await node.get('/segments/desertbus/source/2026-11-21T10/nope.ts')).status, 404);
});

test('media playlist over the whole recording: PDT on every segment, discontinuities at holes, integer target duration', async () => {
  const { status, body } = await text(await node.get(mediaUrl(`?start=${fx.startIso(0)}&end=${fx.startIso(fx.count)}`)));
  assert.equal(status, 200);
  const pl = HLS.parse(body) as HLS.types.MediaPlaylist;
  assert.equal(pl.isMasterPlaylist, false);
  assert.match(body, /^#EXT-X-TARGETDURATION:2$/m, 'integer target duration');
  assert.equal(pl.endlist, true, 'range fully covered up to its end: ENDLIST');
  // 90 slots: hole at 40 (missing) and the tombstoned one at 50 vanish; partial and suspect stay.
  const urls = pl.segments.map((s) => decodeURIComponent(s.uri));
  assert.equal(pl.segments.length, fx.count - 2);
  for (const s of pl.segments) assert.ok(s.programDateTime, 'every segment has PROGRAM-DATE-TIME');
  const tomb = fx.written.find((w) => w.index === fx.special.tombstoned)!;
  assert.equal(urls.includes('/segments/' + tomb.rel), false, 'tombstoned segment is not in the playlist');
  const dups = fx.written.filter((w) => w.index === fx.special.duplicate);
  assert.ok(urls.includes('/segments/' + dups[1]!.rel), 'the larger duplicate wins');
  assert.equal(urls.includes('/segments/' + dups[0]!.rel), false);
  // Discontinuities: after the partial, after the suspect, at the hole, at the tombstone.
  const disc = pl.segments.filter((s) => s.discontinuity).map((s) => Math.round((s.programDateTime!.getTime() * 1000 - fx.start) / (2 * S)));
  assert.deepEqual(disc, [21, 31, 41, 51]);
  assert.match(body, /#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:58:00\.000000Z\n#EXTINF:2\.000,live\n\/segments\/desertbus\/source\/2026-11-21T10\/58%3A00\.000000-2\.0-full-/);
});

test('an open-ended playlist has no ENDLIST (a live recording keeps being polled)', async () => {
  const { body } = await text(await node.get(mediaUrl('')));
  assert.doesNotMatch(body, /EXT-X-ENDLIST/);
  assert.match(body, /#EXTINF/);
  const past = await text(await node.get(mediaUrl(`?start=${fx.startIso(5)}&end=${fx.startIso(2)}`)));
  assert.equal(past.status, 200);
  assert.doesNotMatch(past.body, /#EXTINF|ENDLIST/, 'start >= end is an empty, incomplete playlist');
});

test('implicit playlist range is limited to 12 hours', async () => {
  const r = await node.get(mediaUrl(`?start=2026-11-20T00:00:00Z`));
  assert.equal(r.status, 400);
  assert.match(await r.text(), /12 hours/);
  assert.equal((await node.get(mediaUrl(`?start=2026-11-20T00:00:00Z&end=2026-11-21T12:00:00Z`))).status, 200);
});

test('master playlist lists qualities and forwards the range', async () => {
  const { status, body } = await text(await node.get(`/playlist/desertbus.m3u8?start=${fx.startIso(0)}`));
  assert.equal(status, 200);
  const pl = HLS.parse(body) as HLS.types.MasterPlaylist;
  assert.equal(pl.isMasterPlaylist, true);
  assert.equal(pl.variants.length, 1);
  assert.equal(pl.variants[0]!.uri, `/playlist/desertbus/source.m3u8?start=${encodeURIComponent(fx.startIso(0))}`);
  const none = await text(await node.get(`/playlist/desertbus.m3u8?start=2020-01-01T00:00:00Z&end=2020-01-01T01:00:00Z`));
  assert.equal(none.status, 200);
  assert.doesNotMatch(none.body, /EXT-X-STREAM-INF/, 'no quality has hours in that range');
});

/** Seconds of video actually present (frames / fps), unlike format duration which spans any gap. */
function probeContentSeconds(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets',
    '-show_entries', 'stream=nb_read_packets,r_frame_rate', '-of', 'json', file]).toString();
  const s = (JSON.parse(out) as { streams: { nb_read_packets: string; r_frame_rate: string }[] }).streams[0]!;
  const [n, d] = s.r_frame_rate.split('/').map(Number) as [number, number];
  return Number(s.nb_read_packets) / (n / d);
}

function probeDuration(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString();
  return Number(out.trim());
}

test('/cut type=rough is whole segments, playable, with the expected duration', async () => {
  const r = await node.get(`/cut/desertbus/source.ts?type=rough&start=${fx.startIso(2)}&end=${fx.startIso(12)}`);
  assert.equal(r.status, 200, await r.clone().text().catch(() => ''));
  assert.equal(r.headers.get('content-type'), 'video/MP2T');
  const file = join(tempDir(), 'rough.ts');
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const d = probeDuration(file);
  assert.ok(Math.abs(d - 20) <= 2, `duration ${d} should be 20 s ± one segment`);
});

test('/cut refuses holes unless allowed, and bad parameters', async () => {
  const across = `start=${fx.startIso(38)}&end=${fx.startIso(44)}`;
  const holes = await node.get(`/cut/desertbus/source.ts?type=rough&${across}`);
  assert.equal(holes.status, 406);
  const allowed = await node.get(`/cut/desertbus/source.ts?type=rough&${across}&allow_holes=true`);
  assert.equal(allowed.status, 200);
  const file = join(tempDir(), 'holes.ts');
  writeFileSync(file, Buffer.from(await allowed.arrayBuffer()));
  const d = probeDuration(file);
  assert.ok(d >= 8 && d <= 12, `two segments either side of the hole, got ${d}`);
  assert.equal((await node.get(`/cut/desertbus/source.ts?type=rough&start=2020-01-01T00:00:00Z&end=2020-01-01T00:01:00Z&allow_holes=true`)).status, 406);
  assert.equal((await node.get(`/cut/desertbus/source.ts?type=bogus&${across}`)).status, 400);
  assert.equal((await node.get(`/cut/desertbus/source.ts?type=rough&start=${fx.startIso(5)}&end=${fx.startIso(2)}`)).status, 400);
  assert.equal((await node.get(`/cut/desertbus/source.ts?type=rough&range=${fx.startIso(0)},${fx.startIso(2)}&transition=fade,1&transition=fade,1`)).status, 400);
  assert.equal((await node.get(`/cut/desertbus/nope.ts?type=rough&${across}`)).status, 404);
});

test('/cut with several ranges concatenates them', async () => {
  const r = await node.get(`/cut/desertbus/source.ts?type=rough&range=${fx.startIso(0)},${fx.startIso(3)}&range=${fx.startIso(60)},${fx.startIso(63)}`);
  assert.equal(r.status, 200);
  const file = join(tempDir(), 'multi.ts');
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const d = probeContentSeconds(file);
  assert.ok(Math.abs(d - 12) <= 0.1, `two ranges of three whole segments each: ${d}`);
});

const isPng = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

test('/waveform renders a PNG of the requested size', async () => {
  const r = await node.get(`/waveform/desertbus/source.png?start=${fx.startIso(0)}&end=${fx.startIso(10)}&size=300x40`);
  assert.equal(r.status, 200);
  const png = Buffer.from(await r.arrayBuffer());
  assert.ok(isPng(png));
  assert.equal(png.readUInt32BE(16), 300);
  assert.equal(png.readUInt32BE(20), 40);
  for (const bad of ['size=0x10', 'size=5000x10', 'size=abc']) {
    assert.equal((await node.get(`/waveform/desertbus/source.png?start=${fx.startIso(0)}&end=${fx.startIso(10)}&${bad}`)).status, 400, bad);
  }
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=${fx.startIso(10)}&end=${fx.startIso(0)}`)).status, 400);
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=2026-11-21T00:00:00Z&end=2026-11-21T07:00:00Z`)).status, 400);
  assert.equal((await node.get(`/waveform/desertbus/source.png?start=2020-01-01T00:00:00Z&end=2020-01-01T00:01:00Z`)).status, 406);
  assert.equal((await node.get(`/waveform/desertbus/source.png?end=${fx.startIso(1)}`)).status, 400);
});

test('/frame returns the frame at a timestamp', async () => {
  const ts = isoOf(fx.start + 5 * S + 500_000);
  const r = await node.get(`/frame/desertbus/source.png?timestamp=${ts}`);
  assert.equal(r.status, 200);
  const png = Buffer.from(await r.arrayBuffer());
  assert.ok(isPng(png));
  assert.equal(png.readUInt32BE(16), 320);
  assert.equal((await node.get(`/frame/desertbus/source.png?timestamp=${fx.startIso(40)}`)).status, 406, 'the hole has no frame');
  assert.equal((await node.get(`/frame/desertbus/source.png?timestamp=yesterday`)).status, 400);
});

test('/metrics is Prometheus text', async () => {
  const r = await node.get('/metrics');
  assert.equal(r.status, 200);
  const body = await r.text();
  assert.match(body, /^# HELP http_requests_total/m);
  assert.match(body, /process_cpu_seconds_total/);
});

test('identical concurrent playlist requests share one computation', async () => {
  const q = mediaUrl(`?start=${fx.startIso(1)}&end=${fx.startIso(77)}`);
  const before = await (await node.get('/metrics')).text();
  const count = (b: string) => Number(/^playlist_computations_total (\d+)/m.exec(b)?.[1] ?? 0);
  const bodies = await Promise.all(Array.from({ length: 8 }, () => node.get(q).then((r) => r.text())));
  const afterM = await (await node.get('/metrics')).text();
  assert.ok(bodies.every((b) => b === bodies[0]));
  const computed = count(afterM) - count(before);
  assert.ok(computed >= 1 && computed < 8, `8 concurrent identical requests computed ${computed} times`);
});

test('/cut defaults to fast like wubloader; smart is frame-accurate through the route; bad transitions are 400', async () => {
  const start = isoOf(fx.start + 2 * S + 500_000);
  const end = isoOf(fx.start + 9 * S + 250_000);
  for (const type of ['', '&type=smart']) {
    const r = await node.get(`/cut/desertbus/source.ts?start=${start}&end=${end}${type}`);
    assert.equal(r.status, 200, `${type}: ${r.status}`);
    const file = join(tempDir(), 'cut.ts');
    writeFileSync(file, Buffer.from(await r.arrayBuffer()));
    const d = probeDuration(file);
    assert.ok(Math.abs(d - 6.75) <= 1 / 30 + 0.03, `${type || 'default'} cut is ${d} s, want 6.75`);
  }
  const bad = await node.get(`/cut/desertbus/source.ts?type=smart&range=${fx.startIso(1)},${fx.startIso(4)}&range=${fx.startIso(5)},${fx.startIso(8)}&transition=nosuchfade,1`);
  assert.equal(bad.status, 400, await bad.text());
});
