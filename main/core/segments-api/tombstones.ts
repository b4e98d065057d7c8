/**
 * Tombstoning (wubloader §2.4): an empty `<segment>.tombstone` beside a segment hides it from playlists,
 * cuts and backfill, and replicates to peers. The file must stay empty for wubloader compatibility, so
 * who/why is kept in an append-only log DATA/tombstones.jsonl (tombstones that arrive from peers show
 * without a reason).
 */
import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatHour, truncateHour, tryParseSegmentPath, US_PER_HOUR, type SegmentInfo } from '../../media/segments/names.ts';
import type { SegmentStore } from '../../media/segments/store.ts';

export interface TombstoneRecord {
  path: string;
  channel: string;
  quality: string;
  start: number;
  duration: number;
  reason: string | null;
  by: string | null;
  time: string | null;
}

interface LogLine {
  time: string;
  by: string;
  reason: string;
  paths: string[];
}

export class Tombstones {
  private logPath: string;

  constructor(private store: SegmentStore, dataDir: string) {
    this.logPath = join(dataDir, 'tombstones.jsonl');
  }

  /** Every segment file (all versions, not only the best) overlapping [start, end). */
  async segmentsInRange(channel: string, quality: string, start: number, end: number): Promise<SegmentInfo[]> {
    const out: SegmentInfo[] = [];
    for (let h = truncateHour(start) - US_PER_HOUR; h <= truncateHour(end - 1); h += US_PER_HOUR) {
      const hour = formatHour(h);
      const names = (await this.store.listHourRaw(channel, quality, hour)) ?? [];
      for (const n of names) {
        if (!n.endsWith('.ts')) continue;
        const s = tryParseSegmentPath(`${channel}/${quality}/${hour}/${n}`);
        if (s && s.type !== 'temp' && s.start < end && s.start + s.duration > start) out.push(s);
      }
    }
    return out;
  }

  async create(paths: string[], reason: string, by: string): Promise<string[]> {
    const made: string[] = [];
    for (const p of paths) made.push(await this.store.tombstone(p));
    const line: LogLine = { time: new Date().toISOString(), by, reason, paths };
    // One line per operation, fsynced: the reason survives a crash right after the click.
    appendFileSync(this.logPath, JSON.stringify(line) + '\n');
    const fd = openSync(this.logPath, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return made;
  }

  private reasons(): Map<string, LogLine> {
    const map = new Map<string, LogLine>();
    if (!existsSync(this.logPath)) return map;
    for (const raw of readFileSync(this.logPath, 'utf8').split('\n')) {
      if (!raw.trim()) continue;
      try {
        const l = JSON.parse(raw) as LogLine;
        for (const p of l.paths) map.set(p, l);
      } catch {
        /* a torn last line after a crash: ignore it */
      }
    }
    return map;
  }

  /** Tombstones present in the store for a channel/quality within [start, end). */
  async list(channel: string, quality: string, start: number, end: number): Promise<TombstoneRecord[]> {
    const reasons = this.reasons();
    const out: TombstoneRecord[] = [];
    for (let h = truncateHour(start); h < end; h += US_PER_HOUR) {
      const hour = formatHour(h);
      const names = (await this.store.listHourRaw(channel, quality, hour)) ?? [];
      for (const n of names) {
        if (!n.endsWith('.tombstone')) continue;
        const segPath = `${channel}/${quality}/${hour}/${n.slice(0, -'.tombstone'.length)}.ts`;
        const s = tryParseSegmentPath(segPath);
        if (!s || s.start >= end || s.start + s.duration <= start) continue;
        const why = reasons.get(segPath);
        out.push({ path: segPath, channel, quality, start: s.start, duration: s.duration, reason: why?.reason ?? null, by: why?.by ?? null, time: why?.time ?? null });
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }
}
