import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { segmentPool } from '../fixtures/segments.ts';
import { TsSplicer } from '../../main/media/cut/splicer.ts';
import {
  findProgram, hasPusi, mod33, parsePesHeader, payloadOffset, pidOf, readPcrBase, readPesTs, scanTs, TS_PACKET_SIZE, TS_WRAP, unwrap, writePcrBase, writePesTs,
} from '../../main/media/cut/ts-packets.ts';

const pool = segmentPool({ count: 8 });
const dir = mkdtempSync(join(tmpdir(), 'cut-splicer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const read = (i: number) => readFileSync(pool[i]!);

/** Independent check with ffprobe: packet (pts, dts) per stream, in file order. */
function probePackets(bytes: Buffer): { video: number[][]; audio: number[][]; warnings: string } {
  const file = join(dir, `p-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, bytes);
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts,dts', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const video: number[][] = [];
  const audio: number[][] = [];
  for (const line of out.split('\n')) {
    const [type, pts, dts] = line.split(',');
    if (type === 'video') video.push([Number(pts), Number(dts)]);
    if (type === 'audio') audio.push([Number(pts), Number(dts)]);
  }
  const warnings = execFileSync('ffmpeg', ['-hide_banner', '-v', 'warning', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { video, audio, warnings };
}

function strictlyIncreasing(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
}

test('PES timestamps and PCR round-trip through their bit layouts', () => {
  const b = Buffer.alloc(16);
  for (const v of [0, 1, 90_000, 2 ** 32, TS_WRAP - 1, 5_000_000_000]) {
    b[0] = 0x21; // '0010' prefix + marker
    writePesTs(b, 0, v);
    assert.equal(readPesTs(b, 0), v);
    assert.equal(b[0]! >> 4, 0x2, 'prefix kept');
    assert.equal(b[0]! & 1, 1, 'marker bits set');
    b[4 + 5] = 0x7e; // reserved bits + extension high bit of the PCR
    writePcrBase(b, 5, v);
    assert.equal(readPcrBase(b, 5), v);
    assert.equal(b[9]! & 0x7f, 0x7e, 'reserved/extension bits untouched');
  }
  writePesTs(b, 0, TS_WRAP + 5);
  assert.equal(readPesTs(b, 0), 5, 'written modulo 2^33');
  assert.equal(mod33(-1), TS_WRAP - 1);
  assert.equal(unwrap(10, TS_WRAP - 100), TS_WRAP + 10);
  assert.equal(unwrap(TS_WRAP - 100, 10), -100);
  assert.equal(unwrap(5000, 4000), 5000);
});

test('segments out of order become one continuous stream', () => {
  const splicer = new TsSplicer({ frameTicks: 3000 });
  const parts = [0, 5, 2].map((i) => splicer.push(read(i), `seg ${i}`));
  const out = Buffer.concat(parts);
  const { video, audio, warnings } = probePackets(out);
  assert.equal(warnings.trim(), '', 'no demuxer/decoder warnings (CC, timestamps)');
  assert.equal(video.length, 180);
  assert.equal(video[0]![0], 126_000, 'starts at 1.4 s like ffmpeg output');
  video.forEach(([pts], i) => assert.equal(pts, 126_000 + i * 3000, `frame ${i} on the 30 fps grid`));
  assert.ok(strictlyIncreasing(audio.map((p) => p[1]!)), 'audio DTS strictly increasing');
  assert.ok(audio.length >= 275, `audio kept (${audio.length} frames)`);
  assert.equal(splicer.positionTicks, 126_000 + 180 * 3000);
  // one program layout throughout
  const pids = new Set<number>();
  for (let o = 0; o < out.length; o += TS_PACKET_SIZE) pids.add(pidOf(out, o));
  const prog = findProgram(out)!;
  assert.deepEqual([...pids].sort(), [0, prog.pmtPid, ...prog.streams.map((s) => s.pid)].sort());
});

test('timestamps that wrap past 2^33 inside a piece are unwrapped', () => {
  // Put a segment's timeline 1 s before the 33-bit wrap, then splice that as a piece.
  const wrapped = new TsSplicer({ frameTicks: 3000, startTicks: TS_WRAP - 90_000 }).push(read(3));
  const scan = scanTs(wrapped);
  assert.equal(scan.video!.maxPts! - scan.video!.minPts!, 59 * 3000, 'scan sees 2 s, not 26 hours');
  const raw = readPesTs(wrapped, wrapped.indexOf(Buffer.from([0, 0, 1, 0xe0])) + 9);
  assert.equal(raw, TS_WRAP - 90_000, 'really written just before the wrap');
  const splicer = new TsSplicer({ frameTicks: 3000 });
  const out = Buffer.concat([splicer.push(read(1)), splicer.push(wrapped), splicer.push(read(4))]);
  const { video, warnings } = probePackets(out);
  assert.equal(warnings.trim(), '');
  assert.equal(video.length, 180);
  assert.ok(strictlyIncreasing(video.map((p) => p[1]!)));
  assert.equal(video[179]![0]! - video[0]![0]!, 179 * 3000);
});

test('pieces with other PIDs are mapped onto the first piece\'s layout', () => {
  const other = join(dir, 'other-pids.ts');
  execFileSync('ffmpeg', ['-v', 'error', '-i', pool[6]!, '-map', '0', '-c', 'copy', '-streamid', '0:512', '-streamid', '1:513',
    '-mpegts_pmt_start_pid', '4608', '-f', 'mpegts', '-y', other]);
  const moved = readFileSync(other);
  const movedProg = findProgram(moved)!;
  assert.deepEqual(movedProg.streams.map((s) => s.pid), [0x200, 0x201]);
  const splicer = new TsSplicer({ frameTicks: 3000 });
  const out = Buffer.concat([splicer.push(read(0)), splicer.push(moved)]);
  const first = findProgram(read(0))!;
  for (let o = 0; o < out.length; o += TS_PACKET_SIZE) {
    assert.ok([0, first.pmtPid, ...first.streams.map((s) => s.pid)].includes(pidOf(out, o)), `pid ${pidOf(out, o)} at ${o}`);
  }
  const { video, audio, warnings } = probePackets(out);
  assert.equal(warnings.trim(), '');
  assert.equal(video.length, 120);
  assert.ok(audio.length > 180);
});

test('B-frame pieces next to re-encoded ones: explicit DTS, monotonic, no freeze at the joins', () => {
  // x264 with B-frames: first DTS is before first PTS.
  const bfr = join(dir, 'bframes.ts');
  execFileSync('ffmpeg', ['-v', 'error', '-i', pool[2]!, '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '3', '-c:a', 'copy', '-f', 'mpegts', '-y', bfr]);
  const withB = readFileSync(bfr);
  const s = scanTs(withB);
  assert.ok(s.video!.minDts! < s.video!.minPts!, 'fixture really has B-frame delay');
  const lead = s.video!.minPts! - s.video!.minDts!;
  assert.ok(lead >= 3000);
  // pool segments have no B-frames: they stand in for re-encoded parts around a copied B-frame segment
  const splicer = new TsSplicer({ frameTicks: 3000, reorderTicks: lead });
  const out = Buffer.concat([splicer.push(read(0)), splicer.push(withB), splicer.push(read(4))]);
  const { video, warnings } = probePackets(out);
  assert.equal(warnings.trim(), '');
  assert.equal(video.length, 180);
  const pts = video.map((p) => p[0]!).sort((a, b) => a - b);
  assert.ok(strictlyIncreasing(pts), 'no duplicate PTS');
  pts.forEach((p, i) => assert.equal(p, pts[0]! + i * 3000, `frame ${i} on the grid (no freeze)`));
  // ffprobe's DTS column is ffmpeg's own reconstruction for B-frame streams, so read the stream's DTS
  // fields directly: every video PES must carry one, in strictly increasing order, never after its PTS.
  const prog = findProgram(out)!;
  const videoPid = prog.streams.find((s) => s.kind === 'video')!.pid;
  const dtsList: number[] = [];
  for (let o = 0; o < out.length; o += TS_PACKET_SIZE) {
    if (pidOf(out, o) !== videoPid || !hasPusi(out, o)) continue;
    const h = parsePesHeader(out, payloadOffset(out, o), o + TS_PACKET_SIZE)!;
    assert.ok(h.ptsAt >= 0 && h.dtsAt >= 0, `PES at packet ${o / TS_PACKET_SIZE} has PTS and DTS`);
    const dts = readPesTs(out, h.dtsAt);
    assert.ok(dts <= readPesTs(out, h.ptsAt));
    dtsList.push(dts);
  }
  assert.equal(dtsList.length, 180);
  assert.ok(strictlyIncreasing(dtsList), 'video DTS strictly increasing');
});
