/**
 * A minimal PNG writer for the waveform: 8-bit grey + alpha (colour type 4), one IDAT compressed with
 * node:zlib (off the main thread). Rows use the PNG "Up" filter: a waveform is vertical bars, so each
 * row differs from the one above only where a bar starts or ends, which deflate squeezes to almost nothing.
 */
import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** PNG of a single-colour image whose per-pixel opacity is `alpha` (row-major, width*height). */
export async function encodeGreyAlphaPng(alpha: Uint8Array, width: number, height: number, grey = 0): Promise<Buffer> {
  if (alpha.length !== width * height) throw new Error(`alpha plane is ${alpha.length} bytes, expected ${width}x${height}`);
  const stride = 1 + width * 2;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const src = y * width;
    if (y === 0) {
      raw[row] = 0; // None
      for (let x = 0; x < width; x++) {
        raw[row + 1 + 2 * x] = grey;
        raw[row + 2 + 2 * x] = alpha[src + x]!;
      }
    } else {
      raw[row] = 2; // Up: store the difference to the pixel above (grey is constant, so 0)
      for (let x = 0; x < width; x++) raw[row + 2 + 2 * x] = (alpha[src + x]! - alpha[src - width + x]!) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 4; // grey + alpha
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const idat = await deflateAsync(raw, { level: raw.length > 4 << 20 ? 3 : 6 });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
