/**
 * The on-disk segment store (DATA/segments), wubloader-compatible. Reads are cached per hour directory
 * and revalidated by the directory's mtime, so a warm 12-hour playlist costs 14 stat() calls, not 21,600.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp, statSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { hashBytes } from './hash.ts';
import {
  formatHour, segmentFilename, segmentPrefix, truncateHour, tryParseSegmentPath, US_PER_HOUR,
  type SegmentInfo, type SegmentType,
} from './names.ts';
import { bestByStart, selectBestSegments, type SegmentOrHole } from './select.ts';
import { assertSafeName } from './safe-path.ts';

export const TOMBSTONE_EXT = '.tombstone';

interface HourCacheEntry {
  mtimeNs: bigint;
  names: string[];
  best: SegmentInfo[];
}

const isHidden = (name: string) => name.startsWith('.');

/** Split "name.ext" like Python's os.path.splitext (hidden-file aware enough for our names). */
function splitExt(name: string): [string, string] {
  const i = name.lastIndexOf('.');
  return i <= 0 ? [name, ''] : [name.slice(0, i), name.slice(i)];
}

/**
 * List an hour directory the way wubloader's list_segment_files does: non-hidden .ts (and .json chat)
 * files whose base name has no tombstone; with `tombstones` the tombstone names are appended.
 */
export function filterHourListing(names: string[], tombstones: boolean): string[] {
  const tombstoned = new Set<string>();
  for (const n of names) {
    const [base, ext] = splitExt(n);
    if (ext === TOMBSTONE_EXT) tombstoned.add(base);
  }
  const out: string[] = [];
  for (const n of names) {
    if (isHidden(n)) continue;
    const [base, ext] = splitExt(n);
    if ((ext === '.ts' || ext === '.json') && !tombstoned.has(base)) out.push(n);
  }
  if (tombstones) for (const n of names) if (!isHidden(n) && splitExt(n)[1] === TOMBSTONE_EXT) out.push(n);
  return out;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

export class SegmentStore {
  private hourCache = new Map<string, HourCacheEntry>();

  constructor(readonly root: string) {}

  /** Absolute path of a store-relative path whose parts were already validated. */
  abs(rel: string): string {
    return join(this.root, rel);
  }

  /** Sorted, non-hidden directory entries (channels, qualities, hours). */
  async listDir(...parts: string[]): Promise<string[] | null> {
    parts.forEach((p) => assertSafeName(p));
    try {
      const entries = await fsp.readdir(join(this.root, ...parts), { withFileTypes: true });
      return entries.filter((e) => !isHidden(e.name) && e.isDirectory()).map((e) => e.name).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  }

  /** Raw names of an hour directory (null when it does not exist). */
  async listHourRaw(channel: string, quality: string, hour: string): Promise<string[] | null> {
    [channel, quality, hour].forEach((p) => assertSafeName(p));
    try {
      return (await fsp.readdir(join(this.root, channel, quality, hour))).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  }

  /** Best segment per start time in one hour, cached until the directory changes. */
  async bestInHour(channel: string, quality: string, hour: string): Promise<SegmentInfo[]> {
    const dir = join(this.root, channel, quality, hour);
    let mtimeNs: bigint;
    try {
      mtimeNs = (await fsp.stat(dir, { bigint: true })).mtimeNs;
    } catch {
      this.hourCache.delete(dir);
      return [];
    }
    const cached = this.hourCache.get(dir);
    if (cached && cached.mtimeNs === mtimeNs) return cached.best;
    const names = filterHourListing(await readdirOrEmpty(dir), false);
    const parsed: SegmentInfo[] = [];
    const prefix = `${channel}/${quality}/${hour}/`;
    for (const n of names) {
      if (!n.endsWith('.ts')) continue;
      const info = tryParseSegmentPath(prefix + n);
      if (info) parsed.push(info);
    }
    const sizeOf = (s: SegmentInfo) => {
      try {
        return statSync(this.abs(s.path)).size;
      } catch {
        return -1;
      }
    };
    const best = bestByStart(parsed, sizeOf);
    this.hourCache.set(dir, { mtimeNs, names, best });
    return best;
  }

  /** wubloader's get_best_segments over [start, end) (µs). Scans from the hour before start. */
  async getBestSegments(
    channel: string, quality: string, start: number, end: number, allowHoles = true,
  ): Promise<SegmentOrHole[]> {
    const all: SegmentInfo[] = [];
    for (let h = truncateHour(start) - US_PER_HOUR; h <= truncateHour(end); h += US_PER_HOUR) {
      const best = await this.bestInHour(channel, quality, formatHour(h));
      for (const s of best) all.push(s);
    }
    return selectBestSegments(all, start, end, allowHoles);
  }

  /**
   * Write a finished segment atomically: temp name in the hour folder, fsync, rename to its final,
   * content-addressed name, fsync the folder. If the final name already exists the bytes are identical
   * (same hash), so the temp file is just removed.
   */
  async writeSegment(
    channel: string, quality: string, start: number, durationSeconds: number, type: Exclude<SegmentType, 'temp'>,
    data: Uint8Array,
  ): Promise<string> {
    [channel, quality].forEach((p) => assertSafeName(p));
    const hourDir = join(this.root, channel, quality, formatHour(start));
    await fsp.mkdir(hourDir, { recursive: true });
    const tempName = segmentFilename(start, durationSeconds, 'temp', randomUUID());
    const finalName = segmentFilename(start, durationSeconds, type, hashBytes(data));
    await writeFileDurably(join(hourDir, tempName), data);
    await commitRename(join(hourDir, tempName), join(hourDir, finalName));
    return `${channel}/${quality}/${formatHour(start)}/${finalName}`;
  }

  /** Create the tombstone for a segment (idempotent). Returns the tombstone's relative path. */
  async tombstone(relPath: string): Promise<string> {
    const parts = relPath.split('/');
    parts.forEach((p) => assertSafeName(p));
    if (parts.length !== 4 || !parts[3]!.endsWith('.ts')) throw new Error(`not a segment path: ${relPath}`);
    const tomb = relPath.slice(0, -3) + TOMBSTONE_EXT;
    await fsp.mkdir(join(this.root, ...parts.slice(0, 3)), { recursive: true });
    const fh = await fsp.open(this.abs(tomb), 'a');
    await fh.close();
    return tomb;
  }

  /** The prefix "%M:%S.%f-DURATION" used to find any version of a segment. */
  static prefixOf(start: number, durationSeconds: number): string {
    return segmentPrefix(start, durationSeconds);
  }
}

export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const fh = await fsp.open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Rename temp → final (dropping temp if final exists) and fsync the directory so the rename survives. */
export async function commitRename(tempPath: string, finalPath: string): Promise<void> {
  try {
    await fsp.link(tempPath, finalPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  await fsp.unlink(tempPath);
  const dir = finalPath.slice(0, finalPath.lastIndexOf('/'));
  const dh = await fsp.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
