/**
 * When the desktop shell raises an OS notification, as a pure, debounced decision function plus a thin
 * scheduler that owns the state and a timer (time is injected, so tests drive it with a fake clock).
 *
 * What is notified (DESIGN §1 "the tray tells the operator when an important stream goes down"):
 *   - an important channel down, and back up;
 *   - a stalled recorder (any channel: the stream is live but no segments arrive), and its recovery;
 *   - an upload failure that will not be retried, uploads parked on the YouTube quota, an account that
 *     must be reconnected, a worker in a crash loop.
 * Clicking a notification opens `route` in the console.
 *
 * Debouncing, so a flapping stream cannot spam a multi-day marathon:
 *   - hold: a stream's new state must last `holdMs` before anything is said about it. down→up→down
 *     inside the hold produces one "down" notification, once the last "down" has held.
 *   - only changes relative to what the operator was last told are notified: a stream that was reported
 *     down and blips up for a few seconds says nothing.
 *   - problem cooldown: after a "down"/"stalled" notification for a channel, a new incident on that
 *     channel (after it was reported back up) waits until `problemCooldownMs` has passed since the
 *     previous one; if the stream is fine again by then, nothing is sent. Recoveries are never delayed.
 *   - coalescing: stream notifications of the same kind that fall due within `coalesceMs` of each other
 *     (e.g. the network drops and every channel goes down) become one notification.
 *   - one-off alerts (upload, quota, account, crash loop) are not repeated for the same thing within
 *     `repeatCooldownMs`; the matching "resolved" message (account.connected, quota.resumed, worker
 *     running again) re-arms them.
 */
import {
  AccountConnectedMsg, AccountNeedsReconnectMsg, QuotaParkedMsg, QuotaResumedMsg, streamUpdate, toEpochMs,
  UploadFailedMsg, WorkerCrashLoopMsg, WorkerStatusMsg, type BusInput, type StreamHealth,
} from './inputs.ts';

export type NotificationKind =
  | 'stream-down' | 'stream-stalled' | 'stream-up'
  | 'upload-failed' | 'quota-parked' | 'account-reconnect' | 'worker-crashloop';

export interface ShellNotification {
  /** identifies what the notification is about (for replacing/deduplicating) */
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** console route opened when the notification is clicked, e.g. "/streams/foo" */
  route: string;
  urgency: 'normal' | 'critical';
}

export interface NotifyConfig {
  holdMs: number;
  problemCooldownMs: number;
  repeatCooldownMs: number;
  coalesceMs: number;
  /** how a wall-clock time appears in a message (injectable so tests do not depend on the locale) */
  formatTime: (epochMs: number) => string;
}

export const DEFAULT_NOTIFY_CONFIG: NotifyConfig = {
  holdMs: 30_000,
  problemCooldownMs: 10 * 60_000,
  repeatCooldownMs: 60 * 60_000,
  coalesceMs: 5_000,
  formatTime: (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
};

type Problem = 'down' | 'stalled';

interface ChannelTrack {
  important: boolean;
  state: StreamHealth;
  /** when `state` began */
  since: number;
  /** the situation the operator was last told about; null = fine (or never told anything) */
  told: Problem | null;
  /** when the last problem notification for this channel was sent */
  lastProblemAt: number | null;
  /** times the stream left "up", within the last repeatCooldownMs (for "dropped N times") */
  drops: number[];
}

export interface NotifyState {
  channels: Record<string, ChannelTrack>;
  /** one-off alert key -> when it was last sent */
  sent: Record<string, number>;
}

export interface NotifyDecision {
  state: NotifyState;
  notifications: ShellNotification[];
  /** call decideNotifications(state, null, wakeAt) then (a pending hold or cooldown ends); null = nothing pending */
  wakeAt: number | null;
}

export function emptyNotifyState(): NotifyState {
  return { channels: {}, sent: {} };
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const enc = encodeURIComponent;

/** The problem a channel's state represents: an offline non-important channel is normal, not a problem. */
function problemOf(t: ChannelTrack): Problem | null | 'unknown' {
  if (t.state === 'unknown') return 'unknown';
  if (t.state === 'stalled') return 'stalled';
  if (t.state === 'down') return t.important ? 'down' : null;
  return null;
}

function streamNotification(channel: string, t: ChannelTrack, problem: Problem | null, now: number, cfg: NotifyConfig): ShellNotification {
  const route = `/streams/${enc(channel)}`;
  if (problem === 'down') {
    const drops = t.drops.length;
    const again = t.lastProblemAt !== null && drops > 1
      ? ` It dropped ${drops} times in the last ${formatDuration(cfg.repeatCooldownMs)}.` : '';
    return {
      id: `stream:${channel}`, kind: 'stream-down', route, urgency: 'critical',
      title: `Stream down: ${channel}`, body: `No stream from ${channel} for ${formatDuration(now - t.since)}.${again}`,
    };
  }
  if (problem === 'stalled') {
    return {
      id: `stream:${channel}`, kind: 'stream-stalled', route, urgency: t.important ? 'critical' : 'normal',
      title: `Recorder stalled: ${channel}`, body: `${channel} is live but no new segments have arrived for ${formatDuration(now - t.since)}.`,
    };
  }
  if (t.state === 'up') {
    return { id: `stream:${channel}`, kind: 'stream-up', route, urgency: 'normal', title: `Stream back up: ${channel}`, body: `${channel} is being recorded again.` };
  }
  // Not up, yet no longer a problem: a stalled recorder of a non-important channel whose stream ended.
  return {
    id: `stream:${channel}`, kind: 'stream-up', route, urgency: 'normal',
    title: `Recorder recovered: ${channel}`, body: `${channel} is no longer stalled (the stream is offline).`,
  };
}

/** Merge same-kind stream notifications that fell due together into one. */
function coalesce(list: ShellNotification[]): ShellNotification[] {
  const byKind = new Map<NotificationKind, ShellNotification[]>();
  for (const n of list) byKind.set(n.kind, [...(byKind.get(n.kind) ?? []), n]);
  const out: ShellNotification[] = [];
  for (const [kind, group] of byKind) {
    if (group.length === 1) {
      out.push(group[0]!);
      continue;
    }
    const names = group.map((n) => n.id.slice('stream:'.length));
    const what = kind === 'stream-down' ? 'streams down' : kind === 'stream-stalled' ? 'recorders stalled' : 'streams recovered';
    out.push({
      id: `streams:${kind}`, kind, route: '/streams', title: `${group.length} ${what}`, body: names.join(', '),
      urgency: group.some((n) => n.urgency === 'critical') ? 'critical' : 'normal',
    });
  }
  return out;
}

/** A one-off alert for a message, or null; `clears` lists alert keys the message resolves. */
function oneOff(m: BusInput, cfg: NotifyConfig): { alert: ShellNotification | null; clears: (key: string) => boolean } {
  const none = { alert: null, clears: () => false };
  switch (m.topic) {
    case 'upload.failed': {
      const p = UploadFailedMsg.safeParse(m.data);
      if (!p.success || p.data.retryable) return none;
      const { eventId, title, error } = p.data;
      const what = title ?? (eventId !== undefined ? `Event ${eventId}` : 'A video');
      return {
        clears: () => false,
        alert: {
          id: `upload:${eventId ?? title ?? error ?? ''}`, kind: 'upload-failed', urgency: 'normal',
          route: eventId !== undefined ? `/events/${enc(String(eventId))}` : '/uploads',
          title: 'Upload failed', body: `${what} could not be uploaded and will not be retried${error ? `: ${error}` : '.'}`,
        },
      };
    }
    case 'quota.parked': {
      const p = QuotaParkedMsg.safeParse(m.data);
      if (!p.success) return none;
      const until = toEpochMs(p.data.until);
      return {
        clears: () => false,
        alert: {
          id: `quota:${p.data.account ?? ''}`, kind: 'quota-parked', urgency: 'normal', route: '/uploads',
          title: 'Uploads paused: YouTube quota used up',
          body: until !== null ? `Uploads resume automatically at ${cfg.formatTime(until)}.` : 'Uploads resume automatically when the quota resets.',
        },
      };
    }
    case 'quota.resumed':
      return QuotaResumedMsg.safeParse(m.data).success ? { alert: null, clears: (k) => k.startsWith('quota:') } : none;
    case 'account.needs_reconnect': {
      const p = AccountNeedsReconnectMsg.safeParse(m.data);
      if (!p.success) return none;
      return {
        clears: () => false,
        alert: {
          id: `account:${p.data.account}`, kind: 'account-reconnect', urgency: 'critical', route: '/accounts',
          title: 'Reconnect your YouTube account',
          body: `${p.data.account} was signed out${p.data.reason ? ` (${p.data.reason})` : ''}. Its uploads wait until you reconnect it.`,
        },
      };
    }
    case 'account.connected': {
      const p = AccountConnectedMsg.safeParse(m.data);
      return p.success ? { alert: null, clears: (k) => k === `account:${p.data.account}` } : none;
    }
    case 'worker.crashloop': {
      const p = WorkerCrashLoopMsg.safeParse(m.data);
      if (!p.success) return none;
      return {
        clears: () => false,
        alert: {
          id: `crashloop:${p.data.name}`, kind: 'worker-crashloop', urgency: 'critical', route: '/workers',
          title: `${p.data.name} keeps crashing`, body: `Tapedeck keeps restarting the ${p.data.name} worker; its log shows why.`,
        },
      };
    }
    case 'worker.status': {
      const p = WorkerStatusMsg.safeParse(m.data);
      const healthy = p.success && p.data.state === 'running' && !p.data.crashLoop;
      return healthy ? { alert: null, clears: (k) => k === `crashloop:${p.data.name}` } : none;
    }
    default:
      return none;
  }
}

/**
 * One step of the decision: apply `input` (a bus message, or null for a timer tick) at time `now` and
 * return the new state, the notifications to show now, and when to call again.
 */
export function decideNotifications(
  prev: NotifyState, input: BusInput | null, now: number, cfg: NotifyConfig = DEFAULT_NOTIFY_CONFIG,
): NotifyDecision {
  const channels: Record<string, ChannelTrack> = {};
  for (const [k, t] of Object.entries(prev.channels)) channels[k] = { ...t, drops: t.drops.filter((d) => now - d < cfg.repeatCooldownMs) };
  const sent = { ...prev.sent };
  const out: ShellNotification[] = [];

  if (input) {
    const upd = streamUpdate(input);
    if (upd) {
      const t = channels[upd.channel] ?? { important: false, state: 'unknown', since: now, told: null, lastProblemAt: null, drops: [] };
      t.important = upd.important ?? t.important;
      if (upd.state !== t.state) {
        if (t.state === 'up' && (upd.state === 'down' || upd.state === 'stalled')) t.drops.push(now);
        t.state = upd.state;
        t.since = now;
      }
      channels[upd.channel] = t;
    } else {
      const { alert, clears } = oneOff(input, cfg);
      for (const k of Object.keys(sent)) if (clears(k)) delete sent[k];
      if (alert && (sent[alert.id] === undefined || now - sent[alert.id]! >= cfg.repeatCooldownMs)) {
        sent[alert.id] = now;
        out.push(alert);
      }
    }
  }

  // Streams: which channels want to tell something new, and from when.
  const wants: { channel: string; t: ChannelTrack; problem: Problem | null; dueAt: number }[] = [];
  const wake: number[] = [];
  for (const [channel, t] of Object.entries(channels)) {
    const problem = problemOf(t);
    if (problem === 'unknown' || problem === t.told) continue;
    let dueAt = t.since + cfg.holdMs;
    // A new incident after a reported recovery waits out the cooldown; escalations and recoveries do not.
    if (problem !== null && t.told === null && t.lastProblemAt !== null) dueAt = Math.max(dueAt, t.lastProblemAt + cfg.problemCooldownMs);
    wants.push({ channel, t, problem, dueAt });
  }
  const anyDue = wants.some((w) => w.dueAt <= now);
  const streamOut: ShellNotification[] = [];
  for (const w of wants) {
    if (w.dueAt <= now || (anyDue && w.dueAt <= now + cfg.coalesceMs)) {
      streamOut.push(streamNotification(w.channel, w.t, w.problem, now, cfg));
      w.t.told = w.problem;
      if (w.problem !== null) w.t.lastProblemAt = now;
    } else {
      wake.push(w.dueAt);
    }
  }
  out.push(...coalesce(streamOut));
  return { state: { channels, sent }, notifications: out, wakeAt: wake.length ? Math.min(...wake) : null };
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref?.(); // a pending hold must not keep a process alive on its own
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Owns the decision state and the wake-up timer; `emit` shows a notification (Electron adapter). */
export class NotificationScheduler {
  private state = emptyNotifyState();
  private timer: unknown = null;

  constructor(
    private emit: (n: ShellNotification) => void,
    private cfg: NotifyConfig = DEFAULT_NOTIFY_CONFIG,
    private clock: Clock = systemClock,
  ) {}

  handle(m: BusInput): void {
    this.step(m);
  }

  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private step(input: BusInput | null): void {
    const now = this.clock.now();
    const d = decideNotifications(this.state, input, now, this.cfg);
    this.state = d.state;
    this.close();
    if (d.wakeAt !== null) this.timer = this.clock.setTimeout(() => this.step(null), Math.max(0, d.wakeAt - now));
    for (const n of d.notifications) {
      try {
        this.emit(n);
      } catch (e) {
        console.error('[notify] failed to show a notification', e);
      }
    }
  }
}
