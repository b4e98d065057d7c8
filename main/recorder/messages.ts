/**
 * What the recorder worker tells the main process, as bus messages (worker-runtime's `publish`, the
 * only channel from a worker). Raw facts only; the main process (health.ts) turns them into channel
 * health, `stream.status` / `stream.transition` events and Prometheus metrics, so counters survive
 * worker restarts.
 */
import type { SegmentType } from '../media/segments/names.ts';

/** Per-quality view of the stream workers, merged into the channel's phase. */
export type StreamPhase =
  /** master playlist says offline (usher 404 / no token / generic 404) */
  | 'offline'
  /** live per the master playlist, no worker has seen a content segment yet */
  | 'starting'
  /** a worker's latest playlist ends in content */
  | 'live'
  /** a worker's latest playlist ends in ad segments */
  | 'ad'
  /** the playlist carried EXT-X-ENDLIST and nothing newer is live */
  | 'ended';

export const TOPIC_CHANNEL = 'recorder.channel';
export const TOPIC_SEGMENT = 'recorder.segment';
export const TOPIC_AD = 'recorder.ad';
export const TOPIC_ERROR = 'recorder.error';
export const TOPIC_SKEW = 'recorder.skew';

/** key = channel; sent whenever the phase or worker set changes, and once at worker start. */
export interface ChannelMessage {
  channel: string;
  important: boolean;
  provider: 'twitch' | 'generic';
  phase: StreamPhase;
  /** why offline / last master playlist problem */
  reason: string | null;
  qualities: Record<string, { phase: StreamPhase; workers: number }>;
  at: number;
}

/** key = channel/quality; one per file written (full, suspect or partial). */
export interface SegmentMessage {
  channel: string;
  quality: string;
  type: Exclude<SegmentType, 'temp'>;
  bytes: number;
  /** segment start, epoch µs */
  start: number;
  /** seconds */
  duration: number;
  /** store-relative path */
  path: string;
  /** ms from request to the last byte */
  downloadMs: number;
  at: number;
}

/** key = channel/quality; ad segments seen (and skipped) in one playlist poll, counted once each. */
export interface AdMessage {
  channel: string;
  quality: string;
  count: number;
  reason: string;
  at: number;
}

/** key = channel */
export interface ErrorMessage {
  channel: string;
  quality: string | null;
  message: string;
  at: number;
}

/** key = channel/quality: PROGRAM-DATE-TIME skew seen; this worker's further segments are suspect. */
export interface SkewMessage {
  channel: string;
  quality: string;
  skewMs: number;
  at: number;
}

export type Publish = (topic: string, data: unknown, key?: string) => void;
export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;
