/**
 * Time helpers shared by the screens. Wall-clock times are epoch microseconds (as in the store and the
 * API); the UI shows UTC. Pure functions: unit-tested under Node.
 */
export const US = 1_000_000;

export function isoFromUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(((us % 1000) + 1000) % 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${micro}Z`);
}

export function usFromIso(iso: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,6}))?Z?$/.exec(iso.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}Z`);
  if (Number.isNaN(ms)) return null;
  return ms * 1000 + Number((m[3] ?? '').padEnd(6, '0'));
}

/** "HH:MM:SS.mmm" UTC wall-clock. */
export function clock(us: number): string {
  return isoFromUs(us).slice(11, 23);
}

/** "[H:]MM:SS.mmm" for a duration in seconds. */
export function duration(seconds: number): string {
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const body = `${h ? `${h}:` : ''}${String(m).padStart(h ? 2 : 1, '0')}:${s.toFixed(3).padStart(6, '0')}`;
  return neg ? `-${body}` : body;
}

/** Parse "[-][H:]M:SS[.mmm]" or plain seconds into seconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(-)?(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(t);
  if (!m) return null;
  const v = Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -v : v;
}

export function ago(us: number, nowUs = Date.now() * 1000): string {
  const s = Math.max(0, (nowUs - us) / US);
  if (s < 2) return 'just now';
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

/** "HH:MM:SS.ffffff" UTC wall-clock with microseconds (what the range fields show). */
export function clockUs(us: number): string {
  return isoFromUs(us).slice(11, 26);
}

/**
 * A time typed by the operator: a full ISO time, or a time of day ("HH:MM[:SS[.ffffff]]", UTC) taken on
 * whichever day puts it nearest to `nearUs` (so a window across midnight still works). Null if malformed.
 */
export function parseTimeNear(text: string, nearUs: number): number | null {
  const t = text.trim();
  const full = usFromIso(t);
  if (full !== null) return full;
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(t);
  if (!m) return null;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return null;
  const ofDay = ((h * 60 + mi) * 60 + s) * US + Number((m[4] ?? '').padEnd(6, '0'));
  const day = Math.floor(nearUs / (86_400 * US)) * 86_400 * US;
  let best: number | null = null;
  for (const d of [day - 86_400 * US, day, day + 86_400 * US]) {
    const c = d + ofDay;
    if (best === null || Math.abs(c - nearUs) < Math.abs(best - nearUs)) best = c;
  }
  return best;
}
