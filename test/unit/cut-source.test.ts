import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { segmentPool } from '../fixtures/segments.ts';
import { encodeArgs } from '../../main/media/cut/encode.ts';
import { frameDurations, sourceParams } from '../../main/media/cut/source.ts';
import { scanTs, videoLeadSeconds } from '../../main/media/cut/ts-packets.ts';

const dir = mkdtempSync(join(tmpdir(), 'cut-source-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function encode(name: string, args: string[]): string {
  const out = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=44100',
    '-t', '1', ...args, '-f', 'mpegts', '-y', out]);
  return out;
}

/** What ffprobe says, to compare our byte-level parsing against. */
function ffprobe(path: string) {
  const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path], { encoding: 'utf8' })) as {
    streams: { codec_type: string; profile?: string; level?: number; pix_fmt?: string; sample_rate?: string; channels?: number; has_b_frames?: number; r_frame_rate?: string }[];
  };
  const v = j.streams.find((s) => s.codec_type === 'video')!;
  const a = j.streams.find((s) => s.codec_type === 'audio')!;
  return { v, a };
}

const cases: [string, () => string][] = [
  ['fixture segment (Constrained Baseline, 30 fps, 48 kHz mono)', () => segmentPool({ count: 4 })[2]!],
  ['High with B-frames, 25 fps, 44.1 kHz stereo', () => encode('high.ts', ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '2', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2'])],
  ['High 4:2:2 10-bit, Main-level, no B-frames', () => encode('422.ts', ['-c:v', 'libx264', '-profile:v', 'high422', '-pix_fmt', 'yuv422p10le', '-bf', '0', '-c:a', 'aac', '-ac', '1'])],
  ['Main', () => encode('main.ts', ['-c:v', 'libx264', '-profile:v', 'main', '-level', '3.1', '-c:a', 'aac'])],
];

for (const [name, make] of cases) {
  test(`source parameters from the bytes match ffprobe: ${name}`, () => {
    const path = make();
    const bytes = readFileSync(path);
    const p = sourceParams(bytes, scanTs(bytes));
    const { v, a } = ffprobe(path);
    assert.equal(p.video!.codec, 'h264');
    assert.equal(p.video!.profile, v.profile);
    assert.equal(p.video!.level, v.level);
    assert.equal(p.video!.pixFmt, v.pix_fmt);
    assert.equal(p.video!.hasBFrames, (v.has_b_frames ?? 0) > 0);
    const [n, d] = v.r_frame_rate!.split('/').map(Number) as [number, number];
    assert.deepEqual(p.video!.fps, [n, d]);
    assert.equal(p.audio!.codec, 'aac');
    assert.equal(p.audio!.sampleRate, Number(a.sample_rate));
    assert.equal(p.audio!.channels, a.channels);
    assert.ok(p.audio!.bitRate! > 8_000 && p.audio!.bitRate! < 512_000, `audio bit rate estimate ${p.audio!.bitRate}`);
    assert.ok(p.bitRate! > 10_000);
    assert.equal(frameDurations(p).ticks, Math.round((90_000 * d) / n));
    assert.equal(frameDurations(p).audioTicks, Math.round((1024 * 90_000) / Number(a.sample_rate)));
  });
}

test('smart encode options follow the source; fast ones do not need to', () => {
  const bytes = readFileSync(encode('high2.ts', ['-c:v', 'libx264', '-profile:v', 'high', '-level', '4.1', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2']));
  const p = sourceParams(bytes, scanTs(bytes));
  const smart = encodeArgs('smart', p).join(' ');
  assert.match(smart, /-bf 0/);
  assert.match(smart, /-profile:v high /);
  assert.match(smart, /-level:v 4\.1/);
  assert.match(smart, /cabac=1:8x8dct=1/);
  assert.match(smart, /-pix_fmt yuv420p/);
  assert.match(smart, /-ar 44100 -ac 2/);
  const fast = encodeArgs('fast', p).join(' ');
  assert.match(fast, /-bf 0/);
  assert.match(fast, /-pix_fmt yuv420p/);
  assert.doesNotMatch(fast, /-profile:v/);
});

test('video lead over the file start time is measured from the TS (ffmpeg seeks from start_time)', () => {
  // audio first: the file's start_time is the audio's, and video starts 0.2 s later
  const path = join(dir, 'lead.ts');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25', '-f', 'lavfi', '-i', 'sine', '-t', '1',
    '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-c:a', 'aac', '-vf', 'setpts=PTS+0.2/TB',
    '-f', 'mpegts', '-y', path]);
  const bytes = readFileSync(path);
  const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,start_time:format=start_time', '-of', 'json', path], { encoding: 'utf8' })) as {
    streams: { codec_type: string; start_time: string }[]; format: { start_time: string };
  };
  const expected = Number(j.streams.find((s) => s.codec_type === 'video')!.start_time) - Number(j.format.start_time);
  assert.ok(expected > 0.15, `fixture has a video lead (${expected})`);
  assert.ok(Math.abs(videoLeadSeconds(scanTs(bytes)) - expected) < 0.001);
});
