/**
 * Leftover temp files at recorder start: a dead recorder's temp becomes `partial` (hash of its bytes),
 * empty ones and exact twins of an existing copy are deleted, files a live writer may still own are
 * left alone (live pid, or a foreign temp younger than staleTempMs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashBytes } from '../../main/media/segments/hash.ts';
import { formatHour, segmentFilename } from '../../main/media/segments/names.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { recoverTempFiles } from '../../main/recorder/recovery.ts';
import { tempDir } from '../helpers/node.ts';

test('temp files of dead, live and foreign writers', async () => {
  const root = join(tempDir('tapedeck-recovery-'), 'segments');
  const store = new SegmentStore(root);
  const t0 = Date.UTC(2026, 10, 21, 12, 0, 0) * 1000;
  const hour = formatHour(t0);
  const dir = join(root, 'chan', 'source', hour);
  mkdirSync(dir, { recursive: true });
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
  const at = (i: number) => t0 + i * 2_000_000;
  const bytes = (i: number) => Buffer.alloc(188 * (i + 1), i + 1);

  const put = (i: number, arg: string, data: Buffer) => {
    const name = segmentFilename(at(i), 2, 'temp', arg);
    writeFileSync(join(dir, name), data);
    return name;
  };
  put(0, `rec.${deadPid}.aaaa`, bytes(0)); // dead recorder, data → partial
  put(1, `rec.${deadPid}.bbbb`, Buffer.alloc(0)); // dead, empty → deleted
  put(2, `rec.${deadPid}.cccc`, bytes(2)); // dead, twin of an existing full → deleted
  writeFileSync(join(dir, segmentFilename(at(2), 2, 'full', hashBytes(bytes(2)))), bytes(2));
  const live = put(3, `rec.${process.pid}.dddd`, bytes(3)); // a live recorder (us) → untouched
  const fresh = put(4, '0b8e2c43-6c1f-4a57-9b1e-1f2b3c4d5e6f', bytes(4)); // foreign, fresh → untouched
  const old = put(5, '1b8e2c43-6c1f-4a57-9b1e-1f2b3c4d5e6f', bytes(5)); // foreign, stale → partial
  const past = new Date(Date.now() - 3600_000);
  utimesSync(join(dir, old), past, past);

  const report = await recoverTempFiles(store, { staleTempMs: 15 * 60_000 });
  const names = readdirSync(dir).sort();
  const p0 = segmentFilename(at(0), 2, 'partial', hashBytes(bytes(0)));
  const p5 = segmentFilename(at(5), 2, 'partial', hashBytes(bytes(5)));
  assert.deepEqual(names, [
    p0,
    segmentFilename(at(2), 2, 'full', hashBytes(bytes(2))),
    live,
    fresh,
    p5,
  ].sort());
  assert.deepEqual(readFileSync(join(dir, p0)), bytes(0), 'bytes kept exactly, name hash verifies');
  assert.equal(report.partial.length, 2);
  assert.equal(report.deleted.length, 2);
  assert.equal(report.skipped.length, 2);

  // Limited to the given channels.
  const other = join(root, 'other', 'source', hour);
  mkdirSync(other, { recursive: true });
  const otherName = segmentFilename(at(0), 2, 'temp', `rec.${deadPid}.eeee`);
  writeFileSync(join(other, otherName), bytes(0));
  await recoverTempFiles(store, { channels: ['chan'], staleTempMs: 0 });
  assert.ok(existsSync(join(other, otherName)));
  rmSync(join(root, '..'), { recursive: true, force: true });
});
