/**
 * JSON API calls through googleapis against the fake YouTube: processing status, update-only-if-
 * changed, thumbnail-only-if-changed, playlists, and the error paths shared by every call (401 →
 * refresh once, 5xx → retry, quotaExceeded → park, invalid_grant → reconnect).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AccountNeedsReconnectError, QuotaParkedError, YouTubeApiError, type YouTubeAccount,
} from '../../main/youtube/index.ts';
import { connectAccount, startYtFixture, type YtFixture } from './youtube-fixture.ts';

let fx: YtFixture;
let acct: YouTubeAccount;
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2000, 1)]);

describe('YouTube JSON API', () => {
  before(async () => {
    fx = await startYtFixture();
    acct = await connectAccount(fx.yt.accounts, fx.fake);
  });
  after(() => fx.close());
  beforeEach(() => fx.fake.clearFaults());

  it('videoStates: processing lifecycle for the transcode checker, missing ids reported', async () => {
    const processing = fx.fake.addVideo({ processed: false, processing: { outcome: 'succeeded', durationMs: 3_600_000 } });
    const done = fx.fake.addVideo({ processed: false });
    fx.fake.finishProcessing(done);
    const states = await fx.yt.api.videoStates(acct.id, [processing, done, 'xxxxxxxxxxx']);
    assert.deepEqual(states.map((s) => [s.id, s.found, s.done, s.failed]), [
      [processing, true, false, false], [done, true, true, false], ['xxxxxxxxxxx', false, false, true],
    ]);
    assert.equal(states[0]!.processingStatus, 'processing');
    assert.equal(typeof states[0]!.progress?.partsTotal, 'number', 'uint64 strings parsed');
  });

  it('updateVideo skips the 50-unit update when nothing changed, and keeps fields it was not asked to change', async () => {
    const id = fx.fake.addVideo({ title: 'Original', description: 'Desc', tags: ['x', 'y'], privacyStatus: 'unlisted' });
    const before = fx.yt.ledger.status(fx.fake.project).units;
    fx.fake.clearRequests();
    const same = await fx.yt.api.updateVideo(acct.id, id, { title: 'Original', tags: ['x', 'y'] });
    assert.equal(same.changed, false);
    assert.deepEqual(fx.fake.requests().map((r) => r.op), ['videos.list']);
    assert.equal(fx.yt.ledger.status(fx.fake.project).units, before + 1);

    const changed = await fx.yt.api.updateVideo(acct.id, id, { title: 'Renamed', privacyStatus: 'public' });
    assert.equal(changed.changed, true);
    const v = fx.fake.getVideo(id)!;
    assert.equal(v.title, 'Renamed');
    assert.equal(v.privacyStatus, 'public');
    assert.equal(v.description, 'Desc', 'replace semantics: untouched fields sent back');
    assert.deepEqual(v.tags, ['x', 'y']);
    assert.equal(fx.yt.ledger.status(fx.fake.project).units, before + 1 + 1 + 50);

    await assert.rejects(fx.yt.api.updateVideo(acct.id, 'missingvid01', { title: 'x' }),
      (e: unknown) => e instanceof YouTubeApiError && e.reason === 'videoNotFound' && !e.retryable);
  });

  it('setThumbnail uploads only when the hash changed', async () => {
    const id = fx.fake.addVideo();
    const first = await fx.yt.api.setThumbnail(acct.id, id, { image: PNG });
    assert.equal(first.uploaded, true);
    assert.equal(fx.fake.getVideo(id)!.thumbnail?.size, PNG.length);
    fx.fake.clearRequests();
    const again = await fx.yt.api.setThumbnail(acct.id, id, { image: PNG, lastWrittenSha256: first.sha256 });
    assert.deepEqual(again, { uploaded: false, sha256: first.sha256 });
    assert.equal(fx.fake.requests().length, 0);
    const other = Buffer.concat([PNG, Buffer.from([2])]);
    assert.equal((await fx.yt.api.setThumbnail(acct.id, id, { image: other, lastWrittenSha256: first.sha256 })).uploaded, true);
    assert.equal(fx.fake.getVideo(id)!.thumbnail?.size, other.length);
    await assert.rejects(fx.yt.api.setThumbnail(acct.id, id, { image: Buffer.alloc(2 * 1024 * 1024 + 1) }), /Thumbnail is too big/);
  });

  it('playlist items: insert, list (all pages), move, delete', async () => {
    const videos = Array.from({ length: 55 }, () => fx.fake.addVideo());
    const pl = fx.fake.addPlaylist({ title: 'Marathon', videoIds: videos.slice(0, 53) });
    const a = await fx.yt.api.insertPlaylistItem(acct.id, { playlistId: pl, videoId: videos[53]! });
    const b = await fx.yt.api.insertPlaylistItem(acct.id, { playlistId: pl, videoId: videos[54]!, position: 0 });
    assert.equal(b.position, 0);
    const items = await fx.yt.api.listPlaylistItems(acct.id, pl);
    assert.equal(items.length, 55, 'two pages read');
    assert.deepEqual(items.map((i) => i.videoId), fx.fake.playlistVideoIds(pl));
    await fx.yt.api.updatePlaylistItem(acct.id, { id: a.id, playlistId: pl, videoId: videos[53]!, position: 1 });
    assert.equal(fx.fake.playlistVideoIds(pl)[1], videos[53]);
    await fx.yt.api.deletePlaylistItem(acct.id, b.id);
    assert.equal(fx.fake.playlistVideoIds(pl).length, 54);
    assert.ok(!fx.fake.playlistVideoIds(pl).includes(videos[54]!));
    const lists = await fx.yt.api.listPlaylists(acct.id, { mine: true });
    assert.ok(lists.some((p) => p.id === pl && p.title === 'Marathon'));
    const created = await fx.yt.api.insertPlaylist(acct.id, { title: 'New list', privacyStatus: 'unlisted' });
    assert.ok(fx.fake.getPlaylist(created.id));
  });

  it('401 → one refresh and a replay; 5xx → retried with backoff', async () => {
    fx.fake.expireAccessTokens();
    fx.fake.injectFault({ op: 'videos.list', nth: 2, times: 2, action: { type: 'error', status: 503 } });
    fx.fake.clearRequests();
    const states = await fx.yt.api.videoStates(acct.id, ['xxxxxxxxxxx']);
    assert.equal(states[0]!.found, false);
    assert.deepEqual(fx.fake.requests().map((r) => `${r.op} ${r.status}`),
      ['videos.list 401', 'oauth.refresh 200', 'videos.list 503', 'videos.list 503', 'videos.list 200']);
  });

  it('a non-retryable 4xx is surfaced with Google\'s reason, without retries', async () => {
    fx.fake.clearRequests();
    await assert.rejects(fx.yt.api.insertPlaylistItem(acct.id, { playlistId: 'PLnope', videoId: 'xxxxxxxxxxx' }), (e: unknown) => {
      assert.ok(e instanceof YouTubeApiError);
      assert.equal(e.retryable, false);
      assert.equal(e.reason, 'playlistNotFound');
      assert.match(e.message, /playlistItems.insert failed: 404 playlistNotFound/);
      return true;
    });
    assert.equal(fx.fake.requests().length, 1);
  });

  it('quotaExceeded on an API call parks the project; later calls are refused locally', async () => {
    fx.fake.injectFault({ op: 'videos.list', action: { type: 'quotaExceeded' } });
    await assert.rejects(fx.yt.api.videoStates(acct.id, ['xxxxxxxxxxx']), (e: unknown) => {
      assert.ok(e instanceof QuotaParkedError);
      assert.equal(e.until, fx.fake.quotaResetsAt());
      assert.match(e.message, /parked until \d{4}-\d\d-\d\d 00:00 P[SD]T/);
      return true;
    });
    fx.fake.clearRequests();
    await assert.rejects(fx.yt.api.listPlaylistItems(acct.id, 'PLx'), QuotaParkedError);
    assert.equal(fx.fake.requests().length, 0, 'nothing sent while parked');
    fx.yt.ledger.unpark(fx.fake.project);
  });

  it('invalid_grant during an API call marks the account and types the error', async () => {
    const other = await connectAccount(fx.yt.accounts, fx.fake, { label: 'Second channel' });
    fx.fake.revokeToken((await fx.secrets.get(`youtube-refresh:${other.id}`))!);
    await assert.rejects(fx.yt.api.videoStates(other.id, ['xxxxxxxxxxx']), (e: unknown) => e instanceof AccountNeedsReconnectError && e.accountId === other.id);
    assert.equal(fx.yt.accounts.get(other.id)!.status, 'needs_reconnect');
    assert.equal(fx.yt.accounts.get(acct.id)!.status, 'connected', 'other accounts unaffected');
  });
});
