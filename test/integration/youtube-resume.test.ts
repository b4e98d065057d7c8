/**
 * kill -9 of a process in the middle of an upload, then a new process finishes it (DESIGN §6): it
 * resumes from the byte YouTube confirmed, re-sends at most what was in flight, and exactly one
 * video exists. The uploading processes are this same file run in "child mode" (TAPEDECK_YT_CHILD).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FileSecretStore } from '../../main/secrets/index.ts';
import { openYouTube } from '../../main/youtube/index.ts';
import { connectAccount, makeFile, receivedCoverage, startYtFixture, type YtFixture } from './youtube-fixture.ts';

const CHUNK = 256 * 1024;
const SELF = fileURLToPath(import.meta.url);

async function childMain(): Promise<void> {
  const env = process.env;
  const dir = env.YT_DIR!;
  const url = env.YT_FAKE_URL!;
  const yt = openYouTube(dir, {
    apiRoot: `${url}/`, uploadRoot: `${url}/`, oauthRoot: url, minCallIntervalMs: 0, chunkSizeBytes: CHUNK, secretStore: 'file',
  }, { secrets: new FileSecretStore(join(dir, 'secrets.json')), uploader: { backoff: { initialMs: 5, maxMs: 40 } } });
  const r = await yt.uploader.upload({
    jobId: env.YT_JOB!, accountId: env.YT_ACCOUNT!, filePath: env.YT_FILE!,
    metadata: { title: 'Resumed across processes', privacyStatus: 'unlisted' },
  }, { onProgress: (p) => process.stdout.write(`progress ${p.bytesConfirmed}\n`) });
  process.stdout.write(`${JSON.stringify({ videoId: r.videoId, resumed: r.resumed, alreadyUploaded: r.alreadyUploaded })}\n`);
  yt.close();
}

if (process.env.TAPEDECK_YT_CHILD === 'upload') {
  await childMain();
} else {
  let fx: YtFixture;
  let accountId: string;

  const startChild = (file: string, job: string): { child: ChildProcess; out: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
      env: { ...process.env, TAPEDECK_YT_CHILD: 'upload', YT_DIR: fx.dir, YT_FAKE_URL: fx.fake.url, YT_ACCOUNT: accountId, YT_FILE: file, YT_JOB: job },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (err += c));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => {
        if (code) process.stderr.write(`child failed:\n${err}\n`);
        resolve({ code, signal });
      });
    });
    return { child, out: () => out, exit };
  };

  const waitFor = async (cond: () => boolean, what: string, timeoutMs = 30_000) => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  const result = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { videoId: string; resumed: boolean; alreadyUploaded: boolean };

  describe('upload survives kill -9', () => {
    before(async () => {
      fx = await startYtFixture();
      accountId = (await connectAccount(fx.yt.accounts, fx.fake)).id;
    });
    after(() => fx.close());

    it('mid-upload: a new process resumes from the confirmed byte; one video, right bytes', async () => {
      const file = join(fx.dir, 'cut-1.ts');
      const size = 40 * CHUNK + 777;
      const sha = makeFile(file, size);
      // Slow the chunks down so the kill lands mid-upload, usually with a chunk in flight.
      const slow = fx.fake.injectFault({ op: 'upload.chunk', times: Infinity, action: { type: 'delay', ms: 25 } });
      const first = startChild(file, 'event-1');
      await waitFor(() => (fx.fake.listUploads()[0]?.persisted ?? 0) >= 12 * CHUNK, 'a third of the upload');
      first.child.kill('SIGKILL');
      assert.equal((await first.exit).signal, 'SIGKILL');
      slow.cancel();

      const upload = fx.fake.listUploads()[0]!;
      assert.equal(upload.complete, false);
      const persistedAtKill = upload.persisted;
      const chunksBefore = upload.chunks.length;
      assert.ok(persistedAtKill < size);

      const second = startChild(file, 'event-1');
      assert.equal((await second.exit).code, 0);
      const r = result(second.out());
      assert.equal(r.resumed, true);
      assert.equal(r.alreadyUploaded, false);

      const videos = fx.fake.listVideos();
      assert.equal(videos.length, 1, 'exactly one video');
      assert.equal(videos[0]!.id, r.videoId);
      assert.equal(fx.fake.uploadedMedia(r.videoId)!.sha256, sha, 'uploaded bytes hash like the file');
      assert.equal(fx.fake.listUploads().length, 1, 'the same session was resumed');
      const later = fx.fake.listUploads()[0]!.chunks.slice(chunksBefore);
      assert.equal(later[0]!.kind, 'status', 'the new process first asks YouTube where the upload stands');
      assert.equal(later[1]!.start, persistedAtKill, 'and resumes from the byte YouTube confirmed');
      const cov = receivedCoverage(fx.fake);
      assert.ok(cov.maxCount <= 2, 'no byte range received more than once again');
      assert.ok(cov.total <= size + CHUNK, `at most the chunk in flight was re-sent (${cov.total - size} extra bytes)`);
    });

    it('killed around completion: the next process finds the video instead of uploading again', async () => {
      const file = join(fx.dir, 'cut-2.ts');
      const size = 6 * CHUNK + 5;
      const sha = makeFile(file, size);
      const before = new Set(fx.fake.listVideos().map((v) => v.id));
      const first = startChild(file, 'event-2');
      // Kill the moment the fake has made the video: the child may or may not have journaled its id.
      await waitFor(() => fx.fake.listVideos().some((v) => !before.has(v.id)), 'the video to exist');
      first.child.kill('SIGKILL');
      await first.exit;
      const second = startChild(file, 'event-2');
      assert.equal((await second.exit).code, 0);
      const r = result(second.out());
      const fresh = fx.fake.listVideos().filter((v) => !before.has(v.id));
      assert.equal(fresh.length, 1, 'exactly one new video');
      assert.equal(fresh[0]!.id, r.videoId);
      assert.equal(fx.fake.uploadedMedia(r.videoId)!.sha256, sha);
      assert.equal(fx.fake.listUploads().length, 2, 'no extra session for the second job');
    });
  });
}
