/**
 * Shared setup and checks for the cut tests (cut-fast, cut-smart, cut-full): a fixture store of real
 * segments (testsrc2 320x180, 30 fps, 2 s segments) in a temporary dir, a `cut` that turns second
 * offsets into a cut file, and assertions written against ffprobe/ffmpeg directly (not our TS code)
 * so that they are independent of the code under test. What differs per cut type stays in each file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { buildFixtureStore, segmentPool } from '../fixtures/segments.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import type { SegmentOrHole } from '../../main/media/segments/select.ts';
import { cutToFile, type CutKind, type CutTransition } from '../../main/media/cut/index.ts';

export const FPS = 30;
export const S = 1_000_000;

export function ffprobe(args: string[]): string {
  return execFileSync('ffprobe', ['-v', 'error', ...args], { encoding: 'utf8' });
}
export const formatDuration = (f: string) => Number(ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', f]).trim());
export function packets(f: string): { video: { pts: number; dts: number }[]; audio: { pts: number; dts: number }[] } {
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
export const decodeComplaints = (f: string) =>
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'warning', '-i', f, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
export function decodeErrors(f: string): string {
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', f, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return '';
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}
/** Decoded frames (gray 320x180) at the given indexes of a file. */
export function frames(f: string, indexes: number[]): Buffer[] {
  const sel = indexes.map((i) => `eq(n\\,${i})`).join('+');
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-vf', `select=${sel}`, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 26 });
  const size = 320 * 180;
  assert.equal(raw.length, size * indexes.length, `decoded ${raw.length / size} of ${indexes.length} frames from ${f}`);
  return indexes.map((_, k) => raw.subarray(k * size, (k + 1) * size));
}
/** Mean absolute difference of two gray pictures. */
export const mad = (a: Buffer, b: Buffer) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};
export function assertMonotonic(f: string) {
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
export function assertUniformPictures(f: string) {
  const fmts = new Set(ffprobe(['-select_streams', 'v', '-show_entries', 'frame=pix_fmt,width,height', '-of', 'csv=p=0', f]).split('\n').map((l) => l.replace(/,+$/, '')).filter(Boolean));
  assert.deepEqual([...fmts], ['320,180,yuv420p'], `picture formats of ${f}`);
}
/** Picture and sound start together: no audio (e.g. the AAC encoder's priming frame) before the first frame. */
export function assertAvStart(f: string) {
  const { video, audio } = packets(f);
  const v0 = Math.min(...video.map((p) => p.pts));
  const a0 = Math.min(...audio.map((p) => p.pts));
  assert.ok(a0 >= v0 - 960 && a0 <= v0 + 1920, `audio starts at ${a0}, video at ${v0}`);
}
export function assertDuration(f: string, seconds: number) {
  const { video } = packets(f);
  assert.equal(video.length, Math.round(seconds * FPS), 'video frame count');
  const d = formatDuration(f);
  assert.ok(Math.abs(d - seconds) <= 1 / FPS, `duration ${d} within one frame of ${seconds}`);
}

/**
 * A fixture store in a fresh temporary dir (removed after the file's tests) and the helpers bound to
 * it. Call once at the top level of a test file, so `after` belongs to that file's tests.
 */
export function cutHarness(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fx = buildFixtureStore(join(root, 'segments'));
  const store = new SegmentStore(join(root, 'segments'));
  const pool = segmentPool({ count: fx.count });
  /** seconds from the start of the fixture recording → µs timestamp */
  const at = (seconds: number) => fx.start + Math.round(seconds * S);
  let n = 0;

  /** The best segments of the fixture channel for each range (µs). */
  const segmentsFor = (ranges: { start: number; end: number }[]): Promise<SegmentOrHole[][]> =>
    Promise.all(ranges.map((r) => store.getBestSegments(fx.channel, fx.quality, r.start, r.end)));

  /** Cut `ranges` (seconds from the fixture start) to a new file, recording the progress callbacks. */
  async function cut(kind: CutKind, ranges: [number, number][], transitions: (CutTransition | null)[] = [], allowHoles = false) {
    const rs = ranges.map(([a, b]) => ({ start: at(a), end: at(b) }));
    const segments = await segmentsFor(rs);
    const out = join(root, `cut-${n++}.ts`);
    const progress: number[] = [];
    const res = await cutToFile(kind, { store, segments, ranges: rs, transitions }, out, { allowHoles, onProgress: (b) => progress.push(b) });
    return { out, res, progress };
  }

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

  /**
   * Assert that frame `index` of the cut is the 50 % blend of source pictures `a` and `b` ([segment,
   * local frame]): closer to the blend than half its distance to either picture alone.
   */
  function assertBlendOf(cutFile: string, index: number, a: [number, number], b: [number, number]) {
    const [mid] = frames(cutFile, [index]);
    const [pa] = frames(pool[a[0]]!, [a[1]]);
    const [pb] = frames(pool[b[0]]!, [b[1]]);
    const blend = Buffer.from(pa!.map((x, i) => Math.round((x + pb![i]!) / 2)));
    assert.ok(mad(mid!, blend) < mad(mid!, pa!) / 2 && mad(mid!, blend) < mad(mid!, pb!) / 2,
      `frame ${index}: blend ${mad(mid!, blend).toFixed(2)} vs a ${mad(mid!, pa!).toFixed(2)} b ${mad(mid!, pb!).toFixed(2)}`);
  }

  return { root, fx, store, pool, at, segmentsFor, cut, assertFrameIs, assertBlendOf };
}
