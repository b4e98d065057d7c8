/**
 * Query-parameter parsing shared by the restreamer routes. Every parser throws HttpError(400) with a
 * message an operator can act on; nothing reaches the store until its inputs have parsed.
 */
import { z } from 'zod';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]00:?00)?$/;

/** ISO 8601 UTC timestamp → epoch microseconds. Offsets other than UTC are refused, not guessed. */
export function parseTime(value: string, name = 'time'): number {
  const m = TIME_RE.exec(value.trim());
  if (!m) throw new HttpError(400, `Invalid ${name} ${JSON.stringify(value)}: expected ISO 8601 UTC like 2026-11-21T19:02:03.5Z`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) {
    throw new HttpError(400, `Invalid ${name} ${JSON.stringify(value)}: out of range`);
  }
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (new Date(ms).getUTCDate() !== d) throw new HttpError(400, `Invalid ${name} ${JSON.stringify(value)}: no such date`);
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0'));
}

export function optionalTime(q: URLSearchParams, name: string): number | null {
  const v = q.get(name);
  return v === null || v === '' ? null : parseTime(v, name);
}

export function requiredTime(q: URLSearchParams, name: string): number {
  const v = optionalTime(q, name);
  if (v === null) throw new HttpError(400, `Missing required parameter ${name}`);
  return v;
}

export function parseBool(q: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  if (v === null) return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new HttpError(400, `Invalid ${name} ${JSON.stringify(v)}: must be true or false`);
}

const sizeSchema = z.string().regex(/^\d{1,4}x\d{1,4}$/);

/** "WxH" with both sides in 1..4096. */
export function parseSize(q: URLSearchParams, name: string, dflt: [number, number]): [number, number] {
  const v = q.get(name);
  if (v === null) return dflt;
  if (!sizeSchema.safeParse(v).success) throw new HttpError(400, `Invalid ${name} ${JSON.stringify(v)}: expected WIDTHxHEIGHT`);
  const [w, h] = v.split('x').map(Number) as [number, number];
  if (w < 1 || h < 1 || w > 4096 || h > 4096) throw new HttpError(400, `Invalid ${name} ${JSON.stringify(v)}: each side must be 1..4096`);
  return [w, h];
}

export interface TimeRange {
  start: number;
  end: number;
}

/** Repeated `range=START,END` parameters. */
export function parseRanges(q: URLSearchParams): TimeRange[] {
  return q.getAll('range').map((r) => {
    const parts = r.split(',');
    if (parts.length !== 2) throw new HttpError(400, `Invalid range ${JSON.stringify(r)}: expected START,END`);
    return { start: parseTime(parts[0]!, 'range start'), end: parseTime(parts[1]!, 'range end') };
  });
}

export interface Transition {
  type: string;
  duration: number;
}

/** Repeated `transition=TYPE,DURATION` or `transition=` (hard cut). */
export function parseTransitions(q: URLSearchParams): (Transition | null)[] {
  return q.getAll('transition').map((t) => {
    if (t === '') return null;
    const parts = t.split(',');
    const duration = Number(parts[1]);
    if (parts.length !== 2 || !/^[a-z]+$/.test(parts[0]!) || !Number.isFinite(duration) || duration <= 0 || duration > 60) {
      throw new HttpError(400, `Invalid transition ${JSON.stringify(t)}: expected TYPE,SECONDS (0 < SECONDS <= 60)`);
    }
    return { type: parts[0]!, duration };
  });
}
