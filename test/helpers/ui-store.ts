/**
 * A synthetic segment store for UI scale tests: many hours of 2-second segments for several channels,
 * written as hard links (one tiny source file per channel-hour, so every name carries the real hash of
 * its bytes), optionally ending in real, playable media for the last minutes of one channel (hard links
 * to the cached ffmpeg fixture pool). 72 h x 5 channels = 648,000 files in ~15 s.
 */
import { copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { formatHour, segmentFilename } from '../../main/media/segments/names.ts';
import { segmentPool } from '../fixtures/segments.ts';

const S = 1_000_000;
const SEG = 2 * S;

export interface SyntheticStoreOptions {
  channels: string[];
  quality?: string;
  /** hours of recording per channel, ending at `end` */
  hours: number;
  /** µs, a multiple of 2 s */
  end: number;
  /** the last `minutes` of `channel` are real 320x180 media (a 60-second pool played in a loop) */
  real?: { channel: string; minutes: number };
}

function link(src: string, dest: string): void {
  try {
    linkSync(src, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(src, dest);
  }
}

/** Writes under `dataDir/segments`; returns the number of segment files. */
export function buildSyntheticStore(dataDir: string, o: SyntheticStoreOptions): number {
  const quality = o.quality ?? 'source';
  const srcDir = join(dataDir, 'synthetic-sources');
  mkdirSync(srcDir, { recursive: true });
  const start = o.end - o.hours * 3600 * S;
  const pool = o.real ? segmentPool({ count: 30 }) : [];
  const poolHashes = pool.map((p) => hashBytes(readFileSync(p)));
  let files = 0;
  for (const channel of o.channels) {
    const realFrom = o.real?.channel === channel ? o.end - o.real.minutes * 60 * S : Infinity;
    let hour = '';
    let src = '';
    let hash = '';
    let k = 0;
    for (let t = start; t < o.end; t += SEG) {
      const h = formatHour(t);
      const dir = join(dataDir, 'segments', channel, quality, h);
      if (h !== hour) {
        hour = h;
        mkdirSync(dir, { recursive: true });
        const bytes = Buffer.from(`synthetic segment bytes ${channel} ${h}`);
        src = join(srcDir, `${channel}-${h}`);
        writeFileSync(src, bytes);
        hash = hashBytes(bytes);
      }
      if (t >= realFrom) {
        const i = k++ % pool.length;
        link(pool[i]!, join(dir, segmentFilename(t, 2, 'full', poolHashes[i]!)));
      } else {
        link(src, join(dir, segmentFilename(t, 2, 'full', hash)));
      }
      files++;
    }
  }
  return files;
}
