/**
 * The bus messages the desktop shell reacts to, and exactly which payload shapes it accepts.
 *
 * The producers (recorder, cutter, YouTube client, supervisor) live elsewhere and are written in
 * parallel, so every payload is parsed here with zod instead of trusted: a message that does not fit
 * is ignored (the tray and notifications must never crash the shell). Unknown extra fields are allowed
 * so producers can add data for the UI without breaking the shell.
 */
import { z } from 'zod';

/** What the shell cares about for a stream: is it being recorded. */
export type StreamHealth = 'up' | 'down' | 'stalled' | 'unknown';

/**
 * Recorder states (main/recorder/health.ts) are `up | down | stalled | ad`. A few synonyms are accepted so a producer that
 * says "live" or "offline" still drives the tray; anything else (e.g. "starting") is `unknown`, which
 * never raises an alert and never counts as healthy.
 */
const STATE_ALIASES: Record<string, StreamHealth> = {
  // "ad": the recorder sees a stitched ad break; the stream is live, nothing to alarm anyone about.
  up: 'up', live: 'up', recording: 'up', online: 'up', ad: 'up',
  down: 'down', offline: 'down', ended: 'down',
  stalled: 'stalled', stuck: 'stalled', error: 'stalled',
};

export function normaliseStreamState(s: string | null | undefined): StreamHealth {
  return (s && STATE_ALIASES[s.toLowerCase()]) || 'unknown';
}

const Channel = z.string().min(1).max(200);
const State = z.string().max(40).nullable().optional();

/** `stream.status` (key = channel): the current state of one recorded stream. */
export const StreamStatusMsg = z.looseObject({
  channel: Channel,
  important: z.boolean().optional(),
  state: z.string().max(40),
});

/** `stream.transition` (key = channel): a state change, as published by the recorder. */
export const StreamTransitionMsg = z.looseObject({
  channel: Channel,
  important: z.boolean().optional(),
  from: State,
  to: z.string().max(40),
});

/** `worker.status` (key = worker name): the supervisor's WorkerStatus (only these fields are read). */
export const WorkerStatusMsg = z.looseObject({
  name: z.string().min(1).max(100),
  state: z.enum(['starting', 'running', 'backoff', 'stopping', 'stopped']),
  crashLoop: z.boolean().optional(),
});

/** `worker.crashloop` (key = worker name), published by the supervisor. */
export const WorkerCrashLoopMsg = z.looseObject({
  name: z.string().min(1).max(100),
  crashes: z.number().optional(),
});

/** `upload.failed`: only `retryable: false` failures are worth interrupting the operator for. */
export const UploadFailedMsg = z.looseObject({
  retryable: z.boolean(),
  eventId: z.union([z.string(), z.number()]).optional(),
  title: z.string().max(500).optional(),
  error: z.string().max(2000).optional(),
});

/** `quota.parked`: uploads wait for the YouTube quota reset; `until` is epoch ms or an ISO date. */
export const QuotaParkedMsg = z.looseObject({
  until: z.union([z.number(), z.string()]).optional(),
  account: z.string().max(200).optional(),
});

/** `quota.resumed`: uploads run again (clears the parked state early). */
export const QuotaResumedMsg = z.looseObject({ account: z.string().max(200).optional() });

/** `account.needs_reconnect`: the refresh token was refused (invalid_grant). */
export const AccountNeedsReconnectMsg = z.looseObject({
  account: z.string().min(1).max(200),
  reason: z.string().max(500).optional(),
});

/** `account.connected`: an account was (re)connected; clears a pending reconnect. */
export const AccountConnectedMsg = z.looseObject({ account: z.string().min(1).max(200) });

/** `recorder.paused`: the recorder's paused flag (after a tray pause/resume, or on start-up). */
export const RecorderPausedMsg = z.looseObject({ paused: z.boolean() });

/** The part of a BusMessage the shell reads (main/core/bus/event-bus.ts). */
export interface BusInput {
  topic: string;
  key?: string;
  data: unknown;
}

/** Epoch ms from a number or a date string; null when absent or unparseable. */
export function toEpochMs(v: number | string | undefined): number | null {
  if (v === undefined) return null;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** A stream update from either stream topic, normalised; null if the message is not one. */
export function streamUpdate(m: BusInput): { channel: string; important: boolean | undefined; state: StreamHealth } | null {
  if (m.topic === 'stream.status') {
    const p = StreamStatusMsg.safeParse(m.data);
    return p.success ? { channel: p.data.channel, important: p.data.important, state: normaliseStreamState(p.data.state) } : null;
  }
  if (m.topic === 'stream.transition') {
    const p = StreamTransitionMsg.safeParse(m.data);
    return p.success ? { channel: p.data.channel, important: p.data.important, state: normaliseStreamState(p.data.to) } : null;
  }
  return null;
}
