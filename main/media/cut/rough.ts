/**
 * Rough cut: the stored segment files of every range, concatenated as they are (no ffmpeg). Output may
 * start/end up to one segment outside each range; holes are skipped. Fast and exactly as wubloader does.
 */
import { createReadStream } from 'node:fs';
import type { SegmentOrHole } from '../segments/select.ts';

export async function* roughCut(ranges: SegmentOrHole[][], absPath: (rel: string) => string): AsyncGenerator<Uint8Array> {
  for (const segments of ranges) {
    for (const s of segments) {
      if (!s) continue;
      for await (const chunk of createReadStream(absPath(s.path), { highWaterMark: 256 * 1024 })) {
        yield chunk as Buffer;
      }
    }
  }
}
