/**
 * Stream health, kept in the main process from the recorder worker's bus messages (messages.ts):
 * per channel up / down / stalled / ad, latest segment, delay behind live, segments and bytes per
 * minute, errors. Publishes `stream.status` (key = channel) and, for important channels,
 * `stream.transition` {channel, important, from, to}; maintains the Prometheus metrics. Everything
 * here survives a recorder crash, because it lives outside the recorder process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import {
  TOPIC_AD, TOPIC_CHANNEL, TOPIC_ERROR, TOPIC_SEGMENT, TOPIC_SKEW,
  type AdMessage, type ChannelMessage, type ErrorMessage, type Publish, type SegmentMessage, type SkewMessage, type StreamPhase,
} from './messages.ts';

export const STREAM_STATUS_TOPIC = 'stream.status';
export const STREAM_TRANSITION_TOPIC = 'stream.transition';

export const StreamState = z.enum(['up', 'down', 'stalled', 'ad']);
export type StreamState = z.infer<typeof StreamState>;

const Iso = z.string();

export const QualityStatus = z.object({
  quality: z.string(),
  phase: z.string(),
  workers: z.number().int(),
  /** start of the newest segment stored (ISO) */
  latestSegment: Iso.nullable(),
  /** seconds between the newest segment's end and the moment it was stored */
  delaySeconds: z.number().nullable(),
  segmentsPerMinute: z.number(),
  bytesPerMinute: z.number(),
  segments: z.object({ full: z.number().int(), suspect: z.number().int(), partial: z.number().int() }),
  adSegmentsIgnored: z.number().int(),
});
export type QualityStatus = z.infer<typeof QualityStatus>;

export const StreamStatus = z.object({
  channel: z.string(),
  important: z.boolean(),
  provider: z.enum(['twitch', 'generic']).nullable(),
  state: StreamState,
  /** when the channel entered `state` (ISO) */
  since: Iso,
  /** the recorder's raw view: offline / starting / live / ad / ended, or unknown (no report yet / recorder not running) */
  phase: z.string(),
  reason: z.string().nullable(),
  latestSegment: Iso.nullable(),
  delaySeconds: z.number().nullable(),
  segmentsPerMinute: z.number(),
  bytesPerMinute: z.number(),
  errors: z.object({
    count: z.number().int(),
    recent: z.array(z.object({ at: Iso, quality: z.string().nullable(), message: z.string() })),
  }),
  qualities: z.array(QualityStatus),
  updatedAt: Iso,
});
export type StreamStatus = z.infer<typeof StreamStatus>;

export const StreamsResponse = z.object({ streams: z.array(StreamStatus) });

export interface StreamTransition {
  channel: string;
  important: boolean;
  from: StreamState;
  to: StreamState;
  at: string;
}

type Phase = StreamPhase | 'unknown' | 'recorder-down';

interface QualityState {
  phase: string;
  workers: number;
  latestStart: number | null;
  delay: number | null;
  window: { at: number; bytes: number }[];
  counts: { full: number; suspect: number; partial: number };
  ads: number;
}

interface ChannelState {
  channel: string;
  important: boolean;
  provider: 'twitch' | 'generic' | null;
  phase: Phase;
  phaseSince: number;
  reason: string | null;
  state: StreamState;
  stateSince: number;
  lastSegmentAt: number;
  qualities: Map<string, QualityState>;
  errorCount: number;
  recentErrors: { at: number; quality: string | null; message: string }[];
  dirty: boolean;
  publishedAt: number;
}

export interface RecorderMetrics {
  segmentsDownloaded: Counter<'type' | 'channel' | 'quality'>;
  segmentDurationDownloaded: Counter<'type' | 'channel' | 'quality'>;
  latestSegment: Gauge<'channel' | 'quality'>;
  adSegmentsIgnored: Counter<'channel' | 'quality'>;
  streamDelay: Gauge<'channel' | 'quality'>;
  suspiciousSkew: Counter<'channel' | 'quality'>;
  segmentSize: Histogram<'type' | 'channel' | 'quality'>;
  errors: Counter<'channel'>;
  state: Gauge<'channel' | 'state'>;
}

export function createRecorderMetrics(registry: Registry): RecorderMetrics {
  const registers = [registry];
  return {
    segmentsDownloaded: new Counter({ name: 'segments_downloaded', help: 'Segments written to the store, by type (full, suspect, partial)', labelNames: ['type', 'channel', 'quality'], registers }),
    segmentDurationDownloaded: new Counter({ name: 'segment_duration_downloaded', help: 'Seconds of segments written to the store, by type', labelNames: ['type', 'channel', 'quality'], registers }),
    latestSegment: new Gauge({ name: 'latest_segment', help: 'Start time (unix seconds) of the newest segment fully downloaded', labelNames: ['channel', 'quality'], registers }),
    adSegmentsIgnored: new Counter({ name: 'ad_segments_ignored', help: 'Ad segments seen in media playlists and skipped', labelNames: ['channel', 'quality'], registers }),
    streamDelay: new Gauge({ name: 'stream_delay_seconds', help: 'Seconds between the newest segment\'s end and when it was stored (delay behind live)', labelNames: ['channel', 'quality'], registers }),
    suspiciousSkew: new Counter({ name: 'suspicious_skew_count', help: 'PROGRAM-DATE-TIME skews that marked a worker\'s segments suspect', labelNames: ['channel', 'quality'], registers }),
    segmentSize: new Histogram({
      name: 'segment_size', help: 'Size of segments written (bytes)', labelNames: ['type', 'channel', 'quality'], registers,
      buckets: [0, 2 ** 10, 2 ** 14, 2 ** 18, 2 ** 19, 2 ** 20, 2 ** 21, 2 ** 22, 2 ** 24, 2 ** 30],
    }),
    errors: new Counter({ name: 'recorder_errors', help: 'Recorder errors (master/media playlist failures, lost segments)', labelNames: ['channel'], registers }),
    state: new Gauge({ name: 'stream_state', help: '1 for the current state of each channel (up, down, stalled, ad)', labelNames: ['channel', 'state'], registers }),
  };
}

export interface HealthOptions {
  publish: Publish;
  registry?: Registry;
  channels?: { name: string; important: boolean }[];
  stalledAfterMs: number;
  statusThrottleMs: number;
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const WINDOW_MS = 60_000;

export class RecorderHealth {
  readonly metrics: RecorderMetrics;
  private readonly channels = new Map<string, ChannelState>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: HealthOptions) {
    this.now = opts.now ?? Date.now;
    this.metrics = createRecorderMetrics(opts.registry ?? new Registry());
    for (const c of opts.channels ?? []) this.channel(c.name, c.important);
  }

  /** Re-evaluate periodically (stalled detection, throttled publishing). */
  start(intervalMs = Math.min(1000, Math.max(50, this.opts.statusThrottleMs))): void {
    if (this.timer) return;
    for (const c of this.channels.values()) this.publishStatus(c);
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private channel(name: string, important?: boolean): ChannelState {
    let c = this.channels.get(name);
    if (!c) {
      const now = this.now();
      c = {
        channel: name, important: important ?? false, provider: null, phase: 'unknown', phaseSince: now, reason: null,
        state: 'down', stateSince: now, lastSegmentAt: 0, qualities: new Map(), errorCount: 0, recentErrors: [],
        dirty: true, publishedAt: 0,
      };
      this.channels.set(name, c);
      for (const s of StreamState.options) this.metrics.state.set({ channel: name, state: s }, s === 'down' ? 1 : 0);
    }
    if (important !== undefined) c.important = important;
    return c;
  }

  private quality(c: ChannelState, q: string): QualityState {
    let s = c.qualities.get(q);
    if (!s) {
      s = { phase: 'unknown', workers: 0, latestStart: null, delay: null, window: [], counts: { full: 0, suspect: 0, partial: 0 }, ads: 0 };
      c.qualities.set(q, s);
    }
    return s;
  }

  /** Feed one bus message; messages of other topics are ignored. */
  handle(topic: string, data: unknown): void {
    if (!data || typeof data !== 'object') return;
    switch (topic) {
      case TOPIC_CHANNEL:
        return this.onChannel(data as ChannelMessage);
      case TOPIC_SEGMENT:
        return this.onSegment(data as SegmentMessage);
      case TOPIC_AD:
        return this.onAd(data as AdMessage);
      case TOPIC_ERROR:
        return this.onError(data as ErrorMessage);
      case TOPIC_SKEW: {
        const m = data as SkewMessage;
        if (typeof m.channel === 'string') this.metrics.suspiciousSkew.inc({ channel: m.channel, quality: String(m.quality) });
        return;
      }
    }
  }

  /** The recorder process is not running (crashed, restarting): phases are unknown until it reports again. */
  recorderDown(): void {
    for (const c of this.channels.values()) {
      if (c.phase === 'recorder-down') continue;
      c.phase = 'recorder-down';
      c.phaseSince = this.now();
      c.dirty = true;
      this.evaluate(c);
    }
  }

  private onChannel(m: ChannelMessage): void {
    if (typeof m.channel !== 'string') return;
    const c = this.channel(m.channel, m.important);
    c.provider = m.provider;
    c.reason = m.reason ?? null;
    if (c.phase !== m.phase) {
      c.phase = m.phase;
      c.phaseSince = this.now();
    }
    for (const [q, v] of Object.entries(m.qualities ?? {})) {
      const s = this.quality(c, q);
      s.phase = v.phase;
      s.workers = v.workers;
    }
    c.dirty = true;
    this.evaluate(c);
  }

  private onSegment(m: SegmentMessage): void {
    if (typeof m.channel !== 'string' || typeof m.quality !== 'string') return;
    const c = this.channel(m.channel);
    const q = this.quality(c, m.quality);
    const now = this.now();
    const labels = { type: m.type, channel: m.channel, quality: m.quality };
    this.metrics.segmentsDownloaded.inc(labels);
    this.metrics.segmentDurationDownloaded.inc(labels, m.duration);
    this.metrics.segmentSize.observe(labels, m.bytes);
    if (m.type in q.counts) q.counts[m.type as keyof QualityState['counts']]++;
    q.window.push({ at: now, bytes: m.bytes });
    c.lastSegmentAt = now;
    if (m.type === 'full' && (q.latestStart === null || m.start > q.latestStart)) {
      q.latestStart = m.start;
      this.metrics.latestSegment.set({ channel: m.channel, quality: m.quality }, m.start / 1e6);
      // Delay behind live: how long after the segment's end it was in the store.
      q.delay = (m.at - (m.start / 1000 + m.duration * 1000)) / 1000;
      this.metrics.streamDelay.set({ channel: m.channel, quality: m.quality }, q.delay);
    }
    c.dirty = true;
    this.evaluate(c);
  }

  private onAd(m: AdMessage): void {
    if (typeof m.channel !== 'string' || typeof m.quality !== 'string') return;
    const c = this.channel(m.channel);
    this.quality(c, m.quality).ads += m.count;
    this.metrics.adSegmentsIgnored.inc({ channel: m.channel, quality: m.quality }, m.count);
    c.dirty = true;
  }

  private onError(m: ErrorMessage): void {
    if (typeof m.channel !== 'string') return;
    const c = this.channel(m.channel);
    c.errorCount++;
    c.recentErrors.push({ at: typeof m.at === 'number' ? m.at : this.now(), quality: m.quality ?? null, message: String(m.message).slice(0, 500) });
    if (c.recentErrors.length > 10) c.recentErrors.shift();
    this.metrics.errors.inc({ channel: m.channel });
    c.dirty = true;
  }

  private computeState(c: ChannelState): StreamState {
    const now = this.now();
    const stalledAfter = this.opts.stalledAfterMs;
    switch (c.phase) {
      case 'ad':
        return 'ad';
      case 'live':
        return now - Math.max(c.lastSegmentAt, c.phaseSince) > stalledAfter ? 'stalled' : 'up';
      case 'starting':
        // Live per the master playlist but nothing recorded yet: down at first, stalled if it lasts.
        return now - Math.max(c.lastSegmentAt, c.phaseSince) > stalledAfter ? 'stalled' : c.state === 'up' ? 'up' : 'down';
      case 'recorder-down':
        // The recorder process is restarting: a short blip keeps the state; if it stays away, stalled.
        if (c.state === 'down') return 'down';
        return now - Math.max(c.lastSegmentAt, c.phaseSince) > stalledAfter ? 'stalled' : c.state;
      default:
        return 'down';
    }
  }

  private evaluate(c: ChannelState): void {
    const next = this.computeState(c);
    if (next !== c.state) {
      const from = c.state;
      c.state = next;
      c.stateSince = this.now();
      for (const s of StreamState.options) this.metrics.state.set({ channel: c.channel, state: s }, s === next ? 1 : 0);
      if (c.important) {
        const t: StreamTransition = { channel: c.channel, important: true, from, to: next, at: iso(c.stateSince) };
        this.opts.publish(STREAM_TRANSITION_TOPIC, t, c.channel);
      }
      this.publishStatus(c);
      return;
    }
    if (c.dirty && this.now() - c.publishedAt >= this.opts.statusThrottleMs) this.publishStatus(c);
  }

  tick(): void {
    for (const c of this.channels.values()) this.evaluate(c);
  }

  private publishStatus(c: ChannelState): void {
    c.dirty = false;
    c.publishedAt = this.now();
    this.opts.publish(STREAM_STATUS_TOPIC, this.status(c), c.channel);
  }

  private status(c: ChannelState): StreamStatus {
    const now = this.now();
    const qualities: QualityStatus[] = [];
    let segs = 0;
    let bytes = 0;
    let latest: number | null = null;
    let delay: number | null = null;
    for (const [name, q] of c.qualities) {
      while (q.window.length && now - q.window[0]!.at > WINDOW_MS) q.window.shift();
      const qb = q.window.reduce((a, w) => a + w.bytes, 0);
      segs += q.window.length;
      bytes += qb;
      if (q.latestStart !== null && (latest === null || q.latestStart > latest)) {
        latest = q.latestStart;
        delay = q.delay;
      }
      qualities.push({
        quality: name, phase: q.phase, workers: q.workers,
        latestSegment: q.latestStart === null ? null : iso(q.latestStart / 1000),
        delaySeconds: q.delay, segmentsPerMinute: q.window.length, bytesPerMinute: qb,
        segments: { ...q.counts }, adSegmentsIgnored: q.ads,
      });
    }
    return {
      channel: c.channel, important: c.important, provider: c.provider, state: c.state, since: iso(c.stateSince),
      phase: c.phase, reason: c.reason, latestSegment: latest === null ? null : iso(latest / 1000), delaySeconds: delay,
      segmentsPerMinute: segs, bytesPerMinute: bytes,
      errors: { count: c.errorCount, recent: c.recentErrors.map((e) => ({ at: iso(e.at), quality: e.quality, message: e.message })) },
      qualities: qualities.sort((a, b) => a.quality.localeCompare(b.quality)),
      updatedAt: iso(now),
    };
  }

  list(): StreamStatus[] {
    return [...this.channels.values()].sort((a, b) => a.channel.localeCompare(b.channel)).map((c) => this.status(c));
  }

  get(channel: string): StreamStatus | null {
    const c = this.channels.get(channel);
    return c ? this.status(c) : null;
  }
}
