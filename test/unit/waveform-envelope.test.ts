/**
 * The waveform's pure parts: envelopes from PCM and their cache format, placing envelopes on the
 * timeline (holes stay empty), drawing bars like showwavespic (sqrt scale, centred, transparent
 * background), and the PNG writer (checked with an independent CRC and un-filtering here).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import {
  decodeEnvelope, emptyEnvelope, encodeEnvelope, envelopeFromPcm, ENVELOPE_HEADER_BYTES, FLAG_NO_AUDIO, type Envelope,
} from '../../main/media/waveform/envelope.ts';
import { columnLevels, drawWaveform, type PlacedEnvelope } from '../../main/media/waveform/render.ts';
import { encodeGreyAlphaPng } from '../../main/media/waveform/png.ts';
import { extractAdts } from '../../main/media/waveform/decode.ts';

const S = 1_000_000;
const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 1e-6;

/** `seconds` of a square-ish signal whose mean |sample| is `level` (alternating ±level). */
function pcm(seconds: number, level: number, rate = 8000): Int16Array {
  const a = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < a.length; i++) a[i] = i % 2 ? level : -level;
  return a;
}

function env(seconds: number, level: number): Envelope {
  return envelopeFromPcm(pcm(seconds, level));
}

test('envelope: 50 buckets per second of mean |sample|, partial last bucket', () => {
  const a = pcm(1.01, 1000); // 8080 samples: 50 full buckets of 160 and one of 80
  const e = envelopeFromPcm(a);
  assert.equal(e.values.length, 51);
  assert.equal(e.samples, 8080);
  assert.ok(e.values.every((v) => v === 1000), `constant level everywhere: ${[...new Set(e.values)]}`);
  const mixed = new Int16Array(320);
  mixed.fill(-300, 0, 160);
  mixed.fill(200, 160, 320);
  const m = envelopeFromPcm(mixed);
  assert.deepEqual([...m.values], [300, 200]);
});

test('envelope: the decoder fade-in of the first bucket is not shown as a notch', () => {
  const a = pcm(0.2, 2000);
  for (let i = 0; i < 120; i++) a[i] = Math.round(a[i]! * (i / 120)); // ramp like a fresh AAC decoder
  const e = envelopeFromPcm(a);
  assert.equal(e.values[0], e.values[1], 'first bucket takes its neighbour');
  const quietStart = pcm(0.2, 2000);
  quietStart.fill(0, 160, 320); // loud, then silence: the first bucket keeps its own (larger) value
  assert.equal(envelopeFromPcm(quietStart).values[0], 2000);
});

test('envelope cache format round-trips and refuses damaged files', () => {
  const e = env(2.005, 1234);
  const bin = encodeEnvelope(e);
  assert.equal(bin.length, ENVELOPE_HEADER_BYTES + e.values.length * 2);
  assert.equal(bin.toString('latin1', 0, 4), 'TDPK');
  assert.deepEqual(decodeEnvelope(bin), e);
  assert.deepEqual(decodeEnvelope(encodeEnvelope(emptyEnvelope())), emptyEnvelope(FLAG_NO_AUDIO));
  assert.equal(decodeEnvelope(bin.subarray(0, bin.length - 1)), null, 'truncated');
  assert.equal(decodeEnvelope(Buffer.concat([bin, Buffer.alloc(2)])), null, 'trailing bytes');
  const wrongMagic = Buffer.from(bin);
  wrongMagic.write('XXXX', 0, 'latin1');
  assert.equal(decodeEnvelope(wrongMagic), null, 'wrong magic');
  const wrongVersion = Buffer.from(bin);
  wrongVersion[4] = 99;
  assert.equal(decodeEnvelope(wrongVersion), null, 'unknown version');
  assert.equal(decodeEnvelope(Buffer.alloc(3)), null, 'too short for a header');
});

test('columns are placed by time: a hole between segments stays empty', () => {
  const t0 = 1_000 * S;
  const pieces: PlacedEnvelope[] = [
    { start: t0, end: t0 + 2 * S, envelope: env(2, 4000) },
    // 2 s hole
    { start: t0 + 4 * S, end: t0 + 6 * S, envelope: env(2, 1000) },
  ];
  const levels = columnLevels(pieces, t0, t0 + 6 * S, 60); // 10 columns per second
  for (let c = 0; c < 20; c++) assert.ok(near(levels[c], 4000), `column ${c} in the first segment: ${levels[c]}`);
  for (let c = 20; c < 40; c++) assert.ok(Number.isNaN(levels[c]!), `column ${c} in the hole is empty, got ${levels[c]}`);
  for (let c = 40; c < 60; c++) assert.ok(near(levels[c], 1000), `column ${c} in the second segment: ${levels[c]}`);
  // a window starting inside the hole
  const late = columnLevels(pieces, t0 + 3 * S, t0 + 5 * S, 20);
  assert.ok(late.slice(0, 10).every(Number.isNaN), 'first half of the window is the hole');
  assert.ok(late.slice(10).every((v) => near(v, 1000)), `second half is the second segment: ${[...late.slice(10)]}`);
});

test('columns average the audio they contain; audio past a segment end is not drawn', () => {
  const t0 = 50 * S;
  const half = new Int16Array(16000);
  half.fill(3000, 0, 8000); // 1 s loud, 1 s silent
  const pieces: PlacedEnvelope[] = [{ start: t0, end: t0 + 2 * S, envelope: envelopeFromPcm(half) }];
  const one = columnLevels(pieces, t0, t0 + 2 * S, 1);
  assert.ok(Math.abs(one[0]! - 1500) < 1, `one column over loud+silent averages: ${one[0]}`);
  // 3 s of audio in a segment named 2 s long: the last second belongs to the next segment's time
  const long: PlacedEnvelope[] = [{ start: t0, end: t0 + 2 * S, envelope: env(3, 2000) }];
  const lv = columnLevels(long, t0, t0 + 4 * S, 4);
  assert.ok(near(lv[0], 2000) && near(lv[1], 2000), `the named 2 s are drawn: ${[...lv]}`);
  assert.ok(Number.isNaN(lv[2]!) && Number.isNaN(lv[3]!), `nothing drawn after the named end: ${[...lv]}`);
  // zoomed in far beyond the bucket resolution: every column still gets its bucket's value
  const zoom = columnLevels(long, t0 + 100_000, t0 + 120_000, 50);
  assert.ok(zoom.every((v) => near(v, 2000)), `sub-bucket columns: ${[...zoom]}`);
});

test('bars: sqrt scale, centred, black on transparent, empty where there is no audio', () => {
  const t0 = 10 * S;
  const H = 40;
  const full = { start: t0, end: t0 + S, envelope: env(1, 32767) };
  const quarter = { start: t0 + S, end: t0 + 2 * S, envelope: env(1, Math.round(32767 / 4)) }; // sqrt → half height
  const alpha = drawWaveform([full, quarter], t0, t0 + 3 * S, 3, H); // columns: full, quarter, hole
  const col = (c: number) => Array.from({ length: H }, (_, y) => alpha[y * 3 + c]!);
  assert.ok(col(0).every((a) => a === 255), `full scale fills the column: ${col(0)}`);
  const q = col(1);
  const opaque = q.filter((a) => a === 255).length;
  assert.ok(opaque >= 19 && opaque <= 20, `quarter level is half the height (sqrt): ${opaque} rows`);
  assert.equal(q[0], 0, 'top row transparent');
  assert.equal(q[H - 1], 0, 'bottom row transparent');
  assert.equal(q[H / 2], 255, 'centre row drawn');
  const firstDrawn = q.findIndex((a) => a > 0);
  const lastDrawn = H - 1 - [...q].reverse().findIndex((a) => a > 0);
  assert.ok(Math.abs(firstDrawn - (H - 1 - lastDrawn)) <= 1, `bar is centred: rows ${firstDrawn}..${lastDrawn}`);
  assert.ok(col(2).every((a) => a === 0), 'the hole column is empty');
  const silent = drawWaveform([{ start: t0, end: t0 + S, envelope: env(1, 0) }], t0, t0 + S, 4, 10);
  assert.ok(silent.every((a) => a === 0), 'silence draws nothing');
});

// --- PNG, checked independently -----------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function readPng(png: Buffer): { width: number; height: number; colorType: number; bitDepth: number; pixels: Buffer; chunks: string[] } {
  assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let o = 8;
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | null = null;
  while (o < png.length) {
    const len = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    assert.equal(png.readUInt32BE(o + 8 + len), crc(png.subarray(o + 4, o + 8 + len)), `CRC of ${type}`);
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    o += 12 + len;
  }
  assert.ok(ihdr, 'has IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 2;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const left = x >= 2 ? pixels[y * stride + x - 2]! : 0;
      const v = f === 0 ? line[x]! : f === 1 ? line[x]! + left : f === 2 ? line[x]! + up : -1;
      assert.ok(v >= 0, `filter type ${f} is one this reader knows`);
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, colorType: ihdr[9]!, bitDepth: ihdr[8]!, pixels, chunks };
}

test('PNG writer: valid chunks and CRCs, grey+alpha pixels equal to the plane drawn', async () => {
  const W = 37;
  const H = 11;
  const alpha = new Uint8Array(W * H);
  for (let i = 0; i < alpha.length; i++) alpha[i] = (i * 37 + (i >> 3)) & 0xff;
  const png = await encodeGreyAlphaPng(alpha, W, H);
  const img = readPng(png);
  assert.deepEqual(img.chunks, ['IHDR', 'IDAT', 'IEND']);
  assert.deepEqual([img.width, img.height, img.colorType, img.bitDepth], [W, H, 4, 8]);
  for (let i = 0; i < W * H; i++) {
    assert.equal(img.pixels[2 * i], 0, 'black');
    if (img.pixels[2 * i + 1] !== alpha[i]) assert.fail(`alpha differs at pixel ${i}: ${img.pixels[2 * i + 1]} != ${alpha[i]}`);
  }
  await assert.rejects(encodeGreyAlphaPng(new Uint8Array(5), 2, 2), /alpha plane/);
});

test('ADTS extraction refuses what is not MPEG-TS with ADTS AAC', () => {
  assert.equal(extractAdts(Buffer.alloc(0)), null, 'empty');
  assert.equal(extractAdts(Buffer.from('not a transport stream at all, just some text'.repeat(10))), null, 'text');
  const nullPackets = Buffer.alloc(188 * 4, 0xff);
  for (let o = 0; o < nullPackets.length; o += 188) nullPackets.set([0x47, 0x1f, 0xff, 0x10], o);
  assert.equal(extractAdts(nullPackets), null, 'TS without a program');
});
