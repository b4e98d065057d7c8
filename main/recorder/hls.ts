/**
 * The HLS the recorder needs, parsed by hand so every Twitch quirk is under our control
 * (protocols.md A2/A3): multivariant playlists in usher's v1 (EXT-X-MEDIA names) and v2 (IVS-NAME,
 * STABLE-VARIANT-ID) shapes, and live media playlists with PROGRAM-DATE-TIME, EXT-X-MAP, DATERANGEs,
 * legacy SCTE35 markers, discontinuities and ENDLIST. Pure functions, unit-tested.
 */

export type Attributes = Record<string, string>;

/** Parse an attribute list (`A=1,B="x,y",C=0x1F`); quoted values are unquoted. */
export function parseAttributes(s: string): Attributes {
  const out: Attributes = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*("([^"]*)"|[^,]*)\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < s.length && (m = re.exec(s))) {
    out[m[1]!.toUpperCase()] = m[3] !== undefined ? m[3] : m[2]!.trim();
    if (m[0].length === 0) break;
  }
  return out;
}

function tagValue(line: string): string {
  const i = line.indexOf(':');
  return i < 0 ? '' : line.slice(i + 1);
}

function resolveUri(uri: string, base: string): string {
  return new URL(uri, base).href;
}

/** ISO-8601 date → epoch microseconds (keeps sub-millisecond digits), or null. */
export function parseDateUs(s: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(s.trim());
  if (!m) return null;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}${zone.toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  const frac = (m[2] ?? '').slice(0, 6).padEnd(6, '0');
  return ms * 1000 + Number(frac);
}

// ---------------------------------------------------------------------------------------------
// Multivariant ("master") playlists

export interface Variant {
  /** absolute media playlist URL */
  uri: string;
  attrs: Attributes;
  /** the EXT-X-MEDIA TYPE=VIDEO rendition whose GROUP-ID this variant references, if any */
  media: Attributes | null;
  bandwidth: number;
  width: number;
  height: number;
  frameRate: number;
  /** the rendition's display name: EXT-X-MEDIA NAME, else IVS-NAME, else {height}p{fps} */
  name: string;
  /** GROUP-ID (v1) or STABLE-VARIANT-ID (v2), e.g. "chunked", "480p30" */
  stableId: string | null;
  /** flagged as the source rendition (GROUP-ID chunked, IVS-VARIANT-SOURCE=source, NAME "(source)", /chunked/ URL) */
  markedSource: boolean;
  audioOnly: boolean;
}

export function isMasterPlaylist(text: string): boolean {
  return /^#EXT-X-STREAM-INF:/m.test(text);
}

export function parseMasterPlaylist(text: string, baseUrl: string): Variant[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an M3U8 playlist (no #EXTM3U header)');
  const videoMedia = new Map<string, Attributes>();
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = parseAttributes(tagValue(line));
      if (a.TYPE === 'VIDEO' && a['GROUP-ID'] !== undefined) videoMedia.set(a['GROUP-ID'], a);
    }
  }
  const out: Variant[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    let j = i + 1;
    while (j < lines.length && (lines[j] === '' || lines[j]!.startsWith('#'))) j++;
    const uriLine = lines[j];
    if (!uriLine) continue;
    i = j;
    const attrs = parseAttributes(tagValue(line));
    const group = attrs.VIDEO;
    const media = group !== undefined ? (videoMedia.get(group) ?? null) : null;
    const res = /^(\d+)x(\d+)$/.exec(attrs.RESOLUTION ?? '');
    const width = res ? Number(res[1]) : 0;
    const height = res ? Number(res[2]) : 0;
    const frameRate = Number(attrs['FRAME-RATE'] ?? 0) || 0;
    const codecs = (attrs.CODECS ?? '').toLowerCase();
    const audioOnly = !res && codecs !== '' && !/avc|hev|hvc|av01|vp0?9/.test(codecs);
    let name = media?.NAME ?? attrs['IVS-NAME'] ?? '';
    if (!name) name = height ? `${height}p${frameRate > 30 ? Math.ceil(frameRate) : ''}` : audioOnly ? 'audio_only' : '';
    const stableId = group ?? attrs['STABLE-VARIANT-ID'] ?? null;
    const uri = resolveUri(uriLine, baseUrl);
    const markedSource =
      group === 'chunked' ||
      (attrs['IVS-VARIANT-SOURCE'] ?? '').toLowerCase() === 'source' ||
      /\(source\)/i.test(name) ||
      /\/chunked\//.test(uri);
    out.push({
      uri, attrs, media, bandwidth: Number(attrs.BANDWIDTH ?? 0) || 0, width, height, frameRate,
      name, stableId, markedSource, audioOnly,
    });
  }
  return out;
}

/** streamlink's normalisation: leading [A-Za-z0-9_+] run, lowercased ("1080p60 (source)" → "1080p60"). */
export function normaliseQualityName(name: string): string {
  const m = /^[A-Za-z0-9_+]+/.exec(name.trim());
  return (m ? m[0] : name.trim()).toLowerCase();
}

/**
 * The source rendition: the one flagged as source (exactly one), else the best video by resolution,
 * then frame rate, then bandwidth (usher's 2026 session-data masters carry no marker at all).
 */
export function findSource(variants: Variant[]): Variant | null {
  const marked = variants.filter((v) => v.markedSource);
  if (marked.length === 1) return marked[0]!;
  const pool = (marked.length > 1 ? marked : variants).filter((v) => !v.audioOnly);
  if (pool.length === 0) return null;
  return pool.reduce((best, v) => {
    if (v.height * v.width !== best.height * best.width) return v.height * v.width > best.height * best.width ? v : best;
    if (v.frameRate !== best.frameRate) return v.frameRate > best.frameRate ? v : best;
    return v.bandwidth > best.bandwidth ? v : best;
  });
}

/**
 * Pick the variant for a quality name as wubloader names them: `source`, or the rendition name
 * (`720p60`, `480p`, `audio_only`). Also accepted: the stable id (`480p30`) and streamlink's
 * normalised names (`audio` for "Audio Only", `1080p60` for the source "1080p60 (source)").
 */
export function selectVariant(variants: Variant[], quality: string): Variant | null {
  if (quality === 'source') return findSource(variants);
  const exact = variants.find((v) => v.name === quality);
  if (exact) return exact;
  const q = quality.toLowerCase();
  return (
    variants.find((v) => normaliseQualityName(v.name) === q) ??
    variants.find((v) => v.stableId !== null && v.stableId.toLowerCase() === q) ??
    variants.find((v) => q === 'audio_only' && v.audioOnly) ??
    null
  );
}

// ---------------------------------------------------------------------------------------------
// Media playlists

export interface ByteRange {
  length: number;
  offset: number;
}

export interface MediaSegment {
  /** absolute URL */
  uri: string;
  /** media sequence number */
  sequence: number;
  /** EXTINF duration, seconds */
  duration: number;
  /** EXTINF title ("live", "Amazon|...", "") */
  title: string;
  /** EXT-X-PROGRAM-DATE-TIME of this segment (epoch µs), when the playlist gave one */
  programDateTime: number | null;
  /** an EXT-X-DISCONTINUITY precedes this segment */
  discontinuity: boolean;
  /** the EXT-X-MAP (fMP4 init segment) in force for this segment */
  map: { uri: string; byteRange: ByteRange | null } | null;
  byteRange: ByteRange | null;
  /** inside an EXT-X-SCTE35-OUT ... -IN block (legacy ad marker) */
  scte35: boolean;
}

export interface DateRange {
  attrs: Attributes;
  id: string;
  class: string;
  /** epoch µs */
  start: number | null;
  /** epoch µs; null = open-ended */
  end: number | null;
}

export interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  segments: MediaSegment[];
  dateRanges: DateRange[];
  endList: boolean;
}

function parseByteRange(s: string, previousEnd: number | null): ByteRange | null {
  const m = /^(\d+)(?:@(\d+))?$/.exec(s.trim());
  if (!m) return null;
  const length = Number(m[1]);
  const offset = m[2] !== undefined ? Number(m[2]) : (previousEnd ?? 0);
  return { length, offset };
}

export function parseMediaPlaylist(text: string, baseUrl: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an M3U8 playlist (no #EXTM3U header)');
  if (isMasterPlaylist(text)) throw new Error('expected a media playlist, got a multivariant playlist');
  const pl: MediaPlaylist = { targetDuration: 0, mediaSequence: 0, segments: [], dateRanges: [], endList: false };
  let seq: number | null = null;
  let pending: { duration: number; title: string } | null = null;
  let pdt: number | null = null;
  let discontinuity = false;
  let map: MediaSegment['map'] = null;
  let byteRange: ByteRange | null = null;
  let lastRangeEnd: number | null = null;
  let scte35 = false;
  let scte35ThisSegment = false;
  for (const line of lines) {
    if (line === '') continue;
    if (!line.startsWith('#')) {
      if (!pending) continue; // a URI without EXTINF: not a segment we understand
      if (seq === null) seq = pl.mediaSequence;
      pl.segments.push({
        uri: resolveUri(line, baseUrl), sequence: seq++, duration: pending.duration, title: pending.title,
        programDateTime: pdt, discontinuity, map, byteRange, scte35: scte35 || scte35ThisSegment,
      });
      if (byteRange) lastRangeEnd = byteRange.offset + byteRange.length;
      pending = null;
      pdt = null;
      discontinuity = false;
      byteRange = null;
      scte35ThisSegment = false;
      continue;
    }
    const v = tagValue(line);
    if (line.startsWith('#EXT-X-TARGETDURATION:')) pl.targetDuration = Number(v) || 0;
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) pl.mediaSequence = Number(v) || 0;
    else if (line.startsWith('#EXTINF:')) {
      const comma = v.indexOf(',');
      const duration = Number(comma < 0 ? v : v.slice(0, comma));
      pending = { duration: Number.isFinite(duration) && duration >= 0 ? duration : 0, title: comma < 0 ? '' : v.slice(comma + 1) };
    } else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = parseDateUs(v);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-MAP:')) {
      const a = parseAttributes(v);
      map = a.URI ? { uri: resolveUri(a.URI, baseUrl), byteRange: a.BYTERANGE ? parseByteRange(a.BYTERANGE, 0) : null } : null;
    } else if (line.startsWith('#EXT-X-BYTERANGE:')) byteRange = parseByteRange(v, lastRangeEnd);
    else if (line.startsWith('#EXT-X-DATERANGE:')) {
      const a = parseAttributes(v);
      const start = a['START-DATE'] ? parseDateUs(a['START-DATE']) : null;
      let end: number | null = a['END-DATE'] ? parseDateUs(a['END-DATE']) : null;
      const dur = a.DURATION ?? a['PLANNED-DURATION'];
      if (end === null && start !== null && dur !== undefined && Number.isFinite(Number(dur))) {
        end = start + Math.round(Number(dur) * 1_000_000);
      }
      pl.dateRanges.push({ attrs: a, id: a.ID ?? '', class: a.CLASS ?? '', start, end });
    } else if (line.startsWith('#EXT-X-SCTE35-OUT-CONT')) scte35ThisSegment = true;
    else if (line.startsWith('#EXT-X-SCTE35-OUT')) scte35 = true;
    else if (line.startsWith('#EXT-X-SCTE35-IN')) scte35 = false;
    else if (line.startsWith('#EXT-X-CUE-OUT-CONT')) scte35ThisSegment = true;
    else if (line.startsWith('#EXT-X-CUE-OUT')) scte35 = true;
    else if (line.startsWith('#EXT-X-CUE-IN')) scte35 = false;
    else if (line === '#EXT-X-ENDLIST') pl.endList = true;
  }
  return pl;
}

/** Ad pods announced as DATERANGEs: CLASS twitch-stitched-ad, or an ID starting stitched-ad- (streamlink's rule). */
export function adDateRanges(pl: MediaPlaylist): DateRange[] {
  return pl.dateRanges.filter((d) => d.class === 'twitch-stitched-ad' || d.id.startsWith('stitched-ad-'));
}

/**
 * Why a segment is an ad, or null for content. `time` is the segment's start (epoch µs; its own
 * PROGRAM-DATE-TIME or the extrapolated one).
 */
export function adReason(seg: MediaSegment, time: number | null, ranges: DateRange[]): string | null {
  if (seg.title.includes('Amazon')) return `EXTINF title ${JSON.stringify(seg.title)}`;
  if (seg.scte35) return 'inside SCTE35 ad markers';
  if (time !== null) {
    for (const r of ranges) {
      if (r.start !== null && r.start <= time && (r.end === null || time < r.end)) return `in ad DATERANGE ${r.id}`;
    }
  }
  return null;
}
