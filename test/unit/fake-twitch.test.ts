// Fake Twitch: GQL token, usher master (v1/v2), media playlists, clock, request log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as HLS from 'hls-parser';
import { FakeClock, startFakeTwitch, TWITCH_WEB_CLIENT_ID, YTDLP_CLIENT_ID, type FakeTwitch } from '../fakes/twitch/index.ts';
import { getText, masterVariants, playbackAccessTokenBody, postGql, segmentUrls, usherUrlFor } from '../fakes/twitch/test-helpers.ts';

HLS.setOptions({ strictMode: true });

function tags(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('fake twitch: GQL PlaybackAccessToken', () => {
  let tw: FakeTwitch;
  before(async () => {
    tw = await startFakeTwitch({
      clock: { mode: 'manual' },
      channels: { somechan: {}, offchan: { online: false } },
      oauthTokens: ['abcdefghijklmnopqrstuvwxyz0123'],
    });
  });
  after(() => tw.close());

  it('answers the persisted query with the real response shape', async () => {
    const { status, json } = await postGql(tw.gqlUrl, playbackAccessTokenBody('SomeChan'));
    assert.equal(status, 200);
    const tok = json.data.streamPlaybackAccessToken;
    assert.equal(tok.__typename, 'PlaybackAccessToken');
    assert.match(tok.signature, /^[0-9a-f]{40}$/);
    assert.equal(typeof tok.value, 'string', 'value is a JSON document encoded as a string');
    const claims = JSON.parse(tok.value);
    assert.equal(claims.channel, 'somechan');
    assert.deepEqual(claims.chansub.restricted_bitrates, []);
    assert.equal(claims.hide_ads, false);
    assert.equal(claims.user_id, null);
    assert.ok(claims.expires * 1000 > tw.now(), 'claims.expires * 1000 > tw.now()');
    assert.equal(json.extensions.operationName, 'PlaybackAccessToken');
  });

  it('checks the Client-ID header', async () => {
    const missing = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'), {});
    assert.equal(missing.status, 400);
    assert.equal(missing.json.status, 400);
    assert.match(missing.json.message, /Client-ID/);
    const wrong = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'), { 'Client-ID': 'nope' });
    assert.equal(wrong.status, 400);
    const ytdlp = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'), { 'Client-ID': YTDLP_CLIENT_ID });
    assert.equal(ytdlp.status, 200);
  });

  it('answers PersistedQueryNotFound for an unknown hash or operation', async () => {
    const r = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan', '0'.repeat(64)));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { errors: [{ message: 'PersistedQueryNotFound' }] });
    const other = { ...(playbackAccessTokenBody('somechan') as object), operationName: 'StreamMetadata' };
    assert.equal((await postGql(tw.gqlUrl, other)).json.errors[0].message, 'PersistedQueryNotFound');
  });

  it('validates the persisted query variables', async () => {
    const body = playbackAccessTokenBody('somechan') as { variables: Record<string, unknown> };
    delete body.variables.platform;
    const r = await postGql(tw.gqlUrl, body);
    assert.equal(r.status, 200);
    assert.match(r.json.errors[0].message, /\$platform/);
    assert.equal(r.json.data, undefined);
  });

  it('handles the Authorization: OAuth header', async () => {
    const bad = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'), {
      'Client-ID': TWITCH_WEB_CLIENT_ID,
      Authorization: 'OAuth wrongtoken',
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.json, { error: 'Unauthorized', status: 401, message: 'The "Authorization" token is invalid.' });
    const good = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'), {
      'Client-ID': TWITCH_WEB_CLIENT_ID,
      Authorization: 'OAuth abcdefghijklmnopqrstuvwxyz0123',
    });
    assert.equal(good.status, 200);
    const claims = JSON.parse(good.json.data.streamPlaybackAccessToken.value);
    assert.equal(claims.turbo, true);
    assert.equal(claims.hide_ads, true);
    assert.equal(typeof claims.user_id, 'number');
  });

  it('returns a null token for a channel that does not exist, a token for an offline one', async () => {
    const r = await postGql(tw.gqlUrl, playbackAccessTokenBody('nosuchchannel'));
    assert.deepEqual(r.json.data, { streamPlaybackAccessToken: null });
    const off = await postGql(tw.gqlUrl, playbackAccessTokenBody('offchan'));
    assert.ok(off.json.data.streamPlaybackAccessToken, 'off.json.data.streamPlaybackAccessToken');
  });

  it('supports batched (array) bodies in order', async () => {
    const r = await postGql(tw.gqlUrl, [playbackAccessTokenBody('nosuchchannel'), playbackAccessTokenBody('somechan')]);
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json), 'Array.isArray(r.json)');
    assert.equal(r.json[0].data.streamPlaybackAccessToken, null);
    assert.equal(JSON.parse(r.json[1].data.streamPlaybackAccessToken.value).channel, 'somechan');
  });

  it('supports the plain-text query forms (yt-dlp and the web-player template)', async () => {
    const q = '{ streamPlaybackAccessToken(channelName: "somechan", params: {platform: "web", playerBackend: "mediaplayer", playerType: "site"}) { value signature } }';
    const r = await postGql(tw.gqlUrl, { query: q });
    const tok = r.json.data.streamPlaybackAccessToken;
    assert.match(tok.signature, /^[0-9a-f]{40}$/);
    assert.equal(tok.__typename, undefined, 'only the requested fields');
    const template =
      'query PlaybackAccessToken_Template($login: String!, $isLive: Boolean!, $vodID: ID!, $isVod: Boolean!, $playerType: String!) { streamPlaybackAccessToken(channelName: $login, params: {platform: "web", playerBackend: "mediaplayer", playerType: $playerType}) @include(if: $isLive) { value signature __typename } videoPlaybackAccessToken(id: $vodID, params: {platform: "web", playerBackend: "mediaplayer", playerType: $playerType}) @include(if: $isVod) { value signature __typename } }';
    const t = await postGql(tw.gqlUrl, {
      operationName: 'PlaybackAccessToken_Template',
      query: template,
      variables: { isLive: true, login: 'somechan', isVod: false, vodID: '', playerType: 'site' },
    });
    assert.equal(JSON.parse(t.json.data.streamPlaybackAccessToken.value).channel, 'somechan');
  });

  it('rejects a body that is not JSON', async () => {
    const r = await postGql(tw.gqlUrl, '{nope');
    assert.equal(r.status, 400);
    assert.ok(r.json.errors[0].message, 'r.json.errors[0].message');
  });

  it('switchable GQL failure modes: integrity, null token, PersistedQueryNotFound', async () => {
    try {
      tw.setGqlFault('integrity');
      const r = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'));
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { errors: [{ message: 'failed integrity check' }] });
      const retry = await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'), {
        'Client-ID': TWITCH_WEB_CLIENT_ID,
        'Device-Id': 'a'.repeat(32),
        'Client-Integrity': 'v4.public.fake',
      });
      assert.equal(retry.status, 200);
      tw.setGqlFault('null-token');
      assert.equal((await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'))).json.data.streamPlaybackAccessToken, null);
      tw.setGqlFault('persisted-query-not-found');
      assert.equal((await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'))).json.errors[0].message, 'PersistedQueryNotFound');
    } finally {
      tw.setGqlFault(null);
    }
    assert.equal((await postGql(tw.gqlUrl, playbackAccessTokenBody('somechan'))).status, 200);
  });
});

describe('fake twitch: usher master playlist', () => {
  let tw: FakeTwitch;
  before(async () => {
    tw = await startFakeTwitch({
      clock: { mode: 'manual' },
      tokenTtlMs: 60_000,
      channels: {
        v1chan: {},
        v2chan: { masterFormat: 'v2' },
        sdchan: { masterFormat: 'v2-session-data' },
        relchan: { relativeUris: true },
        offchan: { online: false },
      },
    });
  });
  after(() => tw.close());

  it('v1: EXT-X-MEDIA names with "(source)", GROUP-ID chunked, several qualities', async () => {
    const url = await usherUrlFor(tw, 'v1chan');
    const { status, text } = await getText(url);
    assert.equal(status, 200);
    assert.equal(tags(text, '#EXT-X-TWITCH-INFO:').length, 1);
    const master = HLS.parse(text) as HLS.types.MasterPlaylist;
    assert.ok(master.isMasterPlaylist, 'master.isMasterPlaylist');
    const names = master.variants.map((v) => v.video[0]?.name);
    assert.deepEqual(names, ['1080p60 (source)', '720p60', '480p', 'audio_only']);
    assert.equal(master.variants[0].video[0].groupId, 'chunked');
    assert.equal(master.variants[2].video[0].groupId, '480p30');
    assert.deepEqual(master.variants[0].resolution, { width: 1920, height: 1080 });
    assert.equal(master.variants[0].frameRate, 60);
    for (const v of master.variants) assert.match(v.uri, /^http:\/\/127\.0\.0\.1:\d+\/v1\/playlist\/[\w-]+\.m3u8$/);
    // Each usher request mints fresh playlist URLs.
    const again = masterVariants((await getText(await usherUrlFor(tw, 'v1chan'))).text, url);
    assert.notEqual(again[0].url, master.variants[0].uri);
  });

  it('v2: IVS-NAME / STABLE-VARIANT-ID / IVS-VARIANT-SOURCE, no EXT-X-MEDIA, on both paths', async () => {
    for (const v2 of [false, true]) {
      const url = await usherUrlFor(tw, 'v2chan', { v2 });
      const { status, text } = await getText(url);
      assert.equal(status, 200);
      assert.equal(tags(text, '#EXT-X-MEDIA:').length, 0);
      const vs = masterVariants(text, url);
      assert.equal(vs.length, 4);
      const src = vs.filter((v) => v.inf.includes('IVS-VARIANT-SOURCE="source"'));
      assert.equal(src.length, 1);
      assert.match(src[0].inf, /IVS-NAME="1080p60"/);
      assert.match(src[0].inf, /STABLE-VARIANT-ID="1080p60"/);
      assert.ok(vs.some((v) => /STABLE-VARIANT-ID="480p30",IVS-NAME="480p"/.test(v.inf)), 'vs.some((v) => /STABLE-VARIANT-ID="480p30",IVS-NAME="480p"/.test(v.inf))');
      assert.equal(vs[vs.length - 1], src[0], 'source listed last as in the v2 fixture');
      HLS.parse(text);
    }
  });

  it('v2-session-data: EXT-X-SESSION-DATA and EXT-X-MEDIA, no (source) label', async () => {
    const url = await usherUrlFor(tw, 'sdchan', { v2: true });
    const { text } = await getText(url);
    assert.ok(tags(text, '#EXT-X-SESSION-DATA:DATA-ID="SERVER-TIME"').length === 1, `tags(text, '#EXT-X-SESSION-DATA:DATA-ID="SERVER-TIME"').length === 1`);
    assert.equal(tags(text, '#EXT-X-TWITCH-INFO').length, 0);
    assert.ok(!text.includes('(source)'), "!text.includes('(source)')");
    assert.equal(masterVariants(text, url).length, 4);
    HLS.parse(text);
  });

  it('honours allow_source, allow_audio_only and playlist_include_framerate', async () => {
    const url = await usherUrlFor(tw, 'v1chan', {
      params: { allow_source: 'false', allow_audio_only: 'false', playlist_include_framerate: 'false' },
    });
    const { text } = await getText(url);
    const vs = masterVariants(text, url);
    assert.deepEqual(vs.map((v) => /NAME="([^"]+)"/.exec(v.media ?? '')?.[1]), ['720p60', '480p']);
    assert.ok(!text.includes('FRAME-RATE'), "!text.includes('FRAME-RATE')");
  });

  it('rejects bad, foreign and expired tokens with 403 and a JSON error array', async () => {
    const url = new URL(await usherUrlFor(tw, 'v1chan'));
    const tampered = new URL(url);
    tampered.searchParams.set('token', url.searchParams.get('token')!.replace('"adblock":false', '"adblock":true'));
    let r = await getText(tampered.href);
    assert.equal(r.status, 403);
    const body = JSON.parse(r.text);
    assert.ok(Array.isArray(body), 'Array.isArray(body)');
    assert.equal(body[0].type, 'error');

    const foreign = new URL(url);
    foreign.pathname = '/api/channel/hls/v2chan.m3u8';
    assert.equal((await getText(foreign.href)).status, 403);

    const noSig = new URL(url);
    noSig.searchParams.delete('sig');
    assert.equal((await getText(noSig.href)).status, 403);

    tw.advance(61_000); // past tokenTtlMs
    r = await getText(url.href);
    assert.equal(r.status, 403);
    assert.match(r.text, /expired/);
  });

  it('offline channel: 404 with the transcode_does_not_exist body', async () => {
    const url = await usherUrlFor(tw, 'offchan');
    const r = await getText(url);
    assert.equal(r.status, 404);
    const [err] = JSON.parse(r.text);
    assert.equal(err.error_code, 'transcode_does_not_exist');
    assert.equal(err.error, 'twirp error not_found: transcode does not exist');
    assert.equal(err.type, 'error');
    assert.match(err.url, /\/api\/channel\/hls\/offchan\.m3u8\?/);
  });

  it('relative URIs resolve against the master / media playlist URL', async () => {
    const url = await usherUrlFor(tw, 'relchan', { v2: true });
    const { text } = await getText(url);
    const first = text.split('\n').find((l) => l.includes('v1/playlist/'))!;
    assert.ok(first.startsWith('../'), first);
    const media = masterVariants(text, url)[0].url;
    const m = await getText(media);
    assert.equal(m.status, 200);
    const segLine = m.text.split('\n').find((l) => l && !l.startsWith('#'))!;
    assert.ok(segLine.startsWith('../segment/'), segLine);
    const seg = await fetch(new URL(segLine, media));
    assert.equal(seg.status, 200);
    await seg.arrayBuffer();
  });
});

describe('fake twitch: media playlists and the clock', () => {
  let tw: FakeTwitch;
  before(async () => {
    tw = await startFakeTwitch({
      clock: { mode: 'manual', startAt: Date.UTC(2026, 0, 1, 12, 0, 0) },
      channels: { tschan: { windowSize: 6 }, mp4chan: { format: 'fmp4', windowSize: 8 }, nollchan: { lowLatency: false } },
    });
  });
  after(() => tw.close());

  async function mediaUrl(login: string, quality = 0): Promise<string> {
    const url = await usherUrlFor(tw, login);
    return masterVariants((await getText(url)).text, url)[quality].url;
  }

  it('serves a sliding live window with PROGRAM-DATE-TIME, DATERANGEs and prefetch', async () => {
    const url = await mediaUrl('tschan');
    const { status, text } = await getText(url);
    assert.equal(status, 200);
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    assert.equal(pl.targetDuration, 2);
    assert.equal(pl.segments.length, 6);
    // initial broadcast has been live 60 s: segments 24..29 complete
    assert.deepEqual(tags(text, '#EXT-X-MEDIA-SEQUENCE:'), ['#EXT-X-MEDIA-SEQUENCE:24']);
    assert.deepEqual(pl.segments.map((s) => s.mediaSequenceNumber), [24, 25, 26, 27, 28, 29]);
    const start = Date.UTC(2026, 0, 1, 12, 0, 0) - 60_000;
    pl.segments.forEach((s, i) => {
      assert.equal(s.title, 'live');
      assert.equal(s.duration, 2);
      assert.equal(s.programDateTime?.getTime(), start + (24 + i) * 2000);
      assert.match(s.uri, /\/v1\/segment\/[\w-]+\.ts$/);
    });
    assert.equal(tags(text, '#EXT-X-PROGRAM-DATE-TIME:').length, 6);
    assert.equal(tags(text, '#EXT-X-DATERANGE:').filter((l) => l.includes('CLASS="twitch-session"')).length, 1);
    const src = tags(text, '#EXT-X-DATERANGE:').filter((l) => l.includes('CLASS="twitch-stream-source"'));
    assert.equal(src.length, 1);
    assert.match(src[0], /X-TV-TWITCH-STREAM-SOURCE="live"/);
    const prefetch = tags(text, '#EXT-X-TWITCH-PREFETCH:');
    assert.equal(prefetch.length, 2);
    assert.ok(text.indexOf('#EXT-X-TWITCH-PREFETCH:') > text.lastIndexOf('#EXTINF:'), "text.indexOf('#EXT-X-TWITCH-PREFETCH:') > text.lastIndexOf('#EXTINF:')");
    assert.ok(!text.includes('#EXT-X-ENDLIST'), "!text.includes('#EXT-X-ENDLIST')");
    assert.ok(!text.includes('#EXT-X-MAP'), "!text.includes('#EXT-X-MAP')");
  });

  it('slides by one segment per segment duration of fake time', async () => {
    const url = await mediaUrl('tschan');
    const seqOf = async () => Number(tags((await getText(url)).text, '#EXT-X-MEDIA-SEQUENCE:')[0].split(':')[1]);
    const first = await seqOf();
    const before = tw.channel('tschan').status();
    tw.advance(before.nextSegmentAtMs! - tw.now() - 1);
    assert.equal(await seqOf(), first, 'not yet: 1 ms before the segment completes');
    tw.advance(1);
    assert.equal(await seqOf(), first + 1);
    tw.advance(10_000);
    assert.equal(await seqOf(), first + 6);
    assert.equal(tw.channel('tschan').status().lastSequence, first + 6 + 5);
  });

  it('fMP4 channels use EXT-X-MAP, .mp4 fragments, version 6 and TARGETDURATION 6', async () => {
    const url = await mediaUrl('mp4chan');
    const { text } = await getText(url);
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    assert.equal(pl.version, 6);
    assert.equal(pl.targetDuration, 6);
    assert.equal(pl.segments.length, 8);
    assert.equal(tags(text, '#EXT-X-MAP:').length, 1);
    assert.match(pl.segments[0].map!.uri, /\.mp4$/);
    for (const s of pl.segments) assert.match(s.uri, /\.mp4$/);
    const init = await fetch(new URL(pl.segments[0].map!.uri, url));
    assert.equal(init.status, 200);
    assert.equal(init.headers.get('content-type'), 'video/mp4');
    const head = Buffer.from(await init.arrayBuffer());
    assert.equal(head.toString('latin1', 4, 8), 'ftyp');
  });

  it('holds a prefetch segment request until the segment is complete', async () => {
    const url = await mediaUrl('tschan');
    const { text } = await getText(url);
    const pre = tags(text, '#EXT-X-TWITCH-PREFETCH:')[0].slice('#EXT-X-TWITCH-PREFETCH:'.length);
    let done = false;
    const pending = fetch(pre).then(async (r) => {
      done = true;
      return { status: r.status, size: (await r.arrayBuffer()).byteLength };
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'still being produced');
    tw.advance(2000);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.ok(res.size > 1000, 'res.size > 1000');
    // Two beyond the prefetch horizon: 404 at once.
    const last = segmentUrls(text, url).at(-1)!;
    const tooFar = new URL(last);
    const ref = JSON.parse(Buffer.from(tooFar.pathname.split('/').pop()!.replace(/\.ts$/, ''), 'base64url').toString());
    ref[3] += 10;
    tooFar.pathname = `/v1/segment/${Buffer.from(JSON.stringify(ref)).toString('base64url')}.ts`;
    assert.equal((await fetch(tooFar)).status, 404);
  });

  it('no prefetch lines on a non-low-latency stream', async () => {
    const { text } = await getText(await mediaUrl('nollchan'));
    assert.equal(tags(text, '#EXT-X-TWITCH-PREFETCH').length, 0);
  });

  it('logs requests with their meaning and counts them', async () => {
    tw.clearLog();
    const url = await mediaUrl('tschan', 1);
    const { text } = await getText(url);
    const seg = segmentUrls(text, url)[0];
    await (await fetch(seg)).arrayBuffer();
    const c = tw.counts();
    assert.equal(c.gql, 1);
    assert.equal(c.usher, 1);
    assert.equal(c.playlist, 1);
    assert.equal(c.segment, 1);
    const [g] = tw.requests('gql');
    assert.equal(g.headers['client-id'], TWITCH_WEB_CLIENT_ID);
    assert.deepEqual(g.operations, ['PlaybackAccessToken']);
    const s = await tw.waitForRequest((e) => e.kind === 'segment');
    assert.equal(s.channel, 'tschan');
    assert.equal(s.quality, '720p60');
    assert.equal(s.status, 200);
    assert.equal(s.ad, false);
    assert.equal(typeof s.sequence, 'number');
    assert.ok(s.bytes > 1000, 's.bytes > 1000');
  });
});

describe('fake twitch: real-time clock', () => {
  it('FakeClock: speed, advance and waitUntil', async () => {
    const c = new FakeClock({ speed: 50, startAt: 0 });
    const t0 = performance.now();
    await c.waitUntil(1000); // 1 s fake = 20 ms real
    assert.ok(c.now() >= 1000, 'c.now() >= 1000');
    assert.ok(performance.now() - t0 < 500, 'performance.now() - t0 < 500');
    const m = new FakeClock({ mode: 'manual', startAt: 5 });
    let fired = false;
    const w = m.waitUntil(100).then(() => (fired = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired, false);
    m.advance(95);
    await w;
    assert.equal(m.now(), 100);
    const ac = new AbortController();
    const aborted = m.waitUntil(10_000, ac.signal);
    ac.abort();
    await assert.rejects(aborted);
  });

  it('a sped-up stream produces segments without manual stepping', async () => {
    const tw = await startFakeTwitch({ clock: { speed: 20 } });
    try {
      const before = tw.channel('fakechannel').status().lastSequence!;
      await new Promise((r) => setTimeout(r, 350)); // 7 s of fake time
      const now = tw.channel('fakechannel').status().lastSequence!;
      assert.ok(now - before >= 2, `${before} -> ${now}`);
    } finally {
      await tw.close();
    }
  });
});
