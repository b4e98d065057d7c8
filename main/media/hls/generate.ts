/**
 * HLS playlist text for the restreamer, matching wubloader's generate_hls output except that
 * TARGETDURATION is an integer (RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer must be
 * <= it), which hls.js and Safari both rely on.
 */
import type { SegmentOrHole } from '../segments/select.ts';
import type { SegmentInfo } from '../segments/names.ts';

/** Canned bandwidths wubloader advertises per quality name; anything else (incl. source) gets 1080p's. */
const BANDWIDTHS: Record<string, number> = {
  '1080p': 6846146, '720p': 2373000, '480p': 1427999, '360p': 630000, '160p': 230000,
};

export function bandwidthFor(quality: string): number {
  return BANDWIDTHS[quality] ?? BANDWIDTHS['1080p']!;
}

/** Python's urllib.parse.quote(s) with its default safe='/': letters, digits, '_.-~' and '/' stay. */
export function pyQuote(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function generateMaster(qualities: { name: string; url: string }[]): string {
  let out = '#EXTM3U\n';
  for (const q of qualities) {
    out += `#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="${q.name}",NAME="${q.name}",AUTOSELECT=YES,DEFAULT=YES\n`;
    out += `#EXT-X-STREAM-INF:VIDEO="${q.name}",NAME="${q.name}",BANDWIDTH=${bandwidthFor(q.name)}\n`;
    out += `${q.url}\n`;
  }
  return out;
}

/** "%Y-%m-%dT%H:%M:%S.%fZ" for epoch microseconds. */
export function formatProgramDateTime(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2019-11-13T02:45:51.608Z
  return `${iso.slice(0, 19)}.${String(us - Math.floor(us / 1_000_000) * 1_000_000).padStart(6, '0')}Z`;
}

export function targetDuration(segments: SegmentOrHole[]): number {
  let max = 0;
  for (const s of segments) if (s) max = Math.max(max, Math.round(s.duration / 1_000_000));
  return max > 0 ? max : 6;
}

/**
 * The three lines of one segment. SegmentInfo objects live as long as the store's hour cache, so the
 * rendered text is memoised on them: a warm 12-hour playlist is then mostly string concatenation.
 */
const renderedLines = new WeakMap<SegmentInfo, string>();

function segmentLines(s: SegmentInfo, baseUrl: string): string {
  let lines = baseUrl === '' ? renderedLines.get(s) : undefined;
  if (lines === undefined) {
    lines =
      `#EXT-X-PROGRAM-DATE-TIME:${formatProgramDateTime(s.start)}\n` +
      `#EXTINF:${(s.duration / 1_000_000).toFixed(3)},live\n` +
      `${baseUrl}${pyQuote(`/segments/${s.path}`)}\n`;
    if (baseUrl === '') renderedLines.set(s, lines);
  }
  return lines;
}

/**
 * Media playlist as a sequence of text chunks (one per `chunkSize` segments) so a 12-hour playlist
 * (21,600 segments, ~2.5 MB) is streamed to the client instead of built as one string.
 * A leading hole is dropped; inner holes become DISCONTINUITY; a trailing hole means the range is
 * not complete yet, so there is no ENDLIST (the player keeps polling like a live stream).
 */
export function* generateMediaChunks(segments: SegmentOrHole[], baseUrl = '', chunkSize = 1000): Generator<string> {
  let items = segments;
  if (items.length > 0 && items[0] === null) items = items.slice(1);
  const complete = items.length > 0 && items[items.length - 1] !== null;
  if (!complete && items.length > 0) items = items.slice(0, -1);
  let buf = `#EXTM3U\n#EXT-X-TARGETDURATION:${targetDuration(items)}\n`;
  let n = 0;
  for (const s of items) {
    buf += s === null ? '#EXT-X-DISCONTINUITY\n' : segmentLines(s, baseUrl);
    if (++n % chunkSize === 0) {
      yield buf;
      buf = '';
    }
  }
  if (complete) buf += '#EXT-X-ENDLIST\n';
  yield buf;
}

export function generateMedia(segments: SegmentOrHole[], baseUrl = ''): string {
  return [...generateMediaChunks(segments, baseUrl)].join('');
}
