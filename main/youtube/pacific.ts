/**
 * Pacific-time calendar arithmetic for YouTube quota days. The quota resets at midnight
 * America/Los_Angeles, which follows DST, so a "day" is 23, 24 or 25 hours long; we use the ICU
 * time-zone data bundled with Node rather than fixed offsets.
 */
export const QUOTA_TIME_ZONE = 'America/Los_Angeles';

const parts = new Intl.DateTimeFormat('en-US', {
  timeZone: QUOTA_TIME_ZONE,
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  hourCycle: 'h23', timeZoneName: 'short',
});

interface Wall { year: number; month: number; day: number; hour: number; minute: number; second: number; zone: string }

function wall(ms: number): Wall {
  const o: Record<string, string> = {};
  for (const p of parts.formatToParts(new Date(ms))) if (p.type !== 'literal') o[p.type] = p.value;
  return {
    year: Number(o.year), month: Number(o.month), day: Number(o.day),
    hour: Number(o.hour), minute: Number(o.minute), second: Number(o.second), zone: o.timeZoneName ?? '',
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The Pacific calendar day ("YYYY-MM-DD") containing `ms`: the key quota usage is counted under. */
export function pacificDay(ms: number): string {
  const w = wall(ms);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * First instant of the Pacific day after the one containing `ms`. Los Angeles switches DST at 02:00,
 * so midnight always exists exactly once and is at UTC-8 or UTC-7 — try both.
 */
export function nextPacificMidnight(ms: number): number {
  const w = wall(ms);
  const base = Date.UTC(w.year, w.month - 1, w.day + 1);
  for (const h of [8, 7]) {
    const c = wall(base + h * 3_600_000);
    if (c.hour === 0 && c.minute === 0 && c.second === 0) return base + h * 3_600_000;
  }
  throw new Error(`no Pacific midnight found after ${new Date(ms).toISOString()} (time-zone data missing?)`);
}

/** "2026-11-22 00:00 PST" — how parked-until times are shown to operators. */
export function formatPacific(ms: number): string {
  const w = wall(ms);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${w.zone}`;
}
