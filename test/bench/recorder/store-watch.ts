/**
 * When does each `full` segment appear in DATA/segments? Node 20 cannot fs.watch recursively on Linux,
 * so every directory of the CHANNEL/QUALITY/HOUR tree gets its own (inotify) watcher as soon as it is
 * seen; events on the upper levels reveal new directories, events in hour directories reveal segments.
 * The recorder writes a temp name and links the final name in one step, so the first event for a
 * `-full-` name is the moment it became visible. A periodic rescan backs the watchers up; anything only
 * the rescan (or the initial listing of a new directory) found is counted as `late` and timed at
 * discovery, an upper bound.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { parseSegmentPath, type SegmentInfo } from '../../../main/media/segments/names.ts';

export interface FoundSegment {
  info: SegmentInfo;
  /** epoch ms when the file was seen */
  at: number;
  size: number;
  /** found by a listing rather than an inotify event (its time is an upper bound) */
  late: boolean;
}

const HOUR_DEPTH = 3;

export class StoreWatcher {
  readonly found = new Map<string, FoundSegment>();
  /** non-full segment files (suspect/partial) by relative path */
  readonly other = new Map<string, SegmentInfo>();
  private watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly root: string, private readonly rescanMs = 500) {}

  start(): void {
    this.scan(this.root, 0);
    this.timer = setInterval(() => this.scan(this.root, 0), this.rescanMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private note(dir: string, name: string, late: boolean): void {
    if (!name.endsWith('.ts')) return;
    const path = join(dir, name);
    const rel = path.slice(this.root.length + 1);
    if (this.found.has(rel)) return;
    let info: SegmentInfo;
    try {
      info = parseSegmentPath(rel);
    } catch {
      return;
    }
    if (info.type === 'temp') return;
    if (info.type !== 'full') {
      this.other.set(rel, info);
      return;
    }
    const at = Date.now();
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return; // a rename event for a name that is gone
    }
    this.found.set(rel, { info, at, size, late });
  }

  private scan(dir: string, depth: number): void {
    if (!this.watchers.has(dir)) {
      try {
        const w = watch(dir, (_event, name) => {
          if (depth === HOUR_DEPTH) {
            if (name) this.note(dir, name.toString(), false);
          } else {
            this.scan(dir, depth);
          }
        });
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        return; // not there (yet)
      }
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      if (depth === HOUR_DEPTH) this.note(dir, name, true);
      else this.scan(join(dir, name), depth + 1);
    }
  }
}
