/**
 * Time helpers: an injectable manual clock for tests, and the Pacific-time
 * day arithmetic the quota ledger needs.
 *
 * YouTube quota resets at midnight America/Los_Angeles, which follows DST
 * (protocols.md B8), so "one day" is sometimes 23 or 25 hours long. We lean on
 * the ICU time-zone data bundled with Node instead of hard-coding offsets.
 */

export interface ManualClock {
  /** Current time in epoch milliseconds; pass this function as `clock`. */
  now: () => number;
  /** Move time forward (or backward with a negative value). */
  advance: (ms: number) => void;
  /** Jump to an absolute epoch-ms time. */
  set: (ms: number) => void;
}

/** A clock that only moves when the test says so. */
export function createManualClock(startMs: number = Date.UTC(2026, 0, 15, 12, 0, 0)): ManualClock {
  let t = startMs;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

export const QUOTA_TIME_ZONE = 'America/Los_Angeles';

const ptFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: QUOTA_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function ptWallTime(ms: number): WallTime {
  const parts: Record<string, number> = {};
  for (const p of ptFormat.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The Pacific-time calendar day ("YYYY-MM-DD") that contains `ms`. */
export function pacificDayKey(ms: number): string {
  const w = ptWallTime(ms);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/**
 * The first instant of the next Pacific-time day after `ms`, in epoch ms.
 * Midnight always exists and is unique in Los Angeles (DST switches at 02:00),
 * and the UTC offset is either -8 h or -7 h, so we try both candidates.
 */
export function nextPacificMidnight(ms: number): number {
  const w = ptWallTime(ms);
  const nextDayUtcMidnight = Date.UTC(w.year, w.month - 1, w.day + 1);
  for (const offsetHours of [8, 7]) {
    const candidate = nextDayUtcMidnight + offsetHours * 3_600_000;
    const c = ptWallTime(candidate);
    if (c.hour === 0 && c.minute === 0 && c.second === 0) return candidate;
  }
  // Unreachable with real tz data; fall back to a 24 h step rather than throwing.
  return ms + 86_400_000;
}
