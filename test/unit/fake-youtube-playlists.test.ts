/**
 * Fake YouTube: playlistItems list/insert/update/delete and playlists.list (B7),
 * driven through googleapis pointed at the fake.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
// The YouTube-only entry point of googleapis@175: the same generated client that
// `google.youtube()` returns, without loading all 300+ APIs (saves seconds per test file).
import { youtube, type youtube_v3 } from 'googleapis/build/src/apis/youtube/index.js';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';
import { rawRequest } from '../fakes/youtube/raw-client.ts';

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function reasonOf(e: any): string {
  return e?.response?.data?.error?.errors?.[0]?.reason;
}

describe('fake YouTube: playlist items', () => {
  let fake: FakeYouTube;
  let yt: youtube_v3.Youtube;
  let opts: { headers: Record<string, string>; retry: boolean };
  let videos: string[];

  before(async () => {
    fake = await startFakeYouTube();
    yt = youtube({ version: 'v3', rootUrl: fake.url + '/' });
    opts = { headers: bearer(fake.issueTokens().access_token), retry: false };
    videos = Array.from({ length: 12 }, (_, i) => fake.addVideo({ title: `Run ${i}` }));
  });
  after(() => fake.close());

  it('pages with maxResults/pageToken: nextPageToken absent on the last page, prevPageToken absent on the first', async () => {
    const pl = fake.addPlaylist({ title: 'All runs', videoIds: videos });
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let pageToken: string | undefined;
    let first = true;
    do {
      const res = await yt.playlistItems.list({ part: ['snippet', 'contentDetails', 'status'], playlistId: pl, maxResults: 5, pageToken }, opts);
      const d = res.data;
      assert.equal(d.kind, 'youtube#playlistItemListResponse');
      assert.equal(d.pageInfo!.totalResults, 12);
      assert.equal(d.pageInfo!.resultsPerPage, 5);
      if (first) assert.equal(d.prevPageToken, undefined);
      else assert.ok(d.prevPageToken);
      for (const item of d.items!) {
        assert.equal(item.snippet!.position, seen.length);
        assert.equal(item.snippet!.resourceId!.videoId, item.contentDetails!.videoId);
        assert.notEqual(item.id, item.contentDetails!.videoId, 'item id is not the video id');
        assert.equal(item.snippet!.playlistId, pl);
        seen.push(item.contentDetails!.videoId!);
      }
      pageSizes.push(d.items!.length);
      pageToken = d.nextPageToken ?? undefined;
      first = false;
    } while (pageToken);
    assert.deepEqual(pageSizes, [5, 5, 2]);
    assert.deepEqual(seen, videos);

    const dflt = await yt.playlistItems.list({ part: ['id'], playlistId: pl }, opts);
    assert.equal(dflt.data.items!.length, 5, 'maxResults defaults to 5');
    const none = await yt.playlistItems.list({ part: ['id'], playlistId: pl, maxResults: 0 }, opts);
    assert.equal(none.data.items!.length, 0);
    const filtered = await yt.playlistItems.list({ part: ['snippet'], playlistId: pl, videoId: videos[7] }, opts);
    assert.equal(filtered.data.items!.length, 1);
    assert.equal(filtered.data.items![0]!.snippet!.position, 7);
  });

  it('validates maxResults, pageToken and the filter', async () => {
    const pl = fake.addPlaylist({ videoIds: videos.slice(0, 2) });
    await assert.rejects(yt.playlistItems.list({ part: ['id'], playlistId: pl, maxResults: 51 }, opts), (e: any) => {
      assert.equal(e.status, 400);
      assert.equal(reasonOf(e), 'invalidParameter');
      assert.match(e.response.data.error.message, /\[0, 50\]/);
      return true;
    });
    await assert.rejects(yt.playlistItems.list({ part: ['id'], playlistId: pl, pageToken: 'garbage' }, opts), (e: any) => reasonOf(e) === 'invalidPageToken');
    // A token from another listing is rejected too.
    const other = fake.addPlaylist({ videoIds: videos });
    const tok = (await yt.playlistItems.list({ part: ['id'], playlistId: other, maxResults: 1 }, opts)).data.nextPageToken!;
    await assert.rejects(yt.playlistItems.list({ part: ['id'], playlistId: pl, pageToken: tok }, opts), (e: any) => reasonOf(e) === 'invalidPageToken');
    await assert.rejects(yt.playlistItems.list({ part: ['id'] }, opts), (e: any) => e.status === 400);
  });

  it('inserts at a position or at the end, renumbering positions; costs 50 per write', async () => {
    const pl = fake.addPlaylist({ videoIds: videos.slice(0, 3) });
    const before = fake.quotaSpent().units;
    const atEnd = await yt.playlistItems.insert(
      { part: ['snippet', 'contentDetails'], requestBody: { snippet: { playlistId: pl, resourceId: { kind: 'youtube#video', videoId: videos[5] } }, contentDetails: { note: 'hi' } } },
      opts,
    );
    assert.equal(atEnd.status, 200);
    assert.equal(atEnd.data.snippet!.position, 3);
    assert.equal(atEnd.data.contentDetails!.note, 'hi');
    const atTop = await yt.playlistItems.insert(
      { part: ['snippet'], requestBody: { snippet: { playlistId: pl, position: 0, resourceId: { kind: 'youtube#video', videoId: videos[6] } } } },
      opts,
    );
    assert.equal(atTop.data.snippet!.position, 0);
    assert.deepEqual(fake.playlistVideoIds(pl), [videos[6], videos[0], videos[1], videos[2], videos[5]]);
    assert.deepEqual(fake.getPlaylist(pl)!.items.map((i) => i.position), [0, 1, 2, 3, 4]);
    assert.equal(fake.quotaSpent().units - before, 100);
  });

  it('moves items with update (replace semantics clear the note) and deletes with 204', async () => {
    const pl = fake.addPlaylist({ videoIds: videos.slice(0, 4) });
    const list = await yt.playlistItems.list({ part: ['snippet'], playlistId: pl, maxResults: 50 }, opts);
    const first = list.data.items![0]!;
    await yt.playlistItems.update(
      { part: ['snippet', 'contentDetails'], requestBody: { id: first.id, snippet: { playlistId: pl, resourceId: first.snippet!.resourceId }, contentDetails: { note: 'n' } } },
      opts,
    );
    assert.equal(fake.getPlaylist(pl)!.items[0]!.note, 'n');
    const moved = await yt.playlistItems.update(
      { part: ['snippet', 'contentDetails'], requestBody: { id: first.id, snippet: { playlistId: pl, position: 3, resourceId: first.snippet!.resourceId } } },
      opts,
    );
    assert.equal(moved.data.snippet!.position, 3);
    assert.equal(moved.data.contentDetails!.note, undefined, 'omitted note is cleared');
    assert.deepEqual(fake.playlistVideoIds(pl), [videos[1], videos[2], videos[3], videos[0]]);

    await assert.rejects(
      yt.playlistItems.update({ part: ['snippet'], requestBody: { id: first.id, snippet: { playlistId: pl, position: 4, resourceId: first.snippet!.resourceId } } }, opts),
      (e: any) => e.status === 400 && reasonOf(e) === 'invalidPlaylistItemPosition',
    );
    await assert.rejects(
      yt.playlistItems.update({ part: ['snippet'], requestBody: { id: 'nope', snippet: { playlistId: pl, resourceId: first.snippet!.resourceId } } }, opts),
      (e: any) => e.status === 404 && reasonOf(e) === 'playlistItemNotFound',
    );

    const del = await yt.playlistItems.delete({ id: first.id! }, opts);
    assert.equal(del.status, 204);
    assert.equal(del.data, '');
    assert.deepEqual(fake.getPlaylist(pl)!.items.map((i) => [i.videoId, i.position]), [
      [videos[1], 0],
      [videos[2], 1],
      [videos[3], 2],
    ]);
    await assert.rejects(yt.playlistItems.delete({ id: first.id! }, opts), (e: any) => e.status === 404 && reasonOf(e) === 'playlistItemNotFound');
  });

  it('answers manualSortRequired for positions on playlists that are not manually sorted', async () => {
    const pl = fake.addPlaylist({ manualSort: false, videoIds: videos.slice(0, 2) });
    const body = (position?: number) => ({
      part: ['snippet'],
      requestBody: { snippet: { playlistId: pl, position, resourceId: { kind: 'youtube#video', videoId: videos[9] } } },
    });
    await assert.rejects(yt.playlistItems.insert(body(0), opts), (e: any) => e.status === 400 && reasonOf(e) === 'manualSortRequired');
    const ok = await yt.playlistItems.insert(body(), opts);
    assert.equal(ok.data.snippet!.position, 2);
    await assert.rejects(
      yt.playlistItems.update({ part: ['snippet'], requestBody: { id: ok.data.id, snippet: { playlistId: pl, position: 0, resourceId: ok.data.snippet!.resourceId } } }, opts),
      (e: any) => reasonOf(e) === 'manualSortRequired',
    );
    fake.setPlaylistOptions(pl, { manualSort: true });
    assert.equal((await yt.playlistItems.insert(body(0), opts)).data.snippet!.position, 0);
  });

  it('produces playlistNotFound, playlistItemsNotAccessible, videoNotFound and invalidResourceId', async () => {
    const other = fake.addChannel({ title: 'Someone else' });
    const theirsPrivate = fake.addPlaylist({ channelId: other, privacyStatus: 'private', videoIds: videos.slice(0, 1) });
    const theirsPublic = fake.addPlaylist({ channelId: other, videoIds: videos.slice(0, 1) });
    const blocked = fake.addPlaylist({ inaccessible: true });
    const mine = fake.addPlaylist();
    const ins = (playlistId: string, videoId: string, kind = 'youtube#video') =>
      yt.playlistItems.insert({ part: ['snippet'], requestBody: { snippet: { playlistId, resourceId: { kind, videoId } } } }, opts);

    await assert.rejects(yt.playlistItems.list({ part: ['id'], playlistId: 'PLdoesnotexist' }, opts), (e: any) => {
      assert.equal(e.status, 404);
      assert.equal(reasonOf(e), 'playlistNotFound');
      assert.equal(e.response.data.error.errors[0].domain, 'youtube.playlistItem');
      return true;
    });
    await assert.rejects(yt.playlistItems.list({ part: ['id'], playlistId: theirsPrivate }, opts), (e: any) => e.status === 403 && reasonOf(e) === 'playlistItemsNotAccessible');
    await assert.rejects(yt.playlistItems.list({ part: ['id'], playlistId: blocked }, opts), (e: any) => reasonOf(e) === 'playlistItemsNotAccessible');
    assert.equal((await yt.playlistItems.list({ part: ['id'], playlistId: theirsPublic }, opts)).data.items!.length, 1);
    await assert.rejects(ins(theirsPublic, videos[0]!), (e: any) => e.status === 403 && reasonOf(e) === 'playlistItemsNotAccessible');
    await assert.rejects(ins('PLdoesnotexist', videos[0]!), (e: any) => e.status === 404 && reasonOf(e) === 'playlistNotFound');
    await assert.rejects(ins(mine, 'AAAAAAAAAAA'), (e: any) => e.status === 404 && reasonOf(e) === 'videoNotFound');
    await assert.rejects(ins(mine, videos[0]!, 'youtube#channel'), (e: any) => e.status === 400 && reasonOf(e) === 'invalidResourceId');
    await assert.rejects(
      yt.playlistItems.insert({ part: ['snippet'], requestBody: { snippet: { playlistId: mine, position: 5, resourceId: { kind: 'youtube#video', videoId: videos[0] } } } }, opts),
      (e: any) => reasonOf(e) === 'invalidPlaylistItemPosition',
    );
  });

  it('keeps deleted and private videos as placeholder items that still count', async () => {
    const other = fake.addChannel();
    const theirs = fake.addVideo({ channelId: other, privacyStatus: 'private', title: 'secret' });
    const doomed = fake.addVideo({ title: 'doomed' });
    const pl = fake.addPlaylist({ videoIds: [doomed, theirs, videos[0]!] });
    fake.deleteVideo(doomed);
    const res = await yt.playlistItems.list({ part: ['snippet', 'status'], playlistId: pl, maxResults: 50 }, opts);
    assert.equal(res.data.pageInfo!.totalResults, 3);
    assert.deepEqual(res.data.items!.map((i) => i.snippet!.title), ['Deleted video', 'Private video', 'Run 0']);
  });

  it('lists playlists (mine / id / channelId), creates one, and exposes the uploads playlist', async () => {
    const created = await yt.playlists.insert({ part: ['snippet', 'status'], requestBody: { snippet: { title: 'New PL' }, status: { privacyStatus: 'unlisted' } } }, opts);
    assert.match(created.data.id!, /^PL/);
    const mine: string[] = [];
    let pageToken: string | undefined;
    do {
      const r = await yt.playlists.list({ part: ['snippet', 'contentDetails', 'status'], mine: true, maxResults: 50, pageToken }, opts);
      mine.push(...r.data.items!.map((p) => p.id!));
      pageToken = r.data.nextPageToken ?? undefined;
    } while (pageToken);
    assert.ok(mine.includes(created.data.id!));
    const byId = await yt.playlists.list({ part: ['contentDetails'], id: [created.data.id!] }, opts);
    assert.equal(byId.data.items![0]!.contentDetails!.itemCount, 0);

    const ch = await yt.channels.list({ part: ['contentDetails'], mine: true }, opts);
    const uploads = ch.data.items![0]!.contentDetails!.relatedPlaylists!.uploads!;
    const u = await yt.playlistItems.list({ part: ['snippet'], playlistId: uploads, maxResults: 50 }, opts);
    assert.ok(u.data.items!.some((i) => i.snippet!.resourceId!.videoId === videos[0]));
    await assert.rejects(
      yt.playlistItems.insert({ part: ['snippet'], requestBody: { snippet: { playlistId: uploads, resourceId: { kind: 'youtube#video', videoId: videos[0] } } } }, opts),
      (e: any) => e.status === 400,
    );
  });

  it('accepts comma-separated part strings as well as repeated keys', async () => {
    const pl = fake.addPlaylist({ videoIds: videos.slice(0, 1) });
    const r = await rawRequest(`${fake.url}/youtube/v3/playlistItems?part=snippet%2CcontentDetails&part=status&playlistId=${pl}`, { headers: opts.headers });
    assert.equal(r.status, 200);
    const item = r.json().items[0];
    assert.ok(item.snippet && item.contentDetails && item.status);
  });
});
