/**
 * PNG checks done in code: the 8-byte signature and the IHDR chunk (first chunk, fixed layout) give the
 * image size without decoding, which is all thumbnails need to validate uploads and boxes.
 */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngInfo {
  width: number;
  height: number;
  /** IHDR colour type: 6 = RGBA, 4 = grey+alpha, 3 = palette (may carry tRNS), 2 = RGB, 0 = grey */
  colorType: number;
}

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.equals(Buffer.from(b.buffer, b.byteOffset, 8));
}

/** Size and colour type from IHDR, or null when `b` is not a well-formed PNG start. */
export function pngInfo(b: Uint8Array): PngInfo | null {
  if (b.length < 33 || !isPng(b)) return null;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.readUInt32BE(8) !== 13 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  if (width === 0 || height === 0) return null;
  return { width, height, colorType: buf[25]! };
}
