/**
 * Upload benchmark: a 2 GiB file through the real resumable uploader to the fake YouTube on
 * loopback. The upload runs in a child process so its peak RSS (VmHWM from /proc/self/status) is
 * measured alone; the fake (which SHA-256s every byte) runs in this process.
 *
 * Targets: >= 100 MB/s, peak RSS of the uploading process <= 150 MB.
 *
 *   node --import tsx test/bench/upload.bench.ts [--size-mib 2048] [--chunk-mib 8]
 *
 * or from another bench: `import { runUploadBench } from './upload.bench.ts'`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileSecretStore } from '../../main/secrets/index.ts';
import { openYouTube, type YouTubeConfig } from '../../main/youtube/index.ts';
import { startFakeYouTube } from '../fakes/youtube/index.ts';

const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

export interface UploadBenchResult {
  bytes: number;
  chunkBytes: number;
  seconds: number;
  /** decimal megabytes per second (1 MB = 10^6 bytes) */
  mbPerSec: number;
  /** peak resident set of the uploading process (VmHWM), MiB */
  peakRssMiB: number;
  /** the fake received exactly the file's bytes */
  verified: boolean;
  targets: { mbPerSec: number; peakRssMiB: number; met: boolean };
}

function config(url: string, chunk: number): Partial<YouTubeConfig> {
  return { apiRoot: `${url}/`, uploadRoot: `${url}/`, oauthRoot: url, minCallIntervalMs: 0, chunkSizeBytes: chunk, secretStore: 'file' };
}

/** The uploading process: upload, then report timing and VmHWM. */
async function child(): Promise<void> {
  const { BENCH_DIR, BENCH_URL, BENCH_FILE, BENCH_ACCOUNT, BENCH_CHUNK } = process.env as Record<string, string>;
  const yt = openYouTube(BENCH_DIR!, config(BENCH_URL!, Number(BENCH_CHUNK)), { secrets: new FileSecretStore(join(BENCH_DIR!, 'secrets.json')) });
  const t0 = performance.now();
  const r = await yt.uploader.upload({
    jobId: 'bench', accountId: BENCH_ACCOUNT!, filePath: BENCH_FILE!,
    metadata: { title: 'Upload benchmark', privacyStatus: 'private' },
  });
  const seconds = (performance.now() - t0) / 1000;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(`${JSON.stringify({ videoId: r.videoId, seconds, vmhwmKb: hwm ? Number(hwm[1]) : -1 })}\n`);
  yt.close();
}

/**
 * A sparse file of `size` bytes with a little real data at both ends (so a misplaced chunk would
 * change the hash). Returns its SHA-256, computed without reading the file back.
 */
function makeSparse(path: string, size: number): string {
  const head = Buffer.from('tapedeck upload bench head\n'.repeat(1000));
  const tail = Buffer.from('tapedeck upload bench tail\n'.repeat(1000));
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  writeSync(fd, head, 0, head.length, 0);
  writeSync(fd, tail, 0, tail.length, size - tail.length);
  closeSync(fd);
  const h = createHash('sha256');
  h.update(head);
  const zeros = Buffer.alloc(8 * MiB);
  let left = size - head.length - tail.length;
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    h.update(n === zeros.length ? zeros : zeros.subarray(0, n));
    left -= n;
  }
  h.update(tail);
  return h.digest('hex');
}

export async function runUploadBench(opts: { sizeBytes?: number; chunkBytes?: number } = {}): Promise<UploadBenchResult> {
  const size = opts.sizeBytes ?? 2048 * MiB;
  const chunk = opts.chunkBytes ?? 8 * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'tapedeck-upload-bench-'));
  const fake = await startFakeYouTube();
  try {
    const file = join(dir, 'big.ts');
    const sha = makeSparse(file, size);
    const secrets = new FileSecretStore(join(dir, 'secrets.json'));
    const yt = openYouTube(dir, config(fake.url, chunk), { secrets });
    const pending = await yt.accounts.beginConnect({ label: 'bench', clientId: fake.clientId, clientSecret: fake.clientSecret, project: fake.project });
    await (await fetch(pending.authUrl)).text();
    const acct = await pending.done;
    yt.close();

    const proc = spawn(process.execPath, ['--import', 'tsx', SELF], {
      env: {
        ...process.env, TAPEDECK_UPLOAD_BENCH_CHILD: '1',
        BENCH_DIR: dir, BENCH_URL: fake.url, BENCH_FILE: file, BENCH_ACCOUNT: acct.id, BENCH_CHUNK: String(chunk),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    if (code !== 0) throw new Error(`upload child exited with ${code}`);
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { videoId: string; seconds: number; vmhwmKb: number };
    const media = fake.uploadedMedia(r.videoId);
    const mbPerSec = size / 1e6 / r.seconds;
    const peakRssMiB = r.vmhwmKb / 1024;
    return {
      bytes: size, chunkBytes: chunk,
      seconds: Math.round(r.seconds * 100) / 100,
      mbPerSec: Math.round(mbPerSec * 10) / 10,
      peakRssMiB: Math.round(peakRssMiB * 10) / 10,
      verified: media?.sha256 === sha && media.size === size && fake.listVideos().length === 1,
      targets: { mbPerSec: 100, peakRssMiB: 150, met: mbPerSec >= 100 && peakRssMiB <= 150 },
    };
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.TAPEDECK_UPLOAD_BENCH_CHILD === '1') {
  await child();
} else if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const sizeMiB = arg('--size-mib');
  const chunkMiB = arg('--chunk-mib');
  const result = await runUploadBench({
    ...(sizeMiB ? { sizeBytes: sizeMiB * MiB } : {}),
    ...(chunkMiB ? { chunkBytes: chunkMiB * MiB } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
  if (!result.verified) process.exitCode = 1;
}
