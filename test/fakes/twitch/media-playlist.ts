/**
 * Media playlist rendering: the Twitch flavour (weaver playlists with Twitch's private tags) and a plain
 * RFC 8216 flavour for the generic HLS origin. Both render a TimelineView (channel.ts), so the two
 * differ only in tags, never in timing.
 */
import type { AdBreak, Channel, TimelineEntry, TimelineView } from './channel.ts';
import { isoMs } from './origin.ts';
import type { PlaylistToken } from './tokens.ts';

export interface UriBuilder {
  /** URI of segment `e` (ad segments get a stitched-ad-... name, like Twitch's). */
  segment(e: TimelineEntry): string;
  /** URI of the init segment for live content (ad = null) or for the given ad break. */
  init(ad: AdBreak | null): string;
}

function attr(name: string, value: string | number, quoted = true): string {
  return quoted ? `${name}="${value}"` : `${name}=${value}`;
}

function adDaterange(ch: Channel, view: TimelineView, ad: AdBreak): string {
  const s = view.session;
  const seconds = (ad.toN - ad.fromN) * ch.baseSpec.segmentSeconds;
  return (
    '#EXT-X-DATERANGE:' +
    [
      attr('ID', ad.id),
      attr('CLASS', 'twitch-stitched-ad'),
      attr('START-DATE', isoMs(ch.pdtMs(s, ad.fromN))),
      attr('DURATION', seconds.toFixed(3), false),
      attr('X-TV-TWITCH-AD-ROLL-TYPE', ad.rollType),
      attr('X-TV-TWITCH-AD-POD-LENGTH', 1),
      attr('X-TV-TWITCH-AD-POD-POSITION', 0),
      attr('X-TV-TWITCH-AD-POD-FILLED-DURATION', seconds.toFixed(3)),
      attr('X-TV-TWITCH-AD-COMMERCIAL-ID', ad.commercialId),
      attr('X-TV-TWITCH-AD-CREATIVE-ID', ad.creativeId),
      attr('X-TV-TWITCH-AD-LINE-ITEM-ID', `li-${ad.creativeId}`),
      attr('X-TV-TWITCH-AD-URL', `https://ads.invalid/creative/${ad.creativeId}`),
      attr('X-TV-TWITCH-AD-CLICK-TRACKING-URL', `https://ads.invalid/click/${ad.creativeId}`),
      attr('X-TV-TWITCH-AD-RADS-TOKEN', Buffer.from(ad.id).toString('base64url')),
    ].join(',')
  );
}

function streamSourceDaterange(startMs: number, source: string): string {
  return (
    '#EXT-X-DATERANGE:' +
    [
      attr('ID', `source-${Math.floor(startMs / 1000)}`),
      attr('CLASS', 'twitch-stream-source'),
      attr('START-DATE', isoMs(startMs)),
      attr('END-ON-NEXT', 'YES', false),
      attr('X-TV-TWITCH-STREAM-SOURCE', source),
    ].join(',')
  );
}

/** The per-segment lines shared by both flavours, from the discontinuity down to the URI. */
function segmentLines(
  out: string[],
  view: TimelineView,
  uris: UriBuilder,
  opts: { fmp4: boolean; pdt: boolean; scte35: boolean; titles: boolean },
): void {
  let mapOf: AdBreak | null | undefined; // undefined = no EXT-X-MAP written yet
  for (const e of view.entries) {
    if (e.discontinuity) out.push('#EXT-X-DISCONTINUITY');
    // Ad creatives are separate encodes with their own init segment, so the map changes at ad edges.
    if (opts.fmp4 && mapOf !== e.ad) {
      out.push(`#EXT-X-MAP:URI="${uris.init(e.ad)}"`);
      mapOf = e.ad;
    }
    if (opts.scte35 && e.scte35 === 'out') out.push('#EXT-X-SCTE35-OUT');
    if (opts.scte35 && e.scte35 === 'cont') out.push('#EXT-X-SCTE35-OUT-CONT');
    if (opts.scte35 && e.scte35 === 'in') out.push('#EXT-X-SCTE35-IN');
    if (opts.pdt) out.push(`#EXT-X-PROGRAM-DATE-TIME:${isoMs(e.pdtMs)}`);
    const title = opts.titles ? (e.ad ? e.ad.title : 'live') : '';
    out.push(`#EXTINF:${e.durationSec.toFixed(3)},${title}`);
    out.push(uris.segment(e));
  }
}

/**
 * A Twitch weaver media playlist, shaped after captures (protocols.md A3):
 * header, informational DATERANGEs, ad DATERANGEs, EXT-X-MAP (fMP4), segments each with
 * PROGRAM-DATE-TIME and a "live" (or Amazon|...) EXTINF title, then EXT-X-TWITCH-PREFETCH lines on
 * low-latency streams (never during ads), and EXT-X-ENDLIST once the broadcast is over.
 */
export function renderTwitchMedia(ch: Channel, view: TimelineView, token: PlaylistToken, uris: UriBuilder): string {
  const s = view.session;
  const fmp4 = s.format === 'fmp4';
  const first = view.entries[0];
  const firstSeq = first ? first.seq : s.mediaSequenceStart + view.liveCount;
  const out: string[] = ['#EXTM3U', `#EXT-X-VERSION:${fmp4 ? 6 : 3}`, `#EXT-X-TARGETDURATION:${ch.targetDuration(s.format)}`];
  out.push(`#EXT-X-MEDIA-SEQUENCE:${firstSeq}`);
  if (view.ads.length) out.push(`#EXT-X-TWITCH-LIVE-SEQUENCE:${firstSeq}`);
  if (!fmp4) {
    // MPEG-TS era playlists carried these (values are informational; nobody should depend on them).
    const elapsed = first ? first.n * ch.baseSpec.segmentSeconds : 0;
    out.push(`#EXT-X-TWITCH-ELAPSED-SECS:${elapsed.toFixed(3)}`);
    out.push(`#EXT-X-TWITCH-TOTAL-SECS:${(view.liveCount * ch.baseSpec.segmentSeconds).toFixed(3)}`);
  }
  out.push(
    '#EXT-X-DATERANGE:' +
      [
        attr('ID', `playlist-session-${Math.floor(token.issuedAtMs / 1000)}`),
        attr('CLASS', 'twitch-session'),
        attr('START-DATE', isoMs(token.issuedAtMs)),
        attr('END-ON-NEXT', 'YES', false),
        attr('X-TV-TWITCH-SESSIONID', token.viewerSessionId),
      ].join(','),
  );
  if (!fmp4) {
    out.push(
      '#EXT-X-DATERANGE:' +
        [
          attr('ID', `assignment-${Math.floor(token.issuedAtMs / 1000)}`),
          attr('CLASS', 'twitch-assignment'),
          attr('START-DATE', isoMs(token.issuedAtMs)),
          attr('END-ON-NEXT', 'YES', false),
          attr('X-TV-TWITCH-SERVING-ID', token.token.slice(2, 34)),
          attr('X-TV-TWITCH-NODE', 'video-edge-fake.loopback'),
          attr('X-TV-TWITCH-CLUSTER', 'fake'),
        ].join(','),
    );
  }
  // Stream-source ranges: "live" from the broadcast start, "Amazon|<creative>" while an ad plays.
  if (!view.ads.some((a) => a.fromN === 0)) out.push(streamSourceDaterange(s.startMs, 'live'));
  for (const ad of view.ads) {
    if (ad.daterange) out.push(adDaterange(ch, view, ad));
    out.push(streamSourceDaterange(ch.pdtMs(s, ad.fromN), `Amazon|${ad.creativeId}`));
    if (ad.toN < view.liveCount) out.push(streamSourceDaterange(ch.pdtMs(s, ad.toN), 'live'));
  }
  segmentLines(out, view, uris, { fmp4, pdt: true, scte35: true, titles: true });
  for (const p of view.prefetch) out.push(`#EXT-X-TWITCH-PREFETCH:${uris.segment(p)}`);
  if (view.ended && s.endlist) out.push('#EXT-X-ENDLIST');
  return out.join('\n') + '\n';
}

/** A plain RFC 8216 live media playlist (generic HLS origin): no Twitch tags, empty EXTINF titles. */
export function renderGenericMedia(ch: Channel, view: TimelineView, uris: UriBuilder, opts: { pdt: boolean }): string {
  const s = view.session;
  const fmp4 = s.format === 'fmp4';
  const first = view.entries[0];
  const out: string[] = [
    '#EXTM3U',
    `#EXT-X-VERSION:${fmp4 ? 7 : 3}`,
    `#EXT-X-TARGETDURATION:${Math.ceil(ch.baseSpec.segmentSeconds)}`,
    `#EXT-X-MEDIA-SEQUENCE:${first ? first.seq : s.mediaSequenceStart + view.liveCount}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  segmentLines(out, view, uris, { fmp4, pdt: opts.pdt, scte35: false, titles: false });
  if (view.ended && s.endlist) out.push('#EXT-X-ENDLIST');
  return out.join('\n') + '\n';
}
