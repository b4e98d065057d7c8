/**
 * The recorder's HLS parsing: usher masters (v1, v2, v2 with session data, old "Source" names), quality
 * selection as wubloader names them, media playlists with PROGRAM-DATE-TIME, EXT-X-MAP, byte ranges,
 * and every ad signal (stitched-ad DATERANGE by class or id, Amazon titles, SCTE35 blocks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adDateRanges, adReason, findSource, normaliseQualityName, parseAttributes, parseDateUs, parseMasterPlaylist,
  parseMediaPlaylist, selectVariant,
} from '../../main/recorder/hls.ts';

const BASE = 'https://usher.example/api/channel/hls/x.m3u8';

const V1 = `#EXTM3U
#EXT-X-TWITCH-INFO:NODE="video-edge-c2c424.sfo03",SERVER-TIME="1704067200.00",STREAM-TIME="5819.91",USER-COUNTRY="GB"
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="chunked",NAME="1080p60 (source)",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=8128000,RESOLUTION=1920x1080,CODECS="avc1.64002A,mp4a.40.2",VIDEO="chunked",FRAME-RATE=60.000
https://video-weaver.sfo03.hls.ttvnw.net/v1/playlist/SRC.m3u8
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="720p60",NAME="720p60",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=3422999,RESOLUTION=1280x720,CODECS="avc1.4D401F,mp4a.40.2",VIDEO="720p60",FRAME-RATE=60.000
https://video-weaver.sfo03.hls.ttvnw.net/v1/playlist/720.m3u8
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="480p30",NAME="480p",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=1427999,RESOLUTION=852x480,CODECS="avc1.4D401F,mp4a.40.2",VIDEO="480p30",FRAME-RATE=30.000
https://video-weaver.sfo03.hls.ttvnw.net/v1/playlist/480.m3u8
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="audio_only",NAME="audio_only",AUTOSELECT=NO,DEFAULT=NO
#EXT-X-STREAM-INF:BANDWIDTH=160000,CODECS="mp4a.40.2",VIDEO="audio_only"
https://video-weaver.sfo03.hls.ttvnw.net/v1/playlist/audio.m3u8
`;

const V2 = `#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=3422999,RESOLUTION=1280x720,CODECS="avc1.4D401F,mp4a.40.2",FRAME-RATE=60.000,STABLE-VARIANT-ID="720p60",IVS-NAME="720p60",IVS-VARIANT-SOURCE="transcode"
https://mocked/720p60.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1427999,RESOLUTION=852x480,CODECS="avc1.4D401F,mp4a.40.2",FRAME-RATE=30.000,STABLE-VARIANT-ID="480p30",IVS-NAME="480p",IVS-VARIANT-SOURCE="transcode"
https://mocked/480p30.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=160000,CODECS="mp4a.40.2",STABLE-VARIANT-ID="audio_only",IVS-NAME="audio_only",IVS-VARIANT-SOURCE="transcode"
https://mocked/audio_only.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=9146586,RESOLUTION=1920x1080,CODECS="avc1.64002A,mp4a.40.2",FRAME-RATE=60.000,STABLE-VARIANT-ID="1080p60",IVS-NAME="1080p60",IVS-VARIANT-SOURCE="source"
https://mocked/1080p60.m3u8
`;

const SESSION_DATA = `#EXTM3U
#EXT-X-SESSION-DATA:DATA-ID="NODE",VALUE="7325bab210ad.j.cloudfront.hls.ttvnw.net"
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="720p60",NAME="720p60",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=3422999,RESOLUTION=1280x720,CODECS="avc1.4D401F,mp4a.40.2",VIDEO="720p60",FRAME-RATE=60.000
720.m3u8
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="1440p60",NAME="1440p60",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=9586583,RESOLUTION=2560x1440,CODECS="hev1.1.6.L150.90.0.0.0.0.0,mp4a.40.2",VIDEO="1440p60",FRAME-RATE=60.000
../v1/playlist/1440.m3u8
`;

test('attribute lists: quoted commas, unquoted values, case', () => {
  assert.deepEqual(parseAttributes('A=1,B="x,y",c=0x1F,D=""'), { A: '1', B: 'x,y', C: '0x1F', D: '' });
});

test('usher v1: names from EXT-X-MEDIA, source from GROUP-ID chunked', () => {
  const v = parseMasterPlaylist(V1, BASE);
  assert.deepEqual(v.map((x) => x.name), ['1080p60 (source)', '720p60', '480p', 'audio_only']);
  assert.equal(findSource(v)!.uri, 'https://video-weaver.sfo03.hls.ttvnw.net/v1/playlist/SRC.m3u8');
  assert.equal(selectVariant(v, 'source')!.uri.endsWith('SRC.m3u8'), true);
  assert.equal(selectVariant(v, '720p60')!.uri.endsWith('720.m3u8'), true);
  assert.equal(selectVariant(v, '480p')!.uri.endsWith('480.m3u8'), true);
  assert.equal(selectVariant(v, '480p30')!.uri.endsWith('480.m3u8'), true, 'GROUP-ID works too');
  assert.equal(selectVariant(v, '1080p60')!.uri.endsWith('SRC.m3u8'), true, 'normalised source name');
  assert.equal(selectVariant(v, 'audio_only')!.audioOnly, true);
  assert.equal(selectVariant(v, '160p'), null);
});

test('usher v2: IVS-NAME, STABLE-VARIANT-ID, IVS-VARIANT-SOURCE (source listed last)', () => {
  const v = parseMasterPlaylist(V2, BASE);
  assert.deepEqual(v.map((x) => x.name), ['720p60', '480p', 'audio_only', '1080p60']);
  assert.equal(selectVariant(v, 'source')!.uri, 'https://mocked/1080p60.m3u8');
  assert.equal(selectVariant(v, '480p')!.uri, 'https://mocked/480p30.m3u8');
  assert.equal(selectVariant(v, '480p30')!.uri, 'https://mocked/480p30.m3u8');
  assert.equal(selectVariant(v, 'audio_only')!.uri, 'https://mocked/audio_only.m3u8');
});

test('session-data master without a source marker: best resolution wins; relative URIs resolve', () => {
  const v = parseMasterPlaylist(SESSION_DATA, 'https://euw13.playlist.ttvnw.net/api/x.m3u8');
  assert.equal(v.filter((x) => x.markedSource).length, 0);
  assert.equal(selectVariant(v, 'source')!.uri, 'https://euw13.playlist.ttvnw.net/v1/playlist/1440.m3u8');
  assert.equal(selectVariant(v, '720p60')!.uri, 'https://euw13.playlist.ttvnw.net/api/720.m3u8');
});

test('old masters: NAME="Source" / "Audio Only" and derived names without any NAME', () => {
  const old = `#EXTM3U
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="chunked",NAME="Source",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,VIDEO="chunked"
a.m3u8
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="audio_only",NAME="Audio Only",AUTOSELECT=NO,DEFAULT=NO
#EXT-X-STREAM-INF:BANDWIDTH=100000,CODECS="mp4a.40.2",VIDEO="audio_only"
b.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,FRAME-RATE=59.940
c.m3u8
`;
  const v = parseMasterPlaylist(old, BASE);
  assert.equal(normaliseQualityName('Audio Only'), 'audio');
  assert.equal(selectVariant(v, 'source')!.name, 'Source');
  assert.equal(selectVariant(v, 'audio')!.name, 'Audio Only');
  assert.equal(v[2]!.name, '360p60');
});

test('PROGRAM-DATE-TIME keeps microseconds and accepts offsets', () => {
  assert.equal(parseDateUs('2026-10-01T19:57:16.377Z'), Date.UTC(2026, 9, 1, 19, 57, 16, 377) * 1000);
  assert.equal(parseDateUs('2026-10-01T19:57:16.377123Z'), Date.UTC(2026, 9, 1, 19, 57, 16, 377) * 1000 + 123);
  assert.equal(parseDateUs('2026-10-01T21:57:16+02:00'), Date.UTC(2026, 9, 1, 19, 57, 16) * 1000);
  assert.equal(parseDateUs('2026-10-01T21:57:16.5+0200'), Date.UTC(2026, 9, 1, 19, 57, 16, 500) * 1000);
  assert.equal(parseDateUs('yesterday'), null);
});

const FMP4 = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:8378
#EXT-X-TWITCH-LIVE-SEQUENCE:8378
#EXT-X-DATERANGE:ID="playlist-session-1790884138",CLASS="twitch-session",START-DATE="2026-10-01T19:48:58.345Z",END-ON-NEXT=YES,X-TV-TWITCH-SESSIONID="8127737990597563640"
#EXT-X-DATERANGE:ID="stitched-ad-1790884636-0",CLASS="twitch-stitched-ad",START-DATE="2026-10-01T19:57:18.377Z",DURATION=4.000,X-TV-TWITCH-AD-ROLL-TYPE="MIDROLL"
#EXT-X-MAP:URI="https://edge/v1/segment/INIT.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-10-01T19:57:16.377Z
#EXTINF:2.000,live
https://edge/v1/segment/S1.mp4
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-10-01T19:57:18.377Z
#EXTINF:2.000,live
https://edge/v1/segment/S2.mp4
#EXT-X-PROGRAM-DATE-TIME:2026-10-01T19:57:20.377Z
#EXTINF:2.000,live
https://edge/v1/segment/S3.mp4
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="INIT2.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-10-01T19:57:22.377Z
#EXTINF:2.000,live
https://edge/v1/segment/S4.mp4
#EXT-X-TWITCH-PREFETCH:https://edge/v1/segment/S5.mp4
`;

test('media playlist: sequence, PDT, map changes, discontinuities; prefetch lines are not segments', () => {
  const pl = parseMediaPlaylist(FMP4, 'https://edge/v1/playlist/P.m3u8');
  assert.equal(pl.targetDuration, 6);
  assert.equal(pl.endList, false);
  assert.deepEqual(pl.segments.map((s) => s.sequence), [8378, 8379, 8380, 8381]);
  assert.deepEqual(pl.segments.map((s) => s.discontinuity), [false, true, false, true]);
  assert.equal(pl.segments[0]!.map!.uri, 'https://edge/v1/segment/INIT.mp4');
  assert.equal(pl.segments[3]!.map!.uri, 'https://edge/v1/playlist/INIT2.mp4');
  assert.equal(pl.segments[1]!.programDateTime, Date.UTC(2026, 9, 1, 19, 57, 18, 377) * 1000);
  // DATERANGE [18.377, 22.377): S2 and S3 are ads, S1 and S4 are not.
  const ranges = adDateRanges(pl);
  assert.equal(ranges.length, 1);
  assert.deepEqual(pl.segments.map((s) => adReason(s, s.programDateTime, ranges) !== null), [false, true, true, false]);
});

test('ad signals: DATERANGE by id only, Amazon titles, SCTE35 blocks incl. OUT-CONT; ENDLIST', () => {
  const text = `#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-DATERANGE:ID="stitched-ad-1-2",CLASS="something-else",START-DATE="2026-01-01T00:00:02.000Z",END-DATE="2026-01-01T00:00:04.000Z"
#EXT-X-DATERANGE:ID="open",CLASS="twitch-stream-source",START-DATE="2026-01-01T00:00:00.000Z"
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z
#EXTINF:2.000,live
s10.ts
#EXTINF:2.000,live
s11.ts
#EXTINF:2.000,Amazon|2474283100494
s12.ts
#EXT-X-SCTE35-OUT
#EXTINF:2.000,
s13.ts
#EXTINF:2.000,
s14.ts
#EXT-X-SCTE35-IN
#EXTINF:2.000,
s15.ts
#EXT-X-SCTE35-OUT-CONT
#EXTINF:2.000,
s16.ts
#EXTINF:2.000,
s17.ts
#EXT-X-ENDLIST
`;
  const pl = parseMediaPlaylist(text, 'https://o/x/p.m3u8');
  assert.equal(pl.endList, true);
  assert.equal(pl.segments[1]!.uri, 'https://o/x/s11.ts');
  const ranges = adDateRanges(pl);
  assert.deepEqual(ranges.map((r) => r.id), ['stitched-ad-1-2'], 'only ad ranges (by id here), not stream-source ones');
  const t0 = Date.UTC(2026, 0, 1) * 1000;
  const isAd = pl.segments.map((s, i) => adReason(s, t0 + i * 2_000_000, ranges) !== null);
  assert.deepEqual(isAd, [false, true, true, true, true, false, true, false]);
  assert.match(adReason(pl.segments[2]!, null, [])!, /Amazon/);
  assert.match(adReason(pl.segments[3]!, null, [])!, /SCTE35/);
});

test('byte ranges carry their implicit offsets; a master is refused as a media playlist', () => {
  const text = `#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MAP:URI="all.mp4",BYTERANGE="700@0"
#EXTINF:2,
#EXT-X-BYTERANGE:1000@700
all.mp4
#EXTINF:2,
#EXT-X-BYTERANGE:1500
all.mp4
`;
  const pl = parseMediaPlaylist(text, 'https://o/p.m3u8');
  assert.deepEqual(pl.segments.map((s) => s.byteRange), [{ length: 1000, offset: 700 }, { length: 1500, offset: 1700 }]);
  assert.deepEqual(pl.segments[0]!.map!.byteRange, { length: 700, offset: 0 });
  assert.throws(() => parseMediaPlaylist(V2, BASE), /multivariant/);
  assert.throws(() => parseMediaPlaylist('<html>', BASE), /EXTM3U/);
});
