// Fake Twitch media: ffmpeg-made TS / fMP4 segments decode, timestamps advance; the generic HLS origin.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as HLS from 'hls-parser';
import {
  getSegmentPool,
  startFakeHlsOrigin,
  startFakeTwitch,
  type FakeHlsOrigin,
  type FakeTwitch,
} from '../fakes/twitch/index.ts';
import { shiftTsTimestamps, readPesTimestamp } from '../fakes/twitch/timestamps.ts';
import {
  decodeErrors,
  ffprobe,
  firstVideoFrame,
  getBytes,
  getText,
  masterVariants,
  segmentUrls,
  usherUrlFor,
  videoPacketPts,
  withTempMedia,
} from '../fakes/twitch/test-helpers.ts';

HLS.setOptions({ strictMode: true });

describe('fake twitch: segments made by ffmpeg', () => {
  let tw: FakeTwitch;
  before(async () => {
    tw = await startFakeTwitch({
      clock: { mode: 'manual' },
      channels: {
        ts: { windowSize: 10, liveForMs: 60_000 },
        mp4: { format: 'fmp4', windowSize: 10 },
        small: { segment: { width: 160, height: 90, fps: 15 }, qualities: [{ name: 'source', source: true, width: 160, height: 90, fps: 15 }] },
      },
    });
  });
  after(() => tw.close());

  async function media(login: string, quality = 0): Promise<{ url: string; text: string; segs: string[] }> {
    const u = await usherUrlFor(tw, login);
    const url = masterVariants((await getText(u)).text, u)[quality].url;
    const { text } = await getText(url);
    return { url, text, segs: segmentUrls(text, url) };
  }

  it('TS segments are independently decodable H.264/AAC starting with a keyframe', async () => {
    const { segs } = await media('ts');
    for (const s of segs.slice(-2)) {
      const r = await getBytes(s);
      assert.equal(r.status, 200);
      assert.equal(r.body[0], 0x47, 'MPEG-TS sync byte');
      await withTempMedia([r.body], 'ts', async (f) => {
        const p = await ffprobe(f);
        const v = p.streams.find((x) => x.codec_type === 'video')!;
        assert.equal(v.codec_name, 'h264');
        assert.deepEqual([v.width, v.height], [320, 180]);
        assert.equal(p.streams.find((x) => x.codec_type === 'audio')!.codec_name, 'aac');
        assert.ok(Math.abs(Number(p.format.duration) - 2) < 0.1, p.format.duration);
        assert.equal((await firstVideoFrame(f)).keyFrame, true);
        assert.equal(await decodeErrors(f), '');
      });
    }
  });

  it('fMP4 init + fragment decode; fragments need only the init segment', async () => {
    const { text, url, segs } = await media('mp4');
    const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1];
    const init = await getBytes(new URL(initUri, url).href);
    const frag = await getBytes(segs.at(-1)!);
    assert.equal(frag.status, 200);
    assert.ok(frag.body.includes(Buffer.from('moof')), "frag.body.includes(Buffer.from('moof'))");
    await withTempMedia([init.body, frag.body], 'mp4', async (f) => {
      const p = await ffprobe(f);
      assert.deepEqual(p.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
      assert.equal((await firstVideoFrame(f)).keyFrame, true);
      assert.equal(await decodeErrors(f), '');
    });
  });

  it('timestamps keep increasing when the segment pool repeats (TS and fMP4)', async () => {
    for (const login of ['ts', 'mp4'] as const) {
      const { text, url, segs } = await media(login);
      const init = login === 'mp4' ? [(await getBytes(new URL(/#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1], url).href)).body] : [];
      // Ten consecutive segments span more than two cycles of the 4-segment pool.
      const bodies = await Promise.all(segs.map(async (s) => (await getBytes(s)).body));
      assert.equal(bodies.length, 10);
      if (login === 'ts') {
        // Same pool slot one cycle apart: identical payload, PTS 8 s later.
        const a = bodies[0];
        const b = bodies[4];
        assert.equal(a.length, b.length);
        assert.notDeepEqual(a, b);
      }
      // The concatenation plays as one continuous stream: video PTS strictly increase across cycle wraps.
      await withTempMedia([...init, ...bodies], login === 'ts' ? 'ts' : 'mp4', async (f) => {
        const pts = (await videoPacketPts(f)).sort((a, b) => a - b);
        assert.equal(pts.length, bodies.length * 60);
        for (let i = 1; i < pts.length; i++) assert.ok(pts[i] > pts[i - 1], 'pts[i] > pts[i - 1]');
        assert.ok(Math.abs(pts.at(-1)! - pts[0] - (bodies.length * 2 - 1 / 30)) < 0.01, 'Math.abs(pts.at(-1)! - pts[0] - (bodies.length * 2 - 1 / 30)) < 0.01');
        assert.equal(await decodeErrors(f), '');
      });
    }
  });

  it('audio_only serves audio-only media', async () => {
    const { segs } = await media('ts', 3);
    const r = await getBytes(segs.at(-1)!);
    await withTempMedia([r.body], 'ts', async (f) => {
      const p = await ffprobe(f);
      assert.deepEqual(p.streams.map((s) => s.codec_type), ['audio']);
    });
  });

  it('segment spec is configurable per channel (resolution, fps)', async () => {
    const { segs } = await media('small');
    const r = await getBytes(segs.at(-1)!);
    await withTempMedia([r.body], 'ts', async (f) => {
      const v = (await ffprobe(f)).streams.find((s) => s.codec_type === 'video')!;
      assert.deepEqual([v.width, v.height], [160, 90]);
      assert.deepEqual((await videoPacketPts(f)).length, 30);
    });
  });

  it('pools are cached on disk and memoised in process', async () => {
    const a = await getSegmentPool({ width: 160, height: 90, fps: 15 });
    const b = await getSegmentPool({ width: 160, height: 90, fps: 15 });
    assert.equal(a, b);
    assert.ok(existsSync(path.join(a.dir, 'manifest.json')), "existsSync(path.join(a.dir, 'manifest.json'))");
    assert.equal(a.segments.length, 4);
    assert.equal(a.cycleSeconds, 8);
  });

  it('shiftTsTimestamps moves PTS by the offset and wraps at 2^33', () => {
    // Hand-made PES header inside one TS packet: PTS only.
    const pkt = Buffer.alloc(188, 0xff);
    pkt.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80, 0x80, 0x05], 0);
    const pts = 2 ** 33 - 90_000; // one second before the wrap
    const field = Buffer.alloc(5);
    field[0] = 0x21 | (Math.floor(pts / 2 ** 30) << 1);
    field[1] = (Math.floor(pts / 2 ** 15) & 0x7fff) >> 7;
    field[2] = (((Math.floor(pts / 2 ** 15) & 0x7fff) & 0x7f) << 1) | 1;
    field[3] = (pts & 0x7fff) >> 7;
    field[4] = ((pts & 0x7f) << 1) | 1;
    pkt.set(field, 13);
    assert.equal(readPesTimestamp(pkt, 13), pts);
    const moved = shiftTsTimestamps(pkt, 180_000);
    assert.equal(readPesTimestamp(moved, 13), 90_000);
    assert.equal(moved[13] & 0xf1, 0x21, 'prefix and marker bits kept');
    assert.equal(readPesTimestamp(pkt, 13), pts, 'input untouched');
  });
});

describe('generic HLS origin', () => {
  let o: FakeHlsOrigin;
  before(async () => {
    o = await startFakeHlsOrigin({
      clock: { mode: 'manual' },
      channels: { stream: { windowSize: 5 }, frag: { format: 'fmp4' }, down: { online: false } },
    });
  });
  after(() => o.close());

  it('serves a plain master with relative variant URIs', async () => {
    const { status, text } = await getText(o.masterUrl);
    assert.equal(status, 200);
    const m = HLS.parse(text) as HLS.types.MasterPlaylist;
    assert.equal(m.variants.length, 2);
    assert.equal(m.variants[0].uri, 'source/index.m3u8');
    assert.ok(!text.includes('TWITCH') && !text.includes('IVS-'), "!text.includes('TWITCH') && !text.includes('IVS-')");
    assert.equal((await getText(o.masterUrlOf('down'))).status, 404);
  });

  it('serves a standard live media playlist with decodable segments', async () => {
    const url = new URL((HLS.parse((await getText(o.masterUrl)).text) as HLS.types.MasterPlaylist).variants[0].uri, o.masterUrl).href;
    assert.equal(url, o.mediaUrl('stream', 'source'));
    let { text } = await getText(url);
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    assert.equal(pl.segments.length, 5);
    assert.ok(!/TWITCH|DATERANGE|PREFETCH/.test(text), '!/TWITCH|DATERANGE|PREFETCH/.test(text)');
    for (const s of pl.segments) {
      assert.equal(s.title, '');
      assert.ok(!s.uri.includes('/'), 'relative segment URIs');
      assert.ok(s.programDateTime, 's.programDateTime');
    }
    const seg = await getBytes(new URL(pl.segments[4].uri, url).href);
    assert.equal(await withTempMedia([seg.body], 'ts', decodeErrors), '');
    o.setProgramDateTime(false);
    ({ text } = await getText(url));
    assert.ok(!text.includes('PROGRAM-DATE-TIME'), "!text.includes('PROGRAM-DATE-TIME')");
    o.setProgramDateTime(true);
    o.advance(2000);
    assert.equal((HLS.parse((await getText(url)).text) as HLS.types.MediaPlaylist).segments[0].mediaSequenceNumber, pl.segments[1].mediaSequenceNumber);
    assert.equal(o.counts().master, 3);
  });

  it('fMP4 variant, stream end with ENDLIST, and failures', async () => {
    const url = o.mediaUrl('frag', 'low');
    const { text } = await getText(url);
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    const init = await getBytes(new URL(pl.segments[0].map!.uri, url).href);
    const frag = await getBytes(new URL(pl.segments.at(-1)!.uri, url).href);
    assert.equal(await withTempMedia([init.body, frag.body], 'mp4', decodeErrors), '');
    o.failNext('playlist', { status: 500 });
    assert.equal((await getText(url)).status, 500);
    o.channel('frag').endStream();
    assert.ok((await getText(url)).text.trimEnd().endsWith('#EXT-X-ENDLIST'), "(await getText(url)).text.trimEnd().endsWith('#EXT-X-ENDLIST')");
    assert.equal((await getText(o.masterUrlOf('frag'))).status, 404);
  });
});
