/**
 * Segment path grammar, compatible byte-for-byte with wubloader:
 *   CHANNEL/QUALITY/%Y-%m-%dT%H/%M:%S.%f-DURATION-TYPE-HASH.ts
 * DURATION is Python's str(float(x)) ("2.0", "2.002"); HASH is the unpadded url-safe base64 of the
 * sha256 of the file bytes (for `temp` files it is a random uuid instead).
 *
 * Times are carried as integer microseconds since the Unix epoch (UTC): wubloader writes %f (6 digits),
 * and integers keep comparisons and round-trips exact where float milliseconds would not.
 */
export const SEGMENT_TYPES = ['full', 'suspect', 'partial', 'temp'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

export interface SegmentInfo {
  /** store-relative path: channel/quality/hour/filename */
  path: string;
  channel: string;
  quality: string;
  hour: string;
  filename: string;
  /** start, integer microseconds since epoch (UTC) */
  start: number;
  /** duration in microseconds */
  duration: number;
  /** duration exactly as written in the name (kept so names round-trip) */
  durationText: string;
  type: SegmentType;
  /** url-safe base64 sha256 (null for temp) */
  hash: string | null;
}

export const US_PER_SECOND = 1_000_000;
export const US_PER_HOUR = 3600 * US_PER_SECOND;

const HOUR_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})\.(\d{1,6})$/;
const HASH_RE = /^[A-Za-z0-9_-]{43}$/;
const DURATION_RE = /^\d+(\.\d+)?(e[+-]?\d+)?$/;

export class BadSegmentPath extends Error {
  constructor(path: string, why: string) {
    super(`Bad path ${JSON.stringify(path)}: ${why}`);
  }
}

/** Parse "%Y-%m-%dT%H" to epoch microseconds, or null if malformed. */
export function parseHour(hour: string): number | null {
  const m = HOUR_RE.exec(hour);
  if (!m) return null;
  const [y, mo, d, h] = m.slice(1).map(Number) as [number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23) return null;
  const ms = Date.UTC(y, mo - 1, d, h);
  // Reject dates like Feb 31 that Date.UTC silently rolls over.
  if (new Date(ms).getUTCDate() !== d) return null;
  return ms * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Format epoch microseconds as the hour folder name "%Y-%m-%dT%H". */
export function formatHour(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}`;
}

/** Truncate epoch microseconds to the start of its hour. */
export function truncateHour(us: number): number {
  return Math.floor(us / US_PER_HOUR) * US_PER_HOUR;
}

/** Python's str(float(seconds)) for durations, so names match what wubloader writes. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`bad duration ${seconds}`);
  const s = String(seconds);
  return Number.isInteger(seconds) && !s.includes('e') ? `${s}.0` : s;
}

/** Filename prefix "%M:%S.%f-DURATION" shared by every type of one segment. */
export function segmentPrefix(start: number, durationSeconds: number): string {
  const withinHour = start - truncateHour(start);
  const minutes = Math.floor(withinHour / (60 * US_PER_SECOND));
  const micros = withinHour - minutes * 60 * US_PER_SECOND;
  const seconds = Math.floor(micros / US_PER_SECOND);
  const frac = micros - seconds * US_PER_SECOND;
  return `${pad(minutes)}:${pad(seconds)}.${pad(frac, 6)}-${formatDuration(durationSeconds)}`;
}

export function segmentFilename(start: number, durationSeconds: number, type: SegmentType, hashOrUuid: string): string {
  return `${segmentPrefix(start, durationSeconds)}-${type}-${hashOrUuid}.ts`;
}

/** Relative path channel/quality/hour/filename for a new segment. */
export function segmentRelPath(
  channel: string, quality: string, start: number, durationSeconds: number, type: SegmentType, hashOrUuid: string,
): string {
  return `${channel}/${quality}/${formatHour(start)}/${segmentFilename(start, durationSeconds, type, hashOrUuid)}`;
}

/**
 * Parse a segment path (absolute or relative; only the last four parts matter), as wubloader's
 * parse_segment_path does. Throws BadSegmentPath for anything that is not a segment name.
 */
export function parseSegmentPath(path: string): SegmentInfo {
  const parts = path.split('/');
  const filename = parts[parts.length - 1] ?? '';
  const hour = parts[parts.length - 2] ?? '';
  const quality = parts[parts.length - 3] ?? '';
  const channel = parts[parts.length - 4] ?? '';
  if (!filename.endsWith('.ts')) throw new BadSegmentPath(path, 'not a .ts file');
  const body = filename.slice(0, -3);
  // split('-', 3) in Python: the hash itself may contain '-', so only the first three dashes split.
  const d1 = body.indexOf('-');
  const d2 = d1 < 0 ? -1 : body.indexOf('-', d1 + 1);
  const d3 = d2 < 0 ? -1 : body.indexOf('-', d2 + 1);
  if (d3 < 0) throw new BadSegmentPath(path, 'expected TIME-DURATION-TYPE-HASH');
  const time = body.slice(0, d1);
  const durationText = body.slice(d1 + 1, d2);
  const type = body.slice(d2 + 1, d3) as SegmentType;
  const arg = body.slice(d3 + 1);
  if (!SEGMENT_TYPES.includes(type)) throw new BadSegmentPath(path, `unknown type ${type}`);
  const hourStart = parseHour(hour);
  if (hourStart === null) throw new BadSegmentPath(path, `bad hour ${hour}`);
  const tm = TIME_RE.exec(time);
  if (!tm) throw new BadSegmentPath(path, `bad time ${time}`);
  const minutes = Number(tm[1]);
  const seconds = Number(tm[2]);
  if (minutes > 59 || seconds > 59) throw new BadSegmentPath(path, `bad time ${time}`);
  const frac = Number((tm[3] ?? '').padEnd(6, '0'));
  if (!DURATION_RE.test(durationText)) throw new BadSegmentPath(path, `bad duration ${durationText}`);
  const durationSeconds = Number(durationText);
  let hash: string | null = null;
  if (type !== 'temp') {
    if (!HASH_RE.test(arg)) throw new BadSegmentPath(path, 'bad hash');
    hash = arg;
  }
  return {
    path: [channel, quality, hour, filename].join('/'),
    channel, quality, hour, filename,
    start: hourStart + (minutes * 60 + seconds) * US_PER_SECOND + frac,
    duration: Math.round(durationSeconds * US_PER_SECOND),
    durationText,
    type,
    hash,
  };
}

/** parseSegmentPath that returns null instead of throwing (for directory scans). */
export function tryParseSegmentPath(path: string): SegmentInfo | null {
  try {
    return parseSegmentPath(path);
  } catch {
    return null;
  }
}

export const segmentEnd = (s: SegmentInfo) => s.start + s.duration;
export const isPartial = (s: SegmentInfo) => s.type !== 'full';
