/**
 * Smart cuts from real fixture segments (testsrc2 320x180, 30 fps, 2 s segments), checked with ffprobe
 * and ffmpeg: duration within one frame, strictly monotonic DTS, a clean decode, frame-exact ends, holes.
 * Checks are written against ffprobe/ffmpeg directly (not our TS code) so they are independent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildFixtureStore, segmentPool } from '../fixtures/segments.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { ContainsHoles } from '../../main/media/segments/select.ts';
import { cutToFile, cutTypes, type CutKind, type CutTransition } from '../../main/media/cut/index.ts';
import { restreamerRoutes } from '../../main/core/http/restreamer.ts';

const root = mkdtempSync(join(tmpdir(), 'cut-smart-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fx = buildFixtureStore(join(root, 'segments'));
const store = new SegmentStore(join(root, 'segments'));
const pool = segmentPool({ count: fx.count });
const FPS = 30;
const S = 1_000_000;
const at = (seconds: number) => fx.start + Math.round(seconds * S);
let n = 0;

async function cut(kind: CutKind, ranges: [number, number][], transitions: (CutTransition | null)[] = [], allowHoles = false) {
  const rs = ranges.map(([a, b]) => ({ start: at(a), end: at(b) }));
  const segments = await Promise.all(rs.map((r) => store.getBestSegments(fx.channel, fx.quality, r.start, r.end)));
  const out = join(root, `cut-${n++}.ts`);
  const progress: number[] = [];
  const res = await cutToFile(kind, { store, segments, ranges: rs, transitions }, out, { allowHoles, onProgress: (b) => progress.push(b) });
  return { out, res, progress };
}

function ffprobe(args: string[]): string {
  return execFileSync('ffprobe', ['-v', 'error', ...args], { encoding: 'utf8' });
}
const formatDuration = (f: string) => Number(ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', f]).trim());
function packets(f: string): { video: { pts: number; dts: number }[]; audio: { pts: number; dts: number }[] } {
  const video: { pts: number; dts: number }[] = [];
  const audio: { pts: number; dts: number }[] = [];
  for (const line of ffprobe(['-show_entries', 'packet=codec_type,pts,dts', '-of', 'csv=p=0', f]).split('\n')) {
    const [type, pts, dts] = line.split(',');
    if (type === 'video') video.push({ pts: Number(pts), dts: Number(dts) });
    else if (type === 'audio') audio.push({ pts: Number(pts), dts: Number(dts) });
  }
  return { video, audio };
}
/** stderr of a full decode at warning level: must be empty (no timestamp, CC or decode complaints) */
const decodeComplaints = (f: string) =>
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'warning', '-i', f, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
function decodeErrors(f: string): string {
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', f, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return '';
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}
/** Decoded frames (gray 320x180) at the given indexes of a file. */
function frames(f: string, indexes: number[]): Buffer[] {
  const sel = indexes.map((i) => `eq(n\\,${i})`).join('+');
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-vf', `select=${sel}`, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 26 });
  const size = 320 * 180;
  assert.equal(raw.length, size * indexes.length, `decoded ${raw.length / size} of ${indexes.length} frames from ${f}`);
  return indexes.map((_, k) => raw.subarray(k * size, (k + 1) * size));
}
const mad = (a: Buffer, b: Buffer) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};
/** Assert that frame `index` of the cut is source frame `g` (closest among g-2..g+2). */
function assertFrameIs(cutFile: string, index: number, g: number) {
  const seg = Math.floor(g / 60);
  const local = g % 60;
  assert.ok(local >= 2 && local <= 57, 'test picks frames away from segment edges');
  const [frame] = frames(cutFile, [index]);
  const candidates = frames(pool[seg]!, [local - 2, local - 1, local, local + 1, local + 2]);
  const d = candidates.map((c) => mad(frame!, c));
  const best = d.indexOf(Math.min(...d));
  assert.equal(best - 2, 0, `cut frame ${index} should be source frame ${g}; distances ${d.map((x) => x.toFixed(2)).join(', ')}`);
}
function assertMonotonic(f: string) {
  const { video, audio } = packets(f);
  for (const [name, list] of [['video', video], ['audio', audio]] as const) {
    assert.ok(list.length > 0, `${name} packets present`);
    list.forEach((p, i) => {
      assert.ok(Number.isFinite(p.dts), `${name} packet ${i} has a DTS`);
      if (i > 0) assert.ok(p.dts > list[i - 1]!.dts, `${name} DTS strictly increasing at ${i}: ${list[i - 1]!.dts} -> ${p.dts}`);
    });
  }
  return { video, audio };
}
/** One picture format throughout: a re-encoded piece in another chroma format makes decoders reinitialise. */
function assertUniformPictures(f: string) {
  const fmts = new Set(ffprobe(['-select_streams', 'v', '-show_entries', 'frame=pix_fmt,width,height', '-of', 'csv=p=0', f]).split('\n').map((l) => l.replace(/,+$/, '')).filter(Boolean));
  assert.deepEqual([...fmts], ['320,180,yuv420p']);
}
/** Picture and sound start together: no audio (e.g. the AAC encoder's priming frame) before the first frame. */
function assertAvStart(f: string) {
  const { video, audio } = packets(f);
  const v0 = Math.min(...video.map((p) => p.pts));
  const a0 = Math.min(...audio.map((p) => p.pts));
  assert.ok(a0 >= v0 - 960 && a0 <= v0 + 1920, `audio starts at ${a0}, video at ${v0}`);
}
function assertDuration(f: string, seconds: number) {
  const { video } = packets(f);
  assert.equal(video.length, Math.round(seconds * FPS), 'video frame count');
  const d = formatDuration(f);
  assert.ok(Math.abs(d - seconds) <= 1 / FPS, `duration ${d} within one frame of ${seconds}`);
}

test('smart cut of one range: exact duration, monotonic, clean, frame-exact at both ends', async () => {
  const { out, res, progress } = await cut('smart', [[2.5, 9]]);
  assert.equal(res.expectedSeconds, 6.5);
  assertDuration(out, 6.5);
  assertMonotonic(out);
  assertAvStart(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 75);
  assertFrameIs(out, 194, 269);
  // progress: increasing byte counts ending at the file size
  assert.ok(progress.length > 2);
  assert.ok(progress.every((b, i) => i === 0 || b > progress[i - 1]!));
  assert.equal(progress[progress.length - 1], statSync(out).size);
  assert.equal(res.bytes, statSync(out).size);
});

test('smart cut of several ranges with a hard cut (across the duplicated segment)', async () => {
  const { out } = await cut('smart', [[3.3, 7.7], [21.1, 24.9]]);
  assertDuration(out, 8.2);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 99);
  assertFrameIs(out, 131, 230);
  assertFrameIs(out, 132, 633);
});

test('smart cut with an xfade transition re-encodes only the overlap', async () => {
  const { out, res } = await cut('smart', [[3, 9], [30.5, 35]], [{ type: 'fade', duration: 1 }]);
  assert.equal(res.expectedSeconds, 9.5);
  assertDuration(out, 9.5);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 100, 190); // before the transition: range 1 untouched
  assertFrameIs(out, 180, 945); // just after it: range 2 at 31.5 s
  // Mid-transition (frame 165, half way) the picture is the 50 % blend of range 1 at 8.5 s (source frame
  // 255) and range 2 at 31.0 s (source frame 930).
  const [mid] = frames(out, [165]);
  const [a] = frames(pool[4]!, [15]);
  const [b] = frames(pool[15]!, [30]);
  const blend = Buffer.from(a!.map((x, i) => Math.round((x + b![i]!) / 2)));
  assert.ok(mad(mid!, blend) < mad(mid!, a!) / 2 && mad(mid!, blend) < mad(mid!, b!) / 2,
    `blend ${mad(mid!, blend).toFixed(2)} vs a ${mad(mid!, a!).toFixed(2)} b ${mad(mid!, b!).toFixed(2)}`);
});

test('holes: refused without allow_holes, skipped with it', async () => {
  // segment 40 (80-82 s) is missing from the store
  await assert.rejects(cut('smart', [[76, 86]]), ContainsHoles);
  const { out } = await cut('smart', [[76.5, 86]], [], true);
  assertDuration(out, 7.5);
  assertMonotonic(out);
  assert.equal(decodeErrors(out), '');
});

test('the smart producer streams through the /cut route', async () => {
  const app = restreamerRoutes({ store, cutTypes, defaultCutType: 'fast' });
  const r = await app.request(`/cut/${fx.channel}/${fx.quality}.ts?type=smart&range=${fx.startIso(1)},${fx.startIso(3)}&allow_holes=false`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'video/MP2T');
  const body = Buffer.from(await r.arrayBuffer());
  const f = join(root, 'route.ts');
  writeFileSync(f, body);
  assertDuration(f, 4);
  assert.deepEqual(readFileSync(f).subarray(0, 1), Buffer.from([0x47]));
  assert.deepEqual(Object.keys(cutTypes).sort(), ['fast', 'mpegts', 'rough', 'smart', 'webm']);
});

test('a source with B-frames (like most OBS streams): exact, decodable, explicit monotonic DTS', async () => {
  // 8 two-second segments, x264 with B-frames, written through the store like the recorder does
  const dir = join(root, 'bframes-src');
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '16', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', join(dir, 'b%03d.ts')]);
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0) * 1000;
  for (let i = 0; i < 8; i++) {
    await store.writeSegment('bframes', 'source', t0 + i * 2 * S, 2, 'full', readFileSync(join(dir, `b${String(i).padStart(3, '0')}.ts`)));
  }
  const ranges = [{ start: t0 + 1.5 * S, end: t0 + 9.5 * S }, { start: t0 + 11.1 * S, end: t0 + 14.2 * S }];
  const segments = await Promise.all(ranges.map((r) => store.getBestSegments('bframes', 'source', r.start, r.end)));
  const out = join(root, 'bframes.ts');
  await cutToFile('smart', { store, segments, ranges, transitions: [null] }, out);
  assertDuration(out, 8 + 3.1);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertUniformPictures(out);
  assert.equal(ffprobe(['-select_streams', 'v', '-show_entries', 'stream=profile', '-of', 'csv=p=0', out]).trim().split('\n')[0], 'High');
  // frame-exact: first frame is source frame 45 (segment 0, frame 45), first of range 2 is frame 333
  const src = (g: number) => frames(join(dir, `b${String(Math.floor(g / 60)).padStart(3, '0')}.ts`), [g % 60 - 2, g % 60 - 1, g % 60, g % 60 + 1, g % 60 + 2]);
  for (const [index, g] of [[0, 45], [240, 333]] as const) {
    const [frame] = frames(out, [index]);
    const d = src(g).map((c) => mad(frame!, c));
    assert.equal(d.indexOf(Math.min(...d)), 2, `frame ${index}: ${d.map((x) => x.toFixed(2))}`);
  }
  // ffprobe's DTS column for B-frame streams is its own reconstruction; the PES headers must carry
  // an explicit DTS on every video packet, strictly increasing.
  const dts: number[] = [];
  const bytes = readFileSync(out);
  for (let o = 0; o < bytes.length; o += 188) {
    const pid = ((bytes[o + 1]! & 0x1f) << 8) | bytes[o + 2]!;
    if (pid !== 0x100 || !(bytes[o + 1]! & 0x40)) continue;
    const p = o + 4 + ((bytes[o + 3]! & 0x20) ? 1 + bytes[o + 4]! : 0);
    assert.equal((bytes[p + 7]! >> 6) & 3, 3, `PES at packet ${o / 188} has PTS and DTS`);
    const ts = (q: number) => ((bytes[q]! >> 1) & 7) * 2 ** 30 + (bytes[q + 1]! << 22) + ((bytes[q + 2]! >> 1) << 15) + (bytes[q + 3]! << 7) + (bytes[q + 4]! >> 1);
    dts.push(ts(p + 14));
  }
  assert.equal(dts.length, Math.round(11.1 * FPS));
  assert.ok(dts.every((x, i) => i === 0 || x > dts[i - 1]!), 'DTS strictly increasing');
});
