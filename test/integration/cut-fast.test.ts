/**
 * Fast cuts (wubloader's: only the segments at the cut points re-encoded, the rest copied) from real
 * fixture segments, checked with ffprobe/ffmpeg: duration within one frame, monotonic DTS, a clean
 * decode, frame-exact start, transitions, holes through the route-style producer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildFixtureStore, segmentPool } from '../fixtures/segments.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { cutToFile, cutTypes, type CutKind, type CutTransition } from '../../main/media/cut/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cut-fast-'));
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

test('fast cut of one range: exact duration, monotonic, clean, frame-exact start and end', async () => {
  const { out, res } = await cut('fast', [[2.5, 9]]);
  assert.equal(res.contentType, 'video/MP2T');
  assertDuration(out, 6.5);
  assertMonotonic(out);
  assertAvStart(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 75);
  assertFrameIs(out, 194, 269);
  assertFrameIs(out, 60, 135); // a copied segment in the middle, untouched
});

test('fast cut of several ranges with an xfade transition and a hard cut', async () => {
  const { out, res } = await cut('fast', [[3, 9], [30.5, 35], [50.2, 52.8]], [{ type: 'wipeleft', duration: 1 }, null]);
  assert.equal(res.expectedSeconds, 12.1);
  assertDuration(out, 12.1);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 100, 190);
  assertFrameIs(out, 180, 945);
  assertFrameIs(out, 285, 1506); // first frame of the third range (50.2 s)
});

test('a transition into a hole is refused with a clear message', async () => {
  // segment 40 (80-82 s) is missing: a transition ending range 1 at 81 s has no video
  await assert.rejects(cut('fast', [[76, 81], [90, 94]], [{ type: 'fade', duration: 1 }], true), /not available at the start of a 1s transition/);
});

test('the fast producer skips holes instead of failing (the route decides about allow_holes)', async () => {
  const ranges = [{ start: at(76.5), end: at(86) }];
  const segments = [await store.getBestSegments(fx.channel, fx.quality, ranges[0]!.start, ranges[0]!.end)];
  assert.ok(segments[0]!.includes(null), 'the range really has a hole');
  const chunks: Uint8Array[] = [];
  for await (const c of cutTypes.fast!.producer({ store, segments, ranges, transitions: [] })) chunks.push(c);
  const f = join(root, 'producer.ts');
  writeFileSync(f, Buffer.concat(chunks));
  assertDuration(f, 7.5);
  assertMonotonic(f);
  assert.equal(decodeErrors(f), '');
});
