/**
 * Fake YouTube: the resumable upload protocol (B6.1) including its failure
 * modes, googleapis' multipart upload (B6.2), uploadType=media, and thumbnails.set (B6.4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
// The YouTube-only entry point of googleapis@175: the same generated client that
// `google.youtube()` returns, without loading all 300+ APIs (saves seconds per test file).
import { youtube } from 'googleapis/build/src/apis/youtube/index.js';
import { CHUNK_GRANULARITY, createManualClock, startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { patternBytes, rawRequest, type RawResponse } from '../fakes/youtube/raw-client.ts';

const KiB256 = CHUNK_GRANULARITY;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function newSession(fake: FakeYouTube, token: string, total?: number, extra: Record<string, string> = {}): Promise<string> {
  const headers: Record<string, string> = {
    ...bearer(token),
    'content-type': 'application/json; charset=UTF-8',
    'x-upload-content-type': 'video/mp4',
    ...extra,
  };
  if (total !== undefined) headers['x-upload-content-length'] = String(total);
  const r = await rawRequest(`${fake.url}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status&notifySubscribers=false`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ snippet: { title: 'Marathon run', description: 'desc', tags: ['gdq'], categoryId: '20' }, status: { privacyStatus: 'unlisted' } }),
  });
  assert.equal(r.status, 200, r.text());
  assert.equal(r.body.length, 0);
  const loc = String(r.headers.location);
  assert.ok(loc.startsWith(`${fake.url}/upload/youtube/v3/videos?uploadType=resumable`), loc);
  assert.ok(r.headers['x-guploader-uploadid']);
  return loc;
}

function put(loc: string, range: string | undefined, body: Buffer | Readable = Buffer.alloc(0), headers: Record<string, string> = {}): Promise<RawResponse> {
  const h: Record<string, string> = { 'content-type': 'video/mp4', ...headers };
  if (range !== undefined) h['content-range'] = range;
  return rawRequest(loc, { method: 'PUT', headers: h, body });
}

const uploadId = (loc: string) => new URL(loc).searchParams.get('upload_id')!;

describe('fake YouTube: resumable upload protocol', () => {
  let fake: FakeYouTube;
  let token: string;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-yt-'));
    fake = await startFakeYouTube({ storageDir: dir, dailyQuota: 1_000_000 });
    token = fake.issueTokens().access_token;
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads several MB in 256 KiB-multiple chunks with 308 + Range, then 200 + video JSON; bytes verifiable', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const total = data.length;
    const loc = await newSession(fake, token, total);

    const q0 = await put(loc, `bytes */${total}`);
    assert.equal(q0.status, 308);
    assert.equal(q0.headers.range, undefined, 'nothing persisted yet: no Range header');

    const chunk = 4 * KiB256; // 1 MiB
    let offset = 0;
    let last: RawResponse | undefined;
    while (offset < total) {
      const end = Math.min(offset + chunk, total) - 1;
      last = await put(loc, `bytes ${offset}-${end}/${total}`, data.subarray(offset, end + 1));
      if (end + 1 < total) {
        assert.equal(last.status, 308);
        assert.equal(last.headers.range, `bytes=0-${end}`);
        assert.equal(last.headers.location, undefined, '308 must not carry a Location');
      }
      offset = end + 1;
    }
    assert.equal(last!.status, 200);
    const video = last!.json();
    assert.equal(video.kind, 'youtube#video');
    assert.match(video.id, /^[A-Za-z0-9_-]{11}$/);
    assert.equal(video.snippet.title, 'Marathon run');
    assert.equal(video.status.uploadStatus, 'uploaded');
    assert.equal(video.status.privacyStatus, 'unlisted');

    const media = fake.uploadedMedia(video.id)!;
    assert.equal(media.size, total);
    assert.equal(media.sha256, sha256(data));
    assert.ok((await readFile(media.path!)).equals(data), 'storageDir copy matches');
    const up = fake.getUpload(uploadId(loc))!;
    assert.equal(up.complete, true);
    assert.equal(up.videoId, video.id);
    assert.equal(up.chunks.filter((c) => c.kind === 'chunk').length, 6);
    assert.equal(fake.getVideo(video.id)!.notifySubscribers, false);

    // A status query after completion returns the video again.
    const q1 = await put(loc, `bytes */${total}`);
    assert.equal(q1.status, 200);
    assert.equal(q1.json().id, video.id);
  });

  it('accepts a whole file in one streamed PUT without Content-Range or Content-Length (chunked)', async () => {
    const size = 8 * 1024 * 1024 + 7;
    const h = createHash('sha256');
    for await (const b of patternBytes(size, 64 * 1024, 42)) h.update(b);
    const loc = await newSession(fake, token);
    const r = await put(loc, undefined, Readable.from(patternBytes(size, 64 * 1024, 42)));
    assert.equal(r.status, 200, r.text());
    const media = fake.uploadedMedia(r.json().id)!;
    assert.equal(media.size, size);
    assert.equal(media.sha256, h.digest('hex'));
  });

  it('supports unknown totals (a-b/*), finishing with an empty "bytes */N" request on a chunk boundary', async () => {
    const data = randomBytes(2 * KiB256);
    const loc = await newSession(fake, token);
    assert.equal((await put(loc, `bytes 0-${KiB256 - 1}/*`, data.subarray(0, KiB256))).status, 308);
    const q = await put(loc, 'bytes */*');
    assert.equal(q.status, 308);
    assert.equal(q.headers.range, `bytes=0-${KiB256 - 1}`);
    // Google's Go client sends chunks with POST instead of PUT.
    const r2 = await rawRequest(loc, {
      method: 'POST',
      headers: { 'content-range': `bytes ${KiB256}-${2 * KiB256 - 1}/*` },
      body: data.subarray(KiB256),
    });
    assert.equal(r2.status, 308);
    assert.equal(r2.headers.range, `bytes=0-${2 * KiB256 - 1}`);
    const fin = await put(loc, `bytes */${data.length}`);
    assert.equal(fin.status, 200);
    assert.equal(fake.uploadedMedia(fin.json().id)!.sha256, sha256(data));
  });

  it('rejects non-final chunks that are not a multiple of 256 KiB, and gaps; tolerates overlaps', async () => {
    const data = randomBytes(3 * KiB256 + 10);
    const total = data.length;
    const loc = await newSession(fake, token, total);
    const bad = await put(loc, `bytes 0-99999/${total}`, data.subarray(0, 100000));
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error.errors[0].reason, 'badContent');
    assert.equal(fake.getUpload(uploadId(loc))!.persisted, 0);
    assert.equal(fake.getUpload(uploadId(loc))!.chunks.at(-1)!.violation, 'chunkSize');

    const gap = await put(loc, `bytes ${KiB256}-${2 * KiB256 - 1}/${total}`, data.subarray(KiB256, 2 * KiB256));
    assert.equal(gap.status, 400);

    assert.equal((await put(loc, `bytes 0-${2 * KiB256 - 1}/${total}`, data.subarray(0, 2 * KiB256))).status, 308);
    // Re-sending from an earlier offset: already-persisted bytes are skipped.
    const overlap = await put(loc, `bytes ${KiB256}-${total - 1}/${total}`, data.subarray(KiB256));
    assert.equal(overlap.status, 200);
    assert.equal(fake.uploadedMedia(overlap.json().id)!.sha256, sha256(data));
  });

  it('truncates instead of rejecting when chunkRule is "truncate"; can answer the final chunk with 201', async () => {
    const f2 = await startFakeYouTube({ chunkRule: 'truncate', finalUploadStatus: 201 });
    try {
      const t = f2.issueTokens().access_token;
      const data = randomBytes(1_000_000);
      const loc = await newSession(f2, t, data.length);
      const r = await put(loc, 'bytes 0-599999/1000000', data.subarray(0, 600000));
      assert.equal(r.status, 308);
      assert.equal(r.headers.range, `bytes=0-${2 * KiB256 - 1}`);
      const fin = await put(loc, `bytes ${2 * KiB256}-999999/1000000`, data.subarray(2 * KiB256));
      assert.equal(fin.status, 201);
      assert.equal(f2.uploadedMedia(fin.json().id)!.sha256, sha256(data));
    } finally {
      await f2.close();
    }
  });

  it('supports X-GUploader-No-308 (200 + X-HTTP-Status-Code-Override: 308)', async () => {
    const data = randomBytes(KiB256 + 1);
    const loc = await newSession(fake, token, data.length);
    const r = await put(loc, `bytes 0-${KiB256 - 1}/${data.length}`, data.subarray(0, KiB256), { 'x-guploader-no-308': 'yes' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-http-status-code-override'], '308');
    assert.equal(r.headers.range, `bytes=0-${KiB256 - 1}`);
    const fin = await put(loc, `bytes ${KiB256}-${KiB256}/${data.length}`, data.subarray(KiB256), { 'x-guploader-no-308': 'yes' });
    assert.equal(fin.status, 200);
    assert.equal(fin.headers['x-http-status-code-override'], undefined);
    assert.equal(fin.json().kind, 'youtube#video');
  });

  it('fails the Nth chunk with 503, then resumes from the Range of a status query', async () => {
    const data = randomBytes(4 * KiB256);
    const total = data.length;
    const loc = await newSession(fake, token, total);
    fake.injectFault({ op: 'upload.chunk', nth: 2, when: (i) => i.uploadId === uploadId(loc), action: { type: 'error', status: 503 } });
    assert.equal((await put(loc, `bytes 0-${KiB256 - 1}/${total}`, data.subarray(0, KiB256))).status, 308);
    const failed = await put(loc, `bytes ${KiB256}-${2 * KiB256 - 1}/${total}`, data.subarray(KiB256, 2 * KiB256));
    assert.equal(failed.status, 503);
    assert.equal(failed.json().error.errors[0].reason, 'backendError');
    const q = await put(loc, `bytes */${total}`);
    assert.equal(q.status, 308);
    assert.equal(q.headers.range, `bytes=0-${KiB256 - 1}`);
    const rest = await put(loc, `bytes ${KiB256}-${total - 1}/${total}`, data.subarray(KiB256));
    assert.equal(rest.status, 200);
    assert.equal(fake.uploadedMedia(rest.json().id)!.sha256, sha256(data));
  });

  for (const [persist, expectedRange] of [
    ['aligned', `bytes=0-${KiB256 - 1}`],
    ['received', 'bytes=0-299999'],
    ['none', undefined],
  ] as const) {
    it(`answers 500 mid-chunk after reading part of the body (persist: ${persist})`, async () => {
      const data = randomBytes(4 * KiB256);
      const total = data.length;
      const loc = await newSession(fake, token, total);
      fake.injectFault({ op: 'upload.chunk', action: { type: 'error', status: 500, afterBytes: 300000, persist } });
      const r = await put(loc, `bytes 0-${total - 1}/${total}`, data);
      assert.equal(r.status, 500);
      const q = await put(loc, `bytes */${total}`);
      assert.equal(q.status, 308);
      assert.equal(q.headers.range, expectedRange);
      const from = expectedRange ? Number(expectedRange.split('-')[1]) + 1 : 0;
      const fin = await put(loc, `bytes ${from}-${total - 1}/${total}`, data.subarray(from));
      assert.equal(fin.status, 200);
      assert.equal(fake.uploadedMedia(fin.json().id)!.sha256, sha256(data));
    });
  }

  it('resets the connection mid-chunk; the client can query and resume', async () => {
    const data = randomBytes(6 * KiB256);
    const total = data.length;
    const loc = await newSession(fake, token, total);
    fake.injectFault({ op: 'upload.chunk', action: { type: 'reset', afterBytes: 3 * KiB256 + 5000 } });
    await assert.rejects(put(loc, `bytes 0-${total - 1}/${total}`, data), (e: any) =>
      ['ECONNRESET', 'EPIPE'].includes(e.code) || /socket hang up/.test(e.message),
    );
    const q = await put(loc, `bytes */${total}`);
    assert.equal(q.headers.range, `bytes=0-${3 * KiB256 - 1}`);
    const fin = await put(loc, `bytes ${3 * KiB256}-${total - 1}/${total}`, data.subarray(3 * KiB256));
    assert.equal(fin.status, 200);
    assert.equal(fake.uploadedMedia(fin.json().id)!.sha256, sha256(data));
  });

  it('can persist fewer bytes than received (shortPersist) and report it in Range', async () => {
    const data = randomBytes(4 * KiB256);
    const loc = await newSession(fake, token, data.length);
    fake.injectFault({ op: 'upload.chunk', action: { type: 'shortPersist', keepBytes: KiB256 } });
    const r = await put(loc, `bytes 0-${data.length - 1}/${data.length}`, data);
    assert.equal(r.status, 308, 'even the "final" chunk is incomplete if not all bytes were persisted');
    assert.equal(r.headers.range, `bytes=0-${KiB256 - 1}`);
    const fin = await put(loc, `bytes ${KiB256}-${data.length - 1}/${data.length}`, data.subarray(KiB256));
    assert.equal(fin.status, 200);
    assert.equal(fake.uploadedMedia(fin.json().id)!.sha256, sha256(data));
  });

  it('answers 404 for unknown, expired and fault-injected sessions', async () => {
    const loc = await newSession(fake, token, 10);
    fake.injectFault({ op: 'upload.status', action: { type: 'notFound' } });
    assert.equal((await put(loc, 'bytes */10')).status, 404);
    assert.equal((await put(loc, 'bytes */10')).status, 308);
    fake.expireUploadSession(uploadId(loc));
    const gone = await put(loc, 'bytes 0-9/10', randomBytes(10));
    assert.equal(gone.status, 404);
    assert.equal(gone.json().error.code, 404);
    const unknown = await put(loc.replace(/upload_id=[^&]+/, 'upload_id=nope'), 'bytes */10');
    assert.equal(unknown.status, 404);
  });

  it('expires sessions on the injected clock', async () => {
    const clock = createManualClock();
    const f2 = await startFakeYouTube({ clock: clock.now, sessionTtlMs: 60_000, accessTokenTtlSec: 86_400 });
    try {
      const loc = await newSession(f2, f2.issueTokens().access_token, 10);
      assert.equal((await put(loc, 'bytes */10')).status, 308);
      clock.advance(60_000);
      assert.equal((await put(loc, 'bytes */10')).status, 404);
    } finally {
      await f2.close();
    }
  });

  it('checks a bearer token on chunks only when one is sent (401 for an expired one)', async () => {
    const data = randomBytes(KiB256 * 2);
    const t = fake.issueTokens();
    const loc = await newSession(fake, t.access_token, data.length);
    fake.expireAccessTokens();
    const r = await put(loc, `bytes 0-${KiB256 - 1}/${data.length}`, data.subarray(0, KiB256), bearer(t.access_token));
    assert.equal(r.status, 401);
    assert.equal(r.json().error.errors[0].reason, 'authError');
    const fresh = fake.issueTokens().access_token;
    assert.equal((await put(loc, `bytes 0-${KiB256 - 1}/${data.length}`, data.subarray(0, KiB256), bearer(fresh))).status, 308);
    assert.equal((await put(loc, `bytes ${KiB256}-${data.length - 1}/${data.length}`, data.subarray(KiB256))).status, 200);
    token = fake.issueTokens().access_token; // the suite's token was expired above
  });

  it('rejects a non-video X-Upload-Content-Type and a mismatching total', async () => {
    const r = await rawRequest(`${fake.url}/upload/youtube/v3/videos?uploadType=resumable&part=snippet`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json', 'x-upload-content-type': 'text/plain' },
      body: JSON.stringify({ snippet: { title: 't' } }),
    });
    assert.equal(r.status, 400);
    assert.equal(r.json().error.errors[0].reason, 'badContent');
    const loc = await newSession(fake, token, 100);
    assert.equal((await put(loc, 'bytes 0-99/200', randomBytes(100))).status, 400);
  });
});

describe('fake YouTube: googleapis uploads (multipart) and thumbnails', () => {
  let fake: FakeYouTube;
  let token: string;
  let rootUrl: string;
  before(async () => {
    fake = await startFakeYouTube();
    token = fake.issueTokens().access_token;
    rootUrl = fake.url + '/';
  });
  after(() => fake.close());

  it('accepts youtube.videos.insert (multipart/related, chunked) with a stream body and per-call rootUrl', async () => {
    const size = 3 * 1024 * 1024 + 11;
    const h = createHash('sha256');
    for await (const b of patternBytes(size, 50_000, 7)) h.update(b);
    const yt = youtube({ version: 'v3', rootUrl });
    const res = await yt.videos.insert(
      {
        part: ['snippet', 'status'],
        notifySubscribers: false,
        requestBody: { snippet: { title: 'Via googleapis', categoryId: '20', tags: ['a b', 'c'] }, status: { privacyStatus: 'private', selfDeclaredMadeForKids: false } },
        media: { mimeType: 'video/mp4', body: Readable.from(patternBytes(size, 50_000, 7)) },
      },
      { rootUrl, headers: bearer(token) },
    );
    assert.equal(res.status, 200);
    assert.equal(res.data.snippet!.title, 'Via googleapis');
    assert.equal(res.data.status!.uploadStatus, 'uploaded');
    const media = fake.uploadedMedia(res.data.id!)!;
    assert.equal(media.size, size);
    assert.equal(media.sha256, h.digest('hex'));
    assert.equal(media.mimeType, 'video/mp4');
    const req = fake.requests().find((r) => r.op === 'videos.insert')!;
    assert.match(req.query, /part=snippet&part=status/);
    assert.match(req.query, /uploadType=multipart/);
    assert.equal(fake.getVideo(res.data.id!)!.notifySubscribers, false);
    assert.equal(fake.quotaSpent().units, 1600);
  });

  it('rejects invalid metadata in a multipart upload with the reason googleapis exposes, billed 1 unit', async () => {
    const before = fake.quotaSpent().units;
    const yt = youtube({ version: 'v3', rootUrl });
    await assert.rejects(
      yt.videos.insert(
        { part: ['snippet'], requestBody: { snippet: { title: '<bad>' } }, media: { mimeType: 'video/mp4', body: Readable.from([randomBytes(300_000)]) } },
        { rootUrl, headers: bearer(token) },
      ),
      (e: any) => e.status === 400 && e.response.data.error.errors[0].reason === 'invalidTitle',
    );
    assert.equal(fake.quotaSpent().units - before, 1);
  });

  it('fails a multipart upload mid-body on request', async () => {
    fake.injectFault({ op: 'videos.insert', action: { type: 'error', status: 503, afterBytes: 100_000 } });
    const yt = youtube({ version: 'v3', rootUrl });
    await assert.rejects(
      yt.videos.insert(
        { part: ['snippet'], requestBody: { snippet: { title: 'ok' } }, media: { mimeType: 'video/mp4', body: Readable.from(patternBytes(400_000)) } },
        { rootUrl, headers: bearer(token) },
      ),
      (e: any) => e.status === 503,
    );
  });

  it('accepts uploadType=media (no metadata) and answers mediaBodyRequired without media', async () => {
    const data = randomBytes(1000);
    const r = await rawRequest(`${fake.url}/upload/youtube/v3/videos?uploadType=media&part=snippet,status`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'video/webm' },
      body: data,
    });
    assert.equal(r.status, 200, r.text());
    assert.equal(fake.uploadedMedia(r.json().id)!.sha256, sha256(data));
    const noMedia = await rawRequest(`${fake.url}/youtube/v3/videos?part=snippet`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: '{"snippet":{"title":"x"}}',
    });
    assert.equal(noMedia.status, 400);
    assert.equal(noMedia.json().error.errors[0].reason, 'mediaBodyRequired');
  });

  it('sets a thumbnail through googleapis and enforces size, type, content and ownership', async () => {
    const yt = youtube({ version: 'v3', rootUrl });
    const videoId = fake.addVideo({ title: 'thumb me' });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(5000)]);
    const before = fake.quotaSpent().units;
    const res = await yt.thumbnails.set({ videoId, media: { mimeType: 'image/png', body: Readable.from([png]) } }, { rootUrl, headers: bearer(token) });
    assert.equal(res.status, 200);
    assert.equal(res.data.kind, 'youtube#thumbnailSetResponse');
    assert.ok(res.data.items![0]!.maxres!.url);
    assert.equal(fake.getVideo(videoId)!.thumbnail!.sha256, sha256(png));
    assert.equal(fake.quotaSpent().units - before, 50);

    const post = (id: string, type: string, body: Buffer) =>
      rawRequest(`${fake.url}/upload/youtube/v3/thumbnails/set?videoId=${id}&uploadType=media`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': type },
        body,
      });
    const big = await post(videoId, 'image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(2 * 1024 * 1024)]));
    assert.equal(big.status, 413);
    const exact = await post(videoId, 'image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(2 * 1024 * 1024 - 3)]));
    assert.equal(exact.status, 200, 'exactly 2 MiB is allowed');
    const text = await post(videoId, 'text/plain', png);
    assert.equal(text.status, 400);
    assert.equal(text.json().error.errors[0].reason, 'badContent');
    const notImage = await post(videoId, 'image/jpeg', Buffer.from('definitely not a jpeg'));
    assert.equal(notImage.status, 400);
    assert.equal(notImage.json().error.errors[0].reason, 'invalidImage');
    const unknown = await post('AAAAAAAAAAA', 'image/png', png);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().error.errors[0].reason, 'videoNotFound');
    fake.setThumbnailsAllowed(false);
    const forbidden = await post(videoId, 'image/png', png);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json().error.errors[0].reason, 'forbidden');
    fake.setThumbnailsAllowed(true);
  });

  it('keeps a hung request open until close()', async () => {
    const f2 = await startFakeYouTube();
    const t = f2.issueTokens().access_token;
    f2.injectFault({ op: 'videos.list', action: { type: 'hang' } });
    const pending = rawRequest(`${f2.url}/youtube/v3/videos?part=id&id=x`, { headers: bearer(t) });
    const raced = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('hung'), 100))]);
    assert.equal(raced, 'hung');
    await f2.close();
    await assert.rejects(pending);
  });
});
