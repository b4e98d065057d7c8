/** Stream health as the UI sees it (from GET /api/streams and `stream.status` bus messages). */
export type StreamState = 'up' | 'down' | 'stalled' | 'ad' | 'unknown';

export interface StreamView {
  channel: string;
  quality: string;
  important: boolean;
  state: StreamState;
  latestSegment: number | null; // µs
  delaySeconds: number | null;
  segmentsPerMinute: number | null;
  bytesPerMinute: number | null;
  lastError: string | null;
  /** when the channel entered its state (µs) */
  since: number | null;
  /** the recorder's reason for the state, e.g. "usher 404" */
  reason: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const timeUs = (v: unknown): number | null => {
  if (typeof v === 'number') return v > 1e14 ? v : v > 1e11 ? v * 1000 : v * 1e6; // µs, ms or s
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? null : ms * 1000;
  }
  return null;
};

function lastMessage(list: unknown[]): string | null {
  if (!list.length) return null;
  const last = list[list.length - 1] as { message?: unknown } | string;
  return typeof last === 'object' && last !== null ? String(last.message ?? JSON.stringify(last)) : String(last);
}

export function toStreamView(r: Record<string, unknown>): StreamView {
  const raw = String(r.state ?? r.status ?? 'unknown').toLowerCase();
  const state: StreamState = raw.includes('ad') ? 'ad' : raw === 'up' || raw === 'live' ? 'up' : raw === 'stalled' ? 'stalled' : raw === 'down' || raw === 'offline' ? 'down' : 'unknown';
  const errors = r.errors ?? r.lastError ?? r.error;
  const recent = errors && typeof errors === 'object' && !Array.isArray(errors) ? (errors as { recent?: unknown }).recent : undefined;
  return {
    channel: String(r.channel ?? r.name ?? ''),
    quality: String(r.quality ?? 'source'),
    important: Boolean(r.important),
    state,
    latestSegment: timeUs(r.latestSegment ?? r.latest_segment ?? r.latestSegmentTime),
    delaySeconds: num(r.delaySeconds ?? r.delay ?? r.delay_seconds),
    segmentsPerMinute: num(r.segmentsPerMinute ?? r.segments_per_minute),
    bytesPerMinute: num(r.bytesPerMinute ?? r.bytes_per_minute),
    lastError: lastMessage(Array.isArray(recent) ? recent : Array.isArray(errors) ? errors : errors && typeof errors !== 'object' ? [errors] : []),
    since: timeUs(r.since),
    reason: typeof r.reason === 'string' ? r.reason : null,
  };
}

export function streamsFromResponse(body: unknown): StreamView[] {
  const rows = Array.isArray(body) ? body : ((body as { streams?: unknown[] })?.streams ?? []);
  const out: StreamView[] = [];
  for (const r of rows as Record<string, unknown>[]) {
    if (Array.isArray(r.qualities)) {
      for (const q of r.qualities as Record<string, unknown>[]) out.push(toStreamView({ ...r, ...q, channel: r.channel ?? r.name }));
    } else out.push(toStreamView(r));
  }
  return out;
}
