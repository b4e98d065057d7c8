#!/usr/bin/env node
// Regenerates the app icon (resources/icons/NxN.png, used by electron-builder and the window) and the
// tray icons (resources/tray/tray-<level>.png + @2x, named after trayState() levels) with plain Node:
// shapes are drawn as anti-aliased signed-distance fields and written as PNG with zlib. Run it after
// changing a colour or shape:  node resources/make-icons.mjs
//
// The tray levels differ in shape as well as colour (circle, ring, stop square, exclamation mark), so
// they can be told apart without colour vision and on monochrome panels.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const here = new URL('.', import.meta.url);

// ---- PNG writer (RGBA, 8 bit) ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- drawing: layers of (signed distance in unit coordinates, colour), composited with "over" ----
const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;
const box = (cx, cy, hw, hh, rad = 0) => (x, y) => {
  const dx = Math.abs(x - cx) - hw + rad;
  const dy = Math.abs(y - cy) - hh + rad;
  return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - rad;
};

function render(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  const aa = 1 / size; // one pixel of anti-aliasing in unit coordinates
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size;
      const y = (py + 0.5) / size;
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const [sdf, colour, alpha = 1] of layers) {
        const cov = Math.min(1, Math.max(0, 0.5 - sdf(x, y) / aa)) * alpha;
        if (cov <= 0) continue;
        const [cr, cg, cb] = hex(colour);
        const na = cov + a * (1 - cov);
        r = (cr * cov + r * a * (1 - cov)) / na;
        g = (cg * cov + g * a * (1 - cov)) / na;
        b = (cb * cov + b * a * (1 - cov)) / na;
        a = na;
      }
      const i = (py * size + px) * 4;
      out[i] = Math.round(r);
      out[i + 1] = Math.round(g);
      out[i + 2] = Math.round(b);
      out[i + 3] = Math.round(a * 255);
    }
  }
  return png(size, out);
}

// ---- the app icon: a cassette deck with a red record light ----
const appIcon = [
  [box(0.5, 0.5, 0.46, 0.46, 0.1), '#1d232b'],
  [box(0.5, 0.5, 0.36, 0.24, 0.04), '#e9e4d8'],
  [box(0.5, 0.47, 0.27, 0.1, 0.05), '#2b323b'],
  [circle(0.37, 0.47, 0.065), '#e9e4d8'],
  [circle(0.63, 0.47, 0.065), '#e9e4d8'],
  [circle(0.37, 0.47, 0.025), '#2b323b'],
  [circle(0.63, 0.47, 0.025), '#2b323b'],
  [box(0.5, 0.66, 0.16, 0.035, 0.02), '#b9b2a3'],
  [circle(0.8, 0.22, 0.075), '#e5484d'],
];

// ---- tray icons, one per trayState() level ----
const tray = {
  ok: [[circle(0.5, 0.5, 0.4), '#2f9e5b']],
  degraded: [[circle(0.5, 0.5, 0.4), '#e0a100'], [circle(0.5, 0.5, 0.17), '#ffffff']],
  'stream-down': [[circle(0.5, 0.5, 0.42), '#d93a3a'], [box(0.5, 0.5, 0.16, 0.16, 0.02), '#ffffff']],
  error: [
    [circle(0.5, 0.5, 0.42), '#9b1c5a'],
    [box(0.5, 0.4, 0.065, 0.19, 0.05), '#ffffff'],
    [circle(0.5, 0.73, 0.07), '#ffffff'],
  ],
};

mkdirSync(new URL('icons/', here), { recursive: true });
mkdirSync(new URL('tray/', here), { recursive: true });
for (const s of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(new URL(`icons/${s}x${s}.png`, here), render(s, appIcon));
for (const [level, layers] of Object.entries(tray)) {
  writeFileSync(new URL(`tray/tray-${level}.png`, here), render(16, layers));
  writeFileSync(new URL(`tray/tray-${level}@2x.png`, here), render(32, layers));
}
console.log('icons written to resources/icons and resources/tray');
