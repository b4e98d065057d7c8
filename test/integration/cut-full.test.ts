/**
 * Full cuts (everything re-encoded through one filter graph: concat for hard cuts, xfade/acrossfade
 * for transitions) and the webm preview type, from real fixture segments, checked with ffprobe/ffmpeg.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildFixtureStore, segmentPool } from '../fixtures/segments.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { CutRequestError, cutStream, cutToFile, cutTypes, UnknownTransition, type CutKind, type CutTransition } from '../../main/media/cut/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cut-full-'));
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

test('full cut of one range: exact duration, clean, frame-exact start and end', async () => {
  const { out } = await cut('full', [[2.5, 9]]);
  assertDuration(out, 6.5);
  assertMonotonic(out);
  assertAvStart(out);
  assert.equal(decodeErrors(out), '');
  assert.equal(decodeComplaints(out), '');
  assertFrameIs(out, 0, 75);
  assertFrameIs(out, 194, 269);
});

test('full cut: hard cuts between ranges and across a hole', async () => {
  const { out } = await cut('full', [[3.3, 7.7], [76.5, 86]], [null], true);
  assertDuration(out, 4.4 + 7.5);
  assertMonotonic(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 132, 2295); // first frame of range 2 (76.5 s)
  assertFrameIs(out, 132 + 105 + 15, 2475); // half a second after the hole (82.5 s)
});

test('full cut with an xfade transition', async () => {
  const { out, res } = await cut('full', [[3, 9], [30.5, 35]], [{ type: 'fade', duration: 1 }]);
  assert.equal(res.expectedSeconds, 9.5);
  assertDuration(out, 9.5);
  assertMonotonic(out);
  assertUniformPictures(out);
  assert.equal(decodeErrors(out), '');
  assertFrameIs(out, 100, 190);
  assertFrameIs(out, 180, 945);
  const [mid] = frames(out, [165]);
  const [a] = frames(pool[4]!, [15]);
  const [b] = frames(pool[15]!, [30]);
  const blend = Buffer.from(a!.map((x, i) => Math.round((x + b![i]!) / 2)));
  assert.ok(mad(mid!, blend) < mad(mid!, a!) / 2 && mad(mid!, blend) < mad(mid!, b!) / 2);
});

test('webm preview (VP9/Opus) with a drawn custom transition', async () => {
  const ranges = [{ start: at(2), end: at(4) }, { start: at(10), end: at(12) }];
  const segments = await Promise.all(ranges.map((r) => store.getBestSegments(fx.channel, fx.quality, r.start, r.end)));
  assert.equal(cutTypes.webm!.contentType, 'video/webm');
  const chunks: Uint8Array[] = [];
  for await (const c of cutTypes.webm!.producer({ store, segments, ranges, transitions: [{ type: 'clockwipe', duration: 0.5 }] })) chunks.push(c);
  const f = join(root, 'preview.webm');
  writeFileSync(f, Buffer.concat(chunks));
  const info = ffprobe(['-show_entries', 'stream=codec_name,pix_fmt:format=format_name', '-of', 'json', f]);
  const j = JSON.parse(info) as { streams: { codec_name: string }[]; format: { format_name: string } };
  assert.deepEqual(j.streams.map((s) => s.codec_name).sort(), ['opus', 'vp9']);
  assert.match(j.format.format_name, /webm/);
  // streamed webm has no duration header: count the pictures (2 + 2 - 0.5 s at 30 fps)
  const count = Number(ffprobe(['-select_streams', 'v', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', f]).trim());
  assert.equal(count, 105);
  assert.equal(decodeErrors(f), '');
  // Clockwipe half way (output 1.75 s = frame 52): the hand sweeps clockwise from 12 o'clock, so the
  // right half already shows range 2 and the left half still range 1.
  const [mid] = frames(f, [52]);
  const [a] = frames(pool[1]!, [52]); // range 1 at 3.75 s: frame 112 = segment 1, local 52
  const [b] = frames(pool[5]!, [7]); // range 2 at 10.25 s: frame 307 = segment 5, local 7
  const half = (img: Buffer, right: boolean) => {
    const out: number[] = [];
    for (let y = 0; y < 180; y++) for (let x = right ? 200 : 0; x < (right ? 320 : 120); x++) out.push(img[y * 320 + x]!);
    return Buffer.from(out);
  };
  assert.ok(mad(half(mid!, true), half(b!, true)) < mad(half(mid!, true), half(a!, true)), 'right half is range 2');
  assert.ok(mad(half(mid!, false), half(a!, false)) < mad(half(mid!, false), half(b!, false)), 'left half is range 1');
});

test('bad requests fail before any output', async () => {
  const ranges = [{ start: at(2), end: at(4) }, { start: at(10), end: at(12) }];
  const segments = await Promise.all(ranges.map((r) => store.getBestSegments(fx.channel, fx.quality, r.start, r.end)));
  assert.throws(() => cutStream('full', { store, segments, ranges, transitions: [{ type: 'sparkle', duration: 1 }] }), UnknownTransition);
  assert.throws(() => cutTypes.smart!.producer({ store, segments, ranges, transitions: [{ type: 'sparkle', duration: 1 }] }), /Unknown transition "sparkle"; known transitions: fade, /);
  assert.throws(() => cutStream('full', { store, segments, ranges, transitions: [{ type: 'fade', duration: 3 }] }),
    (e: unknown) => e instanceof CutRequestError && e.status === 400);
  assert.throws(() => cutStream('smart', { store, segments: [[null]], ranges: [ranges[0]!], transitions: [] }, { allowHoles: true }),
    (e: unknown) => e instanceof CutRequestError && e.status === 406);
});
