/**
 * Leftover `temp` files after a crash (kill -9 mid-download, power loss).
 *
 * Decision: a leftover temp file is never promoted to `full` (nothing proves its download finished)
 * and never silently kept as temp (it would sit in the store forever, ignored by everyone). Instead:
 * - empty → deleted (nothing arrived, so there is nothing to keep);
 * - identical to a copy that already exists under a final name for the same segment (the crash hit
 *   between link and unlink in commitRename) → deleted;
 * - otherwise → renamed to `partial` with the hash of its bytes, as wubloader does with an interrupted
 *   download: the bytes that did arrive still fill a gap if no better copy turns up (best-segment
 *   selection prefers full, then suspect, over partial).
 *
 * Only temp files that cannot belong to a running writer are touched: those named by a recorder
 * process (`rec.<pid>.…`) whose pid is no longer alive, and any other temp file (wubloader's plain
 * uuid, backfill) once older than staleTempMs. Runs at recorder start, in the background.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { hashFile } from '../media/segments/hash.ts';
import { tryParseSegmentPath } from '../media/segments/names.ts';
import { commitRename, type SegmentStore } from '../media/segments/store.ts';
import { TEMP_MARKER } from './segment-getter.ts';

export interface RecoveryReport {
  deleted: string[];
  partial: string[];
  skipped: string[];
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await fsp.readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Handle leftover temp files under the given channels (all channels in the store when omitted). */
export async function recoverTempFiles(
  store: SegmentStore, opts: { channels?: string[]; staleTempMs: number; now?: number },
): Promise<RecoveryReport> {
  const report: RecoveryReport = { deleted: [], partial: [], skipped: [] };
  const now = opts.now ?? Date.now();
  const channels = opts.channels ?? (await dirs(store.root));
  for (const channel of channels) {
    for (const quality of await dirs(join(store.root, channel))) {
      for (const hour of await dirs(join(store.root, channel, quality))) {
        const dir = join(store.root, channel, quality, hour);
        let names: string[];
        try {
          names = await fsp.readdir(dir);
        } catch {
          continue;
        }
        for (const name of names) {
          const rel = `${channel}/${quality}/${hour}/${name}`;
          const info = tryParseSegmentPath(rel);
          if (!info || info.type !== 'temp') continue;
          const path = join(dir, name);
          const arg = name.slice(0, -3).split('-').slice(3).join('-');
          const m = new RegExp(`^${TEMP_MARKER}\\.(\\d+)\\.`).exec(arg);
          let st;
          try {
            st = await fsp.stat(path);
          } catch {
            continue; // gone meanwhile
          }
          const ours = m !== null;
          if ((ours && pidAlive(Number(m![1]))) || (!ours && now - st.mtimeMs < opts.staleTempMs)) {
            report.skipped.push(rel);
            continue;
          }
          if (st.size === 0) {
            await fsp.unlink(path).catch(() => {});
            report.deleted.push(rel);
            continue;
          }
          const hash = await hashFile(path);
          const prefix = name.slice(0, name.indexOf('-temp-'));
          const twin = names.find((n) => n.startsWith(`${prefix}-`) && !n.includes('-temp-') && n.endsWith(`-${hash}.ts`));
          if (twin) {
            await fsp.unlink(path).catch(() => {});
            report.deleted.push(rel);
            continue;
          }
          const partial = `${prefix}-partial-${hash}.ts`;
          await commitRename(path, join(dir, partial));
          report.partial.push(`${channel}/${quality}/${hour}/${partial}`);
        }
      }
    }
  }
  return report;
}
