/**
 * Quota against the fake YouTube: the local ledger charges exactly what YouTube charges, call type by
 * call type, in both videos.insert profiles; and calls of two accounts alternate at the paced rate.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { QuotaProfile, YouTubeAccount } from '../../main/youtube/index.ts';
import { connectAccount, makeFile, startYtFixture, type YtFixture } from './youtube-fixture.ts';

async function exactCharges(profile: QuotaProfile): Promise<void> {
  const fx = await startYtFixture({ fake: { uploadBucket: profile }, config: { quotaProfile: profile, chunkSizeBytes: 256 * 1024 } });
  try {
    const acct: YouTubeAccount = await connectAccount(fx.yt.accounts, fx.fake);
    const ours = () => fx.yt.ledger.status(fx.fake.project);
    const theirs = () => fx.fake.quotaSpent();
    // Connecting looked up the channel: channels.list, 1 unit, on both sides.
    assert.equal(ours().units, 1);
    assert.equal(theirs().units, 1);

    const step = async (what: string, units: number, uploads: number, fn: () => Promise<unknown>) => {
      const [o, t] = [ours(), theirs()];
      await fn();
      assert.equal(ours().units - o.units, units, `${what}: units charged locally`);
      assert.equal(theirs().units - t.units, units, `${what}: units charged by YouTube`);
      assert.equal(ours().uploads - o.uploads, uploads, `${what}: upload calls charged locally`);
      assert.equal(theirs().uploads - t.uploads, uploads, `${what}: upload calls charged by YouTube`);
    };

    const file = join(fx.dir, 'v.ts');
    makeFile(file, 300_000);
    let videoId = '';
    await step('videos.insert', profile === 'shared-1600' ? 1600 : 0, profile === 'shared-1600' ? 0 : 1, async () => {
      videoId = (await fx.yt.uploader.upload({ jobId: 'j', accountId: acct.id, filePath: file, metadata: { title: 't', privacyStatus: 'private' } })).videoId;
    });
    assert.equal(ours().videosInserted, 1, `${profile}: the upload is counted whichever bucket paid for it`);
    await step('videos.list', 1, 0, () => fx.yt.api.videoStates(acct.id, [videoId]));
    await step('videos.list + videos.update', 51, 0, () => fx.yt.api.updateVideo(acct.id, videoId, { title: 'new' }));
    await step('videos.list only (unchanged)', 1, 0, () => fx.yt.api.updateVideo(acct.id, videoId, { title: 'new' }));
    await step('thumbnails.set', 50, 0, () => fx.yt.api.setThumbnail(acct.id, videoId, { image: Buffer.from('89504e470d0a1a0a00', 'hex') }));
    const pl = fx.fake.addPlaylist({ title: 'P' });
    let itemId = '';
    await step('playlistItems.insert', 50, 0, async () => {
      itemId = (await fx.yt.api.insertPlaylistItem(acct.id, { playlistId: pl, videoId })).id;
    });
    await step('playlistItems.list', 1, 0, () => fx.yt.api.listPlaylistItems(acct.id, pl));
    await step('playlistItems.update', 50, 0, () => fx.yt.api.updatePlaylistItem(acct.id, { id: itemId, playlistId: pl, videoId, position: 0 }));
    await step('playlistItems.delete', 50, 0, () => fx.yt.api.deletePlaylistItem(acct.id, itemId));
    await step('playlists.list', 1, 0, () => fx.yt.api.listPlaylists(acct.id, { mine: true }));
    await step('playlists.insert', 50, 0, () => fx.yt.api.insertPlaylist(acct.id, { title: 'Q' }));
    assert.deepEqual([ours().units, ours().uploads], [theirs().units, theirs().uploads]);
  } finally {
    await fx.close();
  }
}

describe('quota against YouTube', () => {
  it('charges exactly what YouTube charges, per call type (shared-1600)', () => exactCharges('shared-1600'));
  it('charges exactly what YouTube charges, per call type (separate-100)', () => exactCharges('separate-100'));

  it('stops before YouTube would refuse: the 7th upload of the day is parked locally (shared-1600)', async () => {
    const fx: YtFixture = await startYtFixture({ config: { chunkSizeBytes: 256 * 1024 } });
    try {
      const acct = await connectAccount(fx.yt.accounts, fx.fake);
      const file = join(fx.dir, 'v.ts');
      makeFile(file, 1000);
      for (let i = 0; i < 6; i++) {
        await fx.yt.uploader.upload({ jobId: `j${i}`, accountId: acct.id, filePath: file, metadata: { title: `t${i}`, privacyStatus: 'private' } });
      }
      const inserts = fx.fake.requests().filter((r) => r.op === 'videos.insert').length;
      await assert.rejects(
        fx.yt.uploader.upload({ jobId: 'j6', accountId: acct.id, filePath: file, metadata: { title: 't6', privacyStatus: 'private' } }),
        /needs 1600 units but 9601 of 10000 are spent today.*parked until/,
      );
      assert.equal(fx.fake.requests().filter((r) => r.op === 'videos.insert').length, inserts, 'the call was never made');
      assert.equal(fx.fake.listVideos().length, 6);
    } finally {
      await fx.close();
    }
  });

  it('two accounts alternate at the paced rate; a burst from one does not starve the other', async () => {
    const interval = 50;
    const fx: YtFixture = await startYtFixture({
      config: { minCallIntervalMs: interval },
      fake: { clients: [
        { clientId: 'client-a.apps.googleusercontent.com', clientSecret: 'sa', project: 'proj-a' },
        { clientId: 'client-b.apps.googleusercontent.com', clientSecret: 'sb', project: 'proj-b' },
      ] },
    });
    try {
      const a = await connectAccount(fx.yt.accounts, fx.fake, { label: 'A', clientId: 'client-a.apps.googleusercontent.com', clientSecret: 'sa', project: 'proj-a' });
      const b = await connectAccount(fx.yt.accounts, fx.fake, { label: 'B', clientId: 'client-b.apps.googleusercontent.com', clientSecret: 'sb', project: 'proj-b' });
      await fx.yt.api.videoStates(a.id, ['warmupvid01']);
      await fx.yt.api.videoStates(b.id, ['warmupvid01']);
      fx.fake.clearRequests();
      const t0 = Date.now();
      // A queues a burst of five, then B asks twice.
      await Promise.all([
        ...[1, 2, 3, 4, 5].map((i) => fx.yt.api.videoStates(a.id, [`vidA${i}`.padEnd(11, '0')])),
        ...[1, 2].map((i) => fx.yt.api.videoStates(b.id, [`vidB${i}`.padEnd(11, '0')])),
      ]);
      const elapsed = Date.now() - t0;
      const order = fx.fake.requests().filter((r) => r.op === 'videos.list').map((r) => (r.project === 'proj-a' ? 'A' : 'B'));
      assert.deepEqual(order, ['A', 'B', 'A', 'B', 'A', 'A', 'A']);
      assert.ok(elapsed >= 6 * interval, `7 calls paced ${interval} ms apart take at least ${6 * interval} ms (took ${elapsed})`);
      assert.equal(fx.yt.ledger.status('proj-a').units, 1 + 1 + 5);
      assert.equal(fx.yt.ledger.status('proj-b').units, 1 + 1 + 2);
    } finally {
      await fx.close();
    }
  });
});
