// Fake Twitch: every switchable fault (ads, discontinuities, expiry, aging, stalls, skew, restart, end, 5xx).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as HLS from 'hls-parser';
import { startFakeTwitch, TWITCH_WEB_CLIENT_ID, type FakeTwitch } from '../fakes/twitch/index.ts';
import {
  decodeErrors,
  getBytes,
  getText,
  masterVariants,
  playbackAccessTokenBody,
  postGql,
  segmentUrls,
  usherUrlFor,
  withTempMedia,
} from '../fakes/twitch/test-helpers.ts';

HLS.setOptions({ strictMode: true });

const TURBO = 'turboturboturboturboturboturbo';

function tags(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

/** Lines of the playlist grouped per segment: the tags before each URI, and the URI. */
function segmentBlocks(text: string): { tags: string[]; uri: string }[] {
  const out: { tags: string[]; uri: string }[] = [];
  let pending: string[] = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    if (l.startsWith('#')) {
      if (l.startsWith('#EXT-X-DISCONTINUITY') || l.startsWith('#EXT-X-PROGRAM-DATE-TIME') || l.startsWith('#EXTINF') || l.startsWith('#EXT-X-MAP') || l.startsWith('#EXT-X-SCTE35')) pending.push(l);
    } else {
      out.push({ tags: pending, uri: l });
      pending = [];
    }
  }
  return out;
}

const pdtOf = (b: { tags: string[] }) => Date.parse(b.tags.find((t) => t.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))!.slice(25));
const titleOf = (b: { tags: string[] }) => b.tags.find((t) => t.startsWith('#EXTINF:'))!.split(',').slice(1).join(',');

describe('fake twitch: faults', () => {
  let tw: FakeTwitch;
  before(async () => {
    tw = await startFakeTwitch({
      clock: { mode: 'manual' },
      segmentCutoffMs: 300,
      oauthTokens: [TURBO],
      channels: {
        ts: { windowSize: 6, segmentGraceMs: 4000 },
        mp4: { format: 'fmp4', windowSize: 6 },
        pre: { preroll: { segments: 3 } },
        exp: { playlistUrlTtlMs: 10_000 },
        life: { endedPlaylistTtlMs: 6000 },
        rs: {},
      },
    });
  });
  after(() => tw.close());
  beforeEach(() => tw.clearFaults());

  async function mediaUrl(login: string, opts: { turbo?: boolean; quality?: number } = {}): Promise<string> {
    const url = await usherUrlFor(tw, login, opts.turbo ? { headers: { Authorization: `OAuth ${TURBO}` } } : {});
    const r = await getText(url);
    assert.equal(r.status, 200, r.text);
    return masterVariants(r.text, url)[opts.quality ?? 0].url;
  }

  it('stitched midroll: DATERANGE, stitched-ad URIs, Amazon titles, discontinuities, no prefetch', async () => {
    const url = await mediaUrl('ts');
    const ad = tw.channel('ts').startAd({ segments: 3 });
    assert.match(ad.id, /^stitched-ad-\d+-\d+$/);
    tw.advance(4000); // two ad segments complete
    let { text } = await getText(url);
    HLS.parse(text);
    const ranges = tags(text, '#EXT-X-DATERANGE:').filter((l) => l.includes('CLASS="twitch-stitched-ad"'));
    assert.equal(ranges.length, 1);
    assert.ok(ranges[0].includes(`ID="${ad.id}"`), 'ranges[0].includes(`ID="${ad.id}"`)');
    assert.match(ranges[0], /DURATION=6\.000/);
    assert.match(ranges[0], /X-TV-TWITCH-AD-ROLL-TYPE="MIDROLL"/);
    assert.ok(tags(text, '#EXT-X-DATERANGE:').some((l) => l.includes('X-TV-TWITCH-STREAM-SOURCE="Amazon|')), `tags(text, '#EXT-X-DATERANGE:').some((l) => l.includes('X-TV-TWITCH-STREAM-SOURCE="Amazon|'))`);
    assert.equal(tags(text, '#EXT-X-TWITCH-PREFETCH').length, 0, 'prefetch is absent during ads');
    assert.equal(tags(text, '#EXT-X-TWITCH-LIVE-SEQUENCE:').length, 1);
    let blocks = segmentBlocks(text);
    const adBlocks = blocks.filter((b) => b.uri.includes('stitched-ad-'));
    assert.equal(adBlocks.length, 2);
    for (const b of adBlocks) assert.match(titleOf(b), /^Amazon\|\d+$/);
    assert.ok(adBlocks[0].tags.includes('#EXT-X-DISCONTINUITY'), "adBlocks[0].tags.includes('#EXT-X-DISCONTINUITY')");
    const start = Date.parse(/START-DATE="([^"]+)"/.exec(ranges[0])![1]);
    assert.equal(pdtOf(adBlocks[0]), start, 'the ad range starts at the first ad segment');
    // PDT keeps running through the ad: the ad replaces live content, it is not inserted.
    const i = blocks.indexOf(adBlocks[0]);
    assert.equal(pdtOf(blocks[i]) - pdtOf(blocks[i - 1]), 2000);

    tw.advance(4000);
    ({ text } = await getText(url));
    blocks = segmentBlocks(text);
    const firstLiveAfter = blocks.find((b, j) => j > 0 && !b.uri.includes('stitched-ad-') && blocks[j - 1].uri.includes('stitched-ad-'))!;
    assert.ok(firstLiveAfter.tags.includes('#EXT-X-DISCONTINUITY'), "firstLiveAfter.tags.includes('#EXT-X-DISCONTINUITY')");
    assert.equal(titleOf(firstLiveAfter), 'live');
    assert.equal(tags(text, '#EXT-X-TWITCH-PREFETCH').length, 2, 'prefetch is back once live content is at the edge');

    // Ad segments are real media, different from live content.
    const adUrl = new URL(adBlocks[0].uri, url).href;
    const adSeg = await getBytes(adUrl);
    assert.equal(adSeg.status, 200);
    const liveSeg = await getBytes(new URL(firstLiveAfter.uri, url).href);
    const h = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.notEqual(h(adSeg.body), h(liveSeg.body));
    assert.equal(await withTempMedia([adSeg.body], 'ts', decodeErrors), '');
    const logged = tw.requests((e) => e.kind === 'segment' && e.ad === true);
    assert.equal(logged.length, 1);

    tw.advance(12_000); // ad leaves the window
    ({ text } = await getText(url));
    assert.ok(!text.includes('stitched-ad'), "!text.includes('stitched-ad')");
    assert.equal(tags(text, '#EXT-X-TWITCH-LIVE-SEQUENCE').length, 0);
  });

  it('fMP4 ads switch EXT-X-MAP to the ad init segment and back', async () => {
    const url = await mediaUrl('mp4');
    tw.channel('mp4').startAd({ segments: 2 });
    tw.advance(6000);
    const { text } = await getText(url);
    HLS.parse(text);
    const maps = tags(text, '#EXT-X-MAP:');
    assert.equal(maps.length, 3, text);
    assert.ok(!maps[0].includes('stitched-ad-'), "!maps[0].includes('stitched-ad-')");
    assert.ok(maps[1].includes('stitched-ad-'), "maps[1].includes('stitched-ad-')");
    assert.ok(!maps[2].includes('stitched-ad-'), "!maps[2].includes('stitched-ad-')");
    const adInit = await getBytes(new URL(/URI="([^"]+)"/.exec(maps[1])![1], url).href);
    assert.equal(adInit.status, 200);
    assert.equal(adInit.body.toString('latin1', 4, 8), 'ftyp');
    assert.equal(tw.requests('init').at(-1)!.ad, true);
  });

  it('daterange-only ads (title "live") and legacy SCTE35 markers', async () => {
    const url = await mediaUrl('ts');
    tw.channel('ts').startAd({ segments: 2, title: 'live', scte35: true, discontinuity: false });
    tw.advance(6000);
    const { text } = await getText(url);
    const blocks = segmentBlocks(text);
    const adBlocks = blocks.filter((b) => b.uri.includes('stitched-ad-'));
    assert.equal(adBlocks.length, 2);
    assert.deepEqual(adBlocks.map(titleOf), ['live', 'live']);
    assert.ok(adBlocks[0].tags.includes('#EXT-X-SCTE35-OUT'), "adBlocks[0].tags.includes('#EXT-X-SCTE35-OUT')");
    assert.ok(adBlocks[1].tags.includes('#EXT-X-SCTE35-OUT-CONT'), "adBlocks[1].tags.includes('#EXT-X-SCTE35-OUT-CONT')");
    const after = blocks[blocks.indexOf(adBlocks[1]) + 1];
    assert.ok(after.tags.includes('#EXT-X-SCTE35-IN'), "after.tags.includes('#EXT-X-SCTE35-IN')");
    assert.ok(!text.includes('#EXT-X-DISCONTINUITY'), "!text.includes('#EXT-X-DISCONTINUITY')");
    assert.equal(tags(text, '#EXT-X-DATERANGE:').filter((l) => l.includes('twitch-stitched-ad')).length, 1);
    tw.advance(20_000);
  });

  it('ad-free (turbo OAuth) playlists get live segments where others get ads', async () => {
    const normal = await mediaUrl('ts');
    const turbo = await mediaUrl('ts', { turbo: true });
    tw.channel('ts').startAd({ segments: 2 });
    tw.advance(4000);
    assert.ok((await getText(normal)).text.includes('stitched-ad-'), "(await getText(normal)).text.includes('stitched-ad-')");
    const t = (await getText(turbo)).text;
    assert.ok(!t.includes('stitched-ad') && !t.includes('Amazon'), "!t.includes('stitched-ad') && !t.includes('Amazon')");
    tw.advance(20_000);
  });

  it('preroll: each new usher request gets its own ad break', async () => {
    const url = await mediaUrl('pre');
    tw.advance(4000);
    let { text } = await getText(url);
    assert.ok(text.includes('X-TV-TWITCH-AD-ROLL-TYPE="PREROLL"'), `text.includes('X-TV-TWITCH-AD-ROLL-TYPE="PREROLL"')`);
    assert.equal(segmentBlocks(text).filter((b) => b.uri.includes('stitched-ad-')).length, 2);
    const turbo = await mediaUrl('pre', { turbo: true });
    tw.advance(2000);
    ({ text } = await getText(turbo));
    assert.ok(!text.includes('PREROLL'), "!text.includes('PREROLL')");
  });

  it('spurious EXT-X-DISCONTINUITY between two live segments', async () => {
    const url = await mediaUrl('ts');
    const n = tw.channel('ts').injectDiscontinuity();
    tw.advance(4000);
    const { text } = await getText(url);
    const blocks = segmentBlocks(text);
    const withDisc = blocks.filter((b) => b.tags.includes('#EXT-X-DISCONTINUITY'));
    assert.equal(withDisc.length, 1);
    const i = blocks.indexOf(withDisc[0]);
    assert.equal(titleOf(blocks[i]), 'live');
    assert.equal(titleOf(blocks[i - 1]), 'live');
    assert.equal(pdtOf(blocks[i]) - pdtOf(blocks[i - 1]), 2000);
    assert.equal((HLS.parse(text) as HLS.types.MediaPlaylist).segments.find((s) => s.discontinuity)!.mediaSequenceNumber, n);
  });

  it('media playlist URLs expire with 403; a new usher request gives working URLs', async () => {
    const url = await mediaUrl('exp');
    assert.equal((await getText(url)).status, 200);
    tw.advance(10_001);
    const r = await getText(url);
    assert.equal(r.status, 403);
    assert.equal(tw.requests('playlist').at(-1)!.fault, 'expired');
    const fresh = await mediaUrl('exp');
    assert.equal((await getText(fresh)).status, 200);
    assert.equal(tw.channel('exp').expirePlaylistUrls() > 0, true);
    assert.equal((await getText(fresh)).status, 403);
  });

  it('segments 404 once out of the window + grace', async () => {
    const url = await mediaUrl('ts');
    const first = segmentUrls((await getText(url)).text, url)[0];
    assert.equal((await getBytes(first)).status, 200);
    tw.advance(2000); // left the window
    assert.equal((await getBytes(first)).status, 200, 'within grace');
    tw.advance(4000); // grace is 4 s
    assert.equal((await getBytes(first)).status, 404);
  });

  it('stalled segment is cut off with incomplete-but-valid data', async () => {
    const url = await mediaUrl('ts');
    const seg = segmentUrls((await getText(url)).text, url).at(-1)!;
    const full = await getBytes(seg);
    tw.stallNext({ fraction: 0.5 }); // cutoff: server's segmentCutoffMs (300 ms)
    const t0 = performance.now();
    const cut = await getBytes(seg);
    const took = performance.now() - t0;
    assert.equal(cut.status, 200);
    assert.ok(took >= 280, `took ${took}`);
    assert.ok(cut.body.length < full.body.length && cut.body.length > 0, 'cut.body.length < full.body.length && cut.body.length > 0');
    assert.equal(cut.body.length % 188, 0, 'whole TS packets');
    assert.deepEqual(cut.body, full.body.subarray(0, cut.body.length));
    const e = tw.requests('segment').at(-1)!;
    assert.equal(e.truncated, true);
    assert.equal(e.fault, 'stall:truncate');
    assert.ok(cut.body.length > full.body.length * 0.3, 'cut near the requested fraction');
    // Cut between whole PES packets of every stream: the short file decodes cleanly.
    assert.equal(await withTempMedia([cut.body], 'ts', decodeErrors), '');

    tw.stallNext({ cutoffMs: 50, mode: 'complete' });
    assert.deepEqual((await getBytes(seg)).body, full.body);

    tw.stallNext({ cutoffMs: 50, mode: 'reset' });
    await assert.rejects(getBytes(seg));

    tw.setSegmentCutoffMs(100);
    tw.stallNext({});
    const t1 = performance.now();
    await getBytes(seg);
    assert.ok(performance.now() - t1 < 280, 'performance.now() - t1 < 280');
    tw.setSegmentCutoffMs(300);
  });

  it('PROGRAM-DATE-TIME skew for one segment', async () => {
    const url = await mediaUrl('ts');
    tw.channel('ts').skewProgramDateTime(500, { segments: 1 });
    tw.advance(6000);
    const blocks = segmentBlocks((await getText(url)).text);
    const gaps = blocks.slice(1).map((b, i) => pdtOf(b) - pdtOf(blocks[i]));
    assert.deepEqual(gaps.slice(-3), [2500, 1500, 2000]);
  });

  it('stream restart: old URLs 404, new session resets the sequence and jumps PDT', async () => {
    const oldUrl = await mediaUrl('rs');
    const oldBlocks = segmentBlocks((await getText(oldUrl)).text);
    const oldSeq = tw.channel('rs').status().lastSequence!;
    assert.ok(oldSeq > 10, 'oldSeq > 10');
    tw.channel('rs').restart({ delayMs: 5000 });
    assert.equal((await getText(oldUrl)).status, 404);
    assert.equal((await getText(await usherUrlFor(tw, 'rs'))).status, 404, 'no transcode until the first segment exists');
    tw.advance(5000 + 2000);
    const newUrl = await mediaUrl('rs');
    assert.notEqual(newUrl, oldUrl);
    const { text } = await getText(newUrl);
    assert.deepEqual(tags(text, '#EXT-X-MEDIA-SEQUENCE:'), ['#EXT-X-MEDIA-SEQUENCE:0']);
    const nb = segmentBlocks(text);
    assert.equal(nb.length, 1);
    assert.ok(pdtOf(nb[0]) - pdtOf(oldBlocks.at(-1)!) >= 5000 + 2000, 'pdtOf(nb[0]) - pdtOf(oldBlocks.at(-1)!) >= 5000 + 2000');
    assert.equal(tw.channel('rs').status().session, 1);

    const frozen = await mediaUrl('rs');
    tw.channel('rs').restart({ oldPlaylist: 'endlist' });
    assert.ok((await getText(frozen)).text.trimEnd().endsWith('#EXT-X-ENDLIST'), "(await getText(frozen)).text.trimEnd().endsWith('#EXT-X-ENDLIST')");
    tw.channel('rs').restart({ oldPlaylist: 403 });
  });

  it('stream end: ENDLIST, usher 404, playlist gone after a TTL; then back online', async () => {
    const url = await mediaUrl('life');
    const before = segmentBlocks((await getText(url)).text).length;
    tw.channel('life').endStream();
    tw.advance(4000);
    const { text } = await getText(url);
    assert.ok(text.trimEnd().endsWith('#EXT-X-ENDLIST'), "text.trimEnd().endsWith('#EXT-X-ENDLIST')");
    assert.equal(tags(text, '#EXT-X-TWITCH-PREFETCH').length, 0);
    assert.equal(segmentBlocks(text).length, before, 'no new segments after the end');
    const usher = await getText(await usherUrlFor(tw, 'life'));
    assert.equal(usher.status, 404);
    assert.equal(JSON.parse(usher.text)[0].error_code, 'transcode_does_not_exist');
    tw.advance(2001); // endedPlaylistTtlMs = 6 s
    assert.equal((await getText(url)).status, 404);

    tw.channel('life').goOnline();
    assert.equal((await getText(await usherUrlFor(tw, 'life'))).status, 404);
    tw.advance(2000);
    const again = await mediaUrl('life');
    assert.equal(segmentBlocks((await getText(again)).text).length, 1);

    tw.channel('life').goOffline({ endlist: false });
    const silent = await getText(again);
    assert.equal(silent.status, 200);
    assert.ok(!silent.text.includes('#EXT-X-ENDLIST'), "!silent.text.includes('#EXT-X-ENDLIST')");
    tw.channel('life').goOnline();
    tw.advance(2000);
  });

  it('failNext: 5xx on one request of a kind, then normal service', async () => {
    const url = await mediaUrl('ts');
    tw.failNext('playlist', { status: 502 });
    assert.equal((await getText(url)).status, 502);
    assert.equal((await getText(url)).status, 200);

    const seg = segmentUrls((await getText(url)).text, url).at(-1)!;
    tw.failNext('segment', { status: 503, count: 2 });
    assert.equal((await getBytes(seg)).status, 503);
    assert.equal((await getBytes(seg)).status, 503);
    assert.equal((await getBytes(seg)).status, 200);

    tw.failNext('usher', { status: 500 });
    const u = await getText(await usherUrlFor(tw, 'ts'));
    assert.equal(u.status, 500);
    assert.equal(JSON.parse(u.text)[0].type, 'error');

    tw.failNext('gql', { status: 503, body: { error: 'x' } });
    const g = await postGql(tw.gqlUrl, playbackAccessTokenBody('ts'), { 'Client-ID': TWITCH_WEB_CLIENT_ID });
    assert.deepEqual([g.status, g.json], [503, { error: 'x' }]);

    tw.failNext('any', { status: 500, channel: 'mp4' });
    assert.equal((await getText(url)).status, 200, 'other channel unaffected');
    assert.equal(tw.faults.pending().fails, 1);
    const e = tw.requests('segment').filter((r) => r.fault === 'fail:503');
    assert.equal(e.length, 2);
  });
});
