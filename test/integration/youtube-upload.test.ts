/**
 * Resumable uploader against the fake YouTube: the failure matrix of DESIGN §6 / protocols.md B6.1.
 * Every case checks the outcome that matters: exactly one video whose bytes hash like the file, and
 * no byte range sent more than once again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  AccountNeedsReconnectError, QuotaParkedError, UploadError,
  type UploadProgress, type UploadRequest, type YouTubeAccount,
} from '../../main/youtube/index.ts';
import { createManualClock } from '../fakes/youtube/index.ts';
import { connectAccount, makeFile, receivedCoverage, startYtFixture, type YtFixture } from './youtube-fixture.ts';

const CHUNK = 256 * 1024;
const SIZE = 6 * CHUNK + 12_345; // 7 chunks, the last one short

let fx: YtFixture;
let acct: YouTubeAccount;
let file: string;
let sha: string;

function job(over: Partial<UploadRequest> = {}): UploadRequest {
  return { jobId: 'job-1', accountId: acct.id, filePath: file, metadata: { title: 'Run 1 – any%', description: 'd', tags: ['a'], privacyStatus: 'unlisted' }, ...over };
}

function sessionId(): string {
  const j = fx.yt.uploader.status('job-1');
  return new URL(j!.session!.uri).searchParams.get('upload_id')!;
}

function assertOneGoodVideo(videoId: string): void {
  const videos = fx.fake.listVideos();
  assert.equal(videos.length, 1, 'exactly one video exists');
  assert.equal(videos[0]!.id, videoId);
  assert.equal(fx.fake.uploadedMedia(videoId)?.sha256, sha, 'uploaded bytes hash like the file');
  assert.equal(fx.fake.uploadedMedia(videoId)?.size, SIZE);
  assert.ok(receivedCoverage(fx.fake).maxCount <= 2, 'no byte was received more than twice');
  assert.equal(fx.yt.uploader.status('job-1')?.videoId, videoId, 'video id journaled');
}

/** onProgress hook that runs `fn` once, after `chunks` chunks are confirmed. */
function after(chunks: number, fn: () => void): (p: UploadProgress) => void {
  let done = false;
  return (p) => {
    if (!done && p.bytesConfirmed >= chunks * CHUNK) {
      done = true;
      fn();
    }
  };
}

describe('resumable upload', () => {
  beforeEach(async () => {
    fx = await startYtFixture({ config: { chunkSizeBytes: CHUNK } });
    acct = await connectAccount(fx.yt.accounts, fx.fake);
    file = join(fx.dir, 'cut.ts');
    sha = makeFile(file, SIZE);
  });
  afterEach(() => fx.close());

  it('uploads in 256 KiB-multiple chunks, reports progress and journals the video id', async () => {
    const seen: UploadProgress[] = [];
    const r = await fx.yt.uploader.upload(job(), { onProgress: (p) => seen.push(p) });
    assertOneGoodVideo(r.videoId);
    assert.equal(r.alreadyUploaded, false);
    const v = fx.fake.getVideo(r.videoId)!;
    assert.equal(v.title, 'Run 1 – any%');
    assert.deepEqual(v.tags, ['a']);
    assert.equal(v.privacyStatus, 'unlisted');
    const chunks = fx.fake.listUploads()[0]!.chunks.filter((c) => c.kind === 'chunk');
    assert.equal(chunks.length, 7);
    for (const c of chunks.slice(0, -1)) assert.equal(c.received % CHUNK, 0);
    assert.equal(receivedCoverage(fx.fake).total, SIZE, 'each byte sent once');
    assert.deepEqual(seen.map((p) => p.bytesConfirmed), [0, ...[1, 2, 3, 4, 5, 6].map((n) => n * CHUNK), SIZE]);
    assert.ok(seen.every((p) => p.totalBytes === SIZE));
    assert.equal(seen.at(-1)!.etaSeconds, 0);

    // Asking again never uploads again.
    const before = fx.fake.requests().length;
    const again = await fx.yt.uploader.upload(job());
    assert.equal(again.videoId, r.videoId);
    assert.equal(again.alreadyUploaded, true);
    assert.equal(fx.fake.requests().length, before, 'no request made');
  });

  it('beforeFinalChunk runs once, before the last byte is sent, and can stop the upload', async () => {
    const seen: number[] = [];
    await assert.rejects(fx.yt.uploader.upload(job(), {
      beforeFinalChunk: () => {
        seen.push(fx.fake.listUploads()[0]!.persisted);
        throw new Error('job cancelled by the operator');
      },
    }), /job cancelled/);
    assert.deepEqual(seen, [6 * CHUNK], 'called when everything but the final chunk was confirmed');
    assert.equal(fx.fake.listVideos().length, 0, 'the final bytes never went out');
    assert.equal(fx.yt.uploader.status('job-1')!.session!.finalSent, false);
    let calls = 0;
    fx.fake.injectFault({ op: 'upload.chunk', action: { type: 'error', status: 503, afterBytes: 1000 } });
    const r = await fx.yt.uploader.upload(job(), { beforeFinalChunk: () => void calls++ });
    assert.equal(calls, 1, 'once, even though the final chunk was sent twice');
    assertOneGoodVideo(r.videoId);
  });

  it('5xx mid-chunk: backs off, asks the status, resumes from the confirmed byte', async () => {
    fx.fake.injectFault({ op: 'upload.chunk', nth: 3, action: { type: 'error', status: 503, afterBytes: 100_000 } });
    const r = await fx.yt.uploader.upload(job());
    assertOneGoodVideo(r.videoId);
    const recs = fx.fake.listUploads()[0]!.chunks;
    const failed = recs.findIndex((c) => c.status === 503);
    assert.ok(failed > 0);
    assert.equal(recs[failed + 1]!.kind, 'status', 'a status query follows the error');
    assert.equal(recs[failed + 2]!.start, 2 * CHUNK, 'resumed at the first unconfirmed byte');
  });

  it('connection reset mid-chunk: resumes from the (unaligned) byte YouTube persisted', async () => {
    fx.fake.injectFault({ op: 'upload.chunk', nth: 3, action: { type: 'reset', afterBytes: 150_000, persist: 'received' } });
    const r = await fx.yt.uploader.upload(job());
    assertOneGoodVideo(r.videoId);
    const starts = fx.fake.listUploads()[0]!.chunks.filter((c) => c.kind === 'chunk').map((c) => c.start);
    assert.ok(starts.includes(2 * CHUNK + 150_000), `resumed exactly after the persisted bytes (${starts.join(',')})`);
    assert.ok(receivedCoverage(fx.fake).total < SIZE + CHUNK);
  });

  it('401 mid-upload: refreshes the access token and resumes', async () => {
    fx.fake.clearRequests();
    const r = await fx.yt.uploader.upload(job(), { onProgress: after(2, () => fx.fake.expireAccessTokens()) });
    assertOneGoodVideo(r.videoId);
    const ops = fx.fake.requests().map((q) => `${q.op} ${q.status}`);
    const i = ops.indexOf('upload.chunk 401');
    assert.ok(i > 0, `a chunk was refused with 401: ${ops.join(', ')}`);
    assert.deepEqual(ops.slice(i, i + 4), ['upload.chunk 401', 'oauth.refresh 200', 'upload.status 308', 'upload.chunk 308']);
    assert.equal(ops.filter((o) => o.startsWith('oauth.refresh')).length, 1, 'exactly one refresh');
  });

  it('session 404: starts a new session cleanly and still makes one video', async () => {
    const r = await fx.yt.uploader.upload(job(), { onProgress: after(3, () => fx.fake.expireUploadSession(sessionId())) });
    assertOneGoodVideo(r.videoId);
    assert.equal(fx.fake.listUploads().length, 2, 'a second session');
    const j = fx.yt.uploader.status('job-1')!;
    assert.equal(j.abandoned.length, 1);
    // Both session starts were charged, locally and by YouTube, the same.
    assert.equal(fx.yt.ledger.status(fx.fake.project).units, fx.fake.quotaSpent().units);
    assert.equal(fx.yt.ledger.calls(fx.fake.project).filter((c) => c.op === 'videos.insert').length, 2);
  });

  it('lost answer to the final chunk: the status query finds the finished video (no second upload)', async () => {
    const finalLen = SIZE - 6 * CHUNK;
    fx.fake.injectFault({ op: 'upload.chunk', nth: 7, action: { type: 'reset', afterBytes: finalLen, persist: 'received' } });
    const r = await fx.yt.uploader.upload(job());
    assertOneGoodVideo(r.videoId);
    assert.equal(fx.fake.listUploads().length, 1);
  });

  it('final bytes sent and the session then unknown: refuses to guess, flags "may have uploaded"', async () => {
    fx.fake.injectFault({ op: 'upload.chunk', nth: 7, action: { type: 'reset', afterBytes: 10 } });
    fx.fake.injectFault({ op: 'upload.status', action: { type: 'notFound' } });
    await assert.rejects(fx.yt.uploader.upload(job()), (e: unknown) => {
      assert.ok(e instanceof UploadError);
      assert.equal(e.retryable, false);
      assert.equal(e.mayHaveUploaded, true);
      assert.match(e.message, /^Non-retryable error while uploading: .*may exist on YouTube/);
      return true;
    });
    assert.equal(fx.fake.listUploads().length, 1, 'no second session was started');
    assert.throws(() => fx.yt.uploader.discard('job-1'), /outcome is unknown/);
  });

  it('quotaExceeded at session start parks the project until midnight Pacific, then works', async () => {
    await fx.close();
    const clock = createManualClock(Date.UTC(2026, 10, 21, 20, 0, 0)); // 12:00 PST
    fx = await startYtFixture({ config: { chunkSizeBytes: CHUNK }, clock: clock.now });
    acct = await connectAccount(fx.yt.accounts, fx.fake);
    file = join(fx.dir, 'cut.ts');
    sha = makeFile(file, SIZE);

    fx.fake.injectFault({ op: 'videos.insert', action: { type: 'quotaExceeded' } });
    const check = (e: unknown) => {
      assert.ok(e instanceof QuotaParkedError, String(e));
      assert.equal(e.retryable, true);
      assert.equal(e.until, Date.UTC(2026, 10, 22, 8, 0, 0));
      assert.equal(e.until, fx.fake.quotaResetsAt());
      assert.equal(e.parked?.project, fx.fake.project);
      assert.match(e.message, /parked until 2026-11-22 00:00 PST/);
      return true;
    };
    await assert.rejects(fx.yt.uploader.upload(job()), check);
    const inserts = () => fx.fake.requests().filter((q) => q.op === 'videos.insert').length;
    assert.equal(inserts(), 1);
    // Parked: refused locally, nothing sent — also from another process sharing the data dir.
    await assert.rejects(fx.yt.uploader.upload(job()), check);
    await assert.rejects(fx.reopen().uploader.upload(job()), check);
    assert.equal(inserts(), 1);
    assert.equal(fx.fake.listUploads().length, 0);

    clock.set(Date.UTC(2026, 10, 22, 8, 0, 1)); // 00:00:01 PST next day
    const r = await fx.yt.uploader.upload(job());
    assertOneGoodVideo(r.videoId);
  });

  it('invalid_grant: the account needs reconnecting, the error is typed, Google is not asked again', async () => {
    const other = fx.reopen(); // no access token cached, like a freshly started cutter
    fx.fake.injectFault({ op: 'oauth.refresh', action: { type: 'invalidGrant' } });
    const check = (e: unknown) => {
      assert.ok(e instanceof AccountNeedsReconnectError, String(e));
      assert.equal(e.accountId, acct.id);
      assert.equal(e.parked?.accountId, acct.id);
      assert.match(e.message, /needs to be reconnected.*invalid_grant/);
      return true;
    };
    await assert.rejects(other.uploader.upload(job()), check);
    const a = fx.yt.accounts.get(acct.id)!;
    assert.equal(a.status, 'needs_reconnect');
    assert.match(a.statusReason!, /invalid_grant: Token has been expired or revoked/);
    const tokenCalls = () => fx.fake.requests().filter((q) => q.op.startsWith('oauth.')).length;
    const n = tokenCalls();
    await assert.rejects(other.uploader.upload(job()), check);
    await assert.rejects(fx.yt.uploader.upload(job()), check, 'every process sees the account status');
    assert.equal(tokenCalls(), n);
    assert.equal(fx.fake.listUploads().length, 0);
  });

  it('grant revoked mid-upload: parks on invalid_grant, resumes the same session after reconnecting', async () => {
    await assert.rejects(
      fx.yt.uploader.upload(job(), { onProgress: after(3, () => fx.fake.revokeAllTokens()) }),
      (e: unknown) => e instanceof AccountNeedsReconnectError,
    );
    const j = fx.yt.uploader.status('job-1')!;
    assert.equal(j.confirmed, 3 * CHUNK);
    assert.ok(j.session);
    await connectAccount(fx.yt.accounts, fx.fake, { accountId: acct.id });
    assert.equal(fx.yt.accounts.get(acct.id)!.status, 'connected');
    const r = await fx.yt.uploader.upload(job());
    assert.equal(r.resumed, true);
    assertOneGoodVideo(r.videoId);
    assert.equal(fx.fake.listUploads().length, 1, 'the same session was resumed');
  });

  it('an aborted upload resumes from the journal in a new uploader', async () => {
    const ac = new AbortController();
    await assert.rejects(fx.yt.uploader.upload(job(), { signal: ac.signal, onProgress: after(2, () => ac.abort()) }));
    const r = await fx.reopen().uploader.upload(job());
    assert.equal(r.resumed, true);
    assertOneGoodVideo(r.videoId);
  });

  it('bad metadata: non-retryable with Google\'s reason, no session', async () => {
    await assert.rejects(fx.yt.uploader.upload(job({ metadata: { title: 'a <b>', privacyStatus: 'public' } })), (e: unknown) => {
      assert.ok(e instanceof UploadError);
      assert.equal(e.retryable, false);
      assert.equal(e.reason, 'invalidTitle');
      assert.equal(e.status, 400);
      assert.match(e.message, /^Non-retryable error while uploading: YouTube refused to create the video: 400 invalidTitle/);
      return true;
    });
    assert.equal(fx.yt.uploader.status('job-1')?.session, undefined);
  });

  it('persistent 5xx: gives up with a retryable error that keeps the session for the next attempt', async () => {
    fx.fake.injectFault({ op: ['upload.chunk', 'upload.status'], nth: 2, times: 50, action: { type: 'error', status: 500 } });
    await assert.rejects(fx.yt.uploader.upload(job()), (e: unknown) => {
      assert.ok(e instanceof UploadError);
      assert.equal(e.retryable, true);
      assert.match(e.message, /^Retryable error while uploading: .*500.*gave up after 7 attempts/);
      return true;
    });
    fx.fake.clearFaults();
    const r = await fx.yt.uploader.upload(job());
    assert.equal(r.resumed, true);
    assertOneGoodVideo(r.videoId);
    assert.equal(fx.fake.listUploads().length, 1);
  });

  it('a re-cut file (changed inputs) retires the old unfinished session', async () => {
    const ac = new AbortController();
    await assert.rejects(fx.yt.uploader.upload(job(), { signal: ac.signal, onProgress: after(2, () => ac.abort()) }));
    const r = await fx.yt.uploader.upload(job({ metadata: { title: 'Renamed', privacyStatus: 'public' } }));
    assertOneGoodVideo(r.videoId);
    assert.equal(fx.fake.getVideo(r.videoId)!.title, 'Renamed');
    assert.equal(fx.yt.uploader.status('job-1')!.abandoned.length, 1);
  });
});
