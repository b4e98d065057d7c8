/**
 * npm run bench:cut — issue 4's benchmark. Prints one JSON object with a section per part:
 *  - cut: a ~10-minute range (cut points inside the first and last segment, so both ends are really
 *    re-encoded) of 300 two-second 1080p30 6 Mb/s segments, cut rough / fast / smart / full, and `cat`
 *    of the same segment files in the same run (warm page cache for all). Target: smart ≤ 1.5 × cat + 2 s.
 *  - upload: reserved for the upload half of the benchmark (added by the uploader's owner): register
 *    another entry in SECTIONS.
 *
 * Options: `node --import tsx test/bench/cut.bench.ts [section…]` runs only the named sections;
 * CUT_BENCH_KINDS=rough,fast,smart limits the cut kinds (full re-encodes 10 minutes of 1080p and takes
 * minutes on a 2-core machine).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createReadStream, createWriteStream, linkSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { segmentPool } from '../fixtures/segments.ts';
import { formatHour, segmentFilename, US_PER_SECOND } from '../../main/media/segments/names.ts';
import { SegmentStore } from '../../main/media/segments/store.ts';
import { cutToFile, type CutKind } from '../../main/media/cut/index.ts';
import { runUploadBench } from './upload.bench.ts';

const COUNT = 300;
const SEG = 2;

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('base64url');
}

/** The pool laid out as a store (hard links when possible: no 450 MB copy). */
async function buildStore(root: string, pool: string[], start: number): Promise<void> {
  for (let i = 0; i < pool.length; i++) {
    const t = start + i * SEG * US_PER_SECOND;
    const dir = join(root, 'bench', 'source', formatHour(t));
    mkdirSync(dir, { recursive: true });
    const dest = join(dir, segmentFilename(t, SEG, 'full', await hashFile(pool[i]!)));
    try {
      linkSync(pool[i]!, dest);
    } catch {
      copyFileSync(pool[i]!, dest);
    }
  }
}

/** Run a command; with `stdoutTo`, its stdout goes to that file (finished and closed before resolving). */
function run(cmd: string, args: string[], stdoutTo?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', stdoutTo ? 'pipe' : 'ignore', 'inherit'] });
    const written = stdoutTo
      ? new Promise<void>((res, rej) => child.stdout!.pipe(createWriteStream(stdoutTo)).on('finish', res).on('error', rej))
      : Promise.resolve();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} exited ${code}`));
      else written.then(resolve, reject);
    });
  });
}

function probeDuration(path: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  return Number(out.trim());
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round(performance.now() - t0);
}

async function cutSection(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const pool = segmentPool({ count: COUNT, width: 1920, height: 1080, fps: 30, bitrate: '6M' });
  const poolMs = Math.round(performance.now() - t0);
  const work = mkdtempSync(join(tmpdir(), 'tapedeck-cut-bench-'));
  try {
    const root = join(work, 'segments');
    const start = Date.UTC(2026, 10, 1, 0, 0, 0) * 1000;
    await buildStore(root, pool, start);
    const store = new SegmentStore(root);
    // Cut points half a segment in from both ends: both end segments are re-encoded.
    const range = { start: start + 0.5 * US_PER_SECOND, end: start + (COUNT * SEG - 0.5) * US_PER_SECOND };
    const segments = [await store.getBestSegments('bench', 'source', range.start, range.end, false)];
    const files = segments[0]!.map((s) => store.abs(s!.path));
    const bytesIn = files.reduce((n, f) => n + statSync(f).size, 0);

    // Warm the page cache so every contender reads from memory, then time cat.
    await run('cat', files);
    const out = (name: string) => join(work, name);
    const catMs = await timed(() => run('cat', files, out('cat.ts')));
    rmSync(out('cat.ts'));

    const kinds = (process.env.CUT_BENCH_KINDS ?? 'rough,fast,smart,full').split(',').map((k) => k.trim()) as CutKind[];
    const results: Record<string, { ms: number; bytes: number; duration_s: number }> = {};
    for (const kind of kinds) {
      let bytes = 0;
      const ms = await timed(async () => {
        bytes = (await cutToFile(kind, { store, segments, ranges: [range], transitions: [] }, out(`${kind}.ts`))).bytes;
      });
      results[kind] = { ms, bytes, duration_s: probeDuration(out(`${kind}.ts`)) };
      rmSync(out(`${kind}.ts`));
    }
    const smartMs = results.smart?.ms;
    return {
      segments: COUNT,
      resolution: '1920x1080@30 6M',
      range_s: (range.end - range.start) / US_PER_SECOND,
      bytes_in: bytesIn,
      fixture_ms: poolMs,
      cat_ms: catMs,
      ...Object.fromEntries(Object.entries(results).map(([k, r]) => [`${k}_ms`, r.ms])),
      outputs: results,
      smart_over_cat: smartMs === undefined ? null : Math.round((smartMs / catMs) * 100) / 100,
      target: smartMs === undefined ? null : { smart_max_ms: Math.round(1.5 * catMs + 2000), met: smartMs <= 1.5 * catMs + 2000 },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Sections of the benchmark; the upload half registers itself here. */
const SECTIONS: Record<string, () => Promise<Record<string, unknown>>> = {
  cut: cutSection,
  // 2 GB through the resumable uploader to the fake YouTube: throughput and the uploader's peak RSS.
  upload: async () => ({ ...(await runUploadBench()) }),
};

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(SECTIONS);
  const report: Record<string, unknown> = {
    machine: { cpus: cpus().length, node: process.version, ffmpeg: execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0] },
  };
  for (const name of names) {
    const section = SECTIONS[name];
    if (!section) throw new Error(`unknown section ${name}; have ${Object.keys(SECTIONS).join(', ')}`);
    report[name] = await section();
  }
  console.log(JSON.stringify(report, null, 2));
}

await main();
