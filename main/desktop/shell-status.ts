/**
 * What the tray knows about the node, folded from bus messages by a pure reducer. The Electron adapter
 * keeps one ShellStatus, feeds it every bus message (and the bus snapshot at start-up) and redraws the
 * tray from trayState(). Nothing here touches Electron or timers.
 */
import {
  AccountConnectedMsg, AccountNeedsReconnectMsg, QuotaParkedMsg, QuotaResumedMsg, RecorderPausedMsg, streamUpdate, toEpochMs,
  WorkerCrashLoopMsg, WorkerStatusMsg, type BusInput, type StreamHealth,
} from './inputs.ts';

export interface StreamEntry {
  channel: string;
  important: boolean;
  state: StreamHealth;
}

export interface WorkerEntry {
  name: string;
  state: 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';
  crashLoop: boolean;
}

export interface ShellStatus {
  streams: Record<string, StreamEntry>;
  workers: Record<string, WorkerEntry>;
  /** uploads are parked until this time (epoch ms); Infinity when the producer gave no time */
  quotaParkedUntil: number | null;
  accountsNeedingReconnect: string[];
  /** from `recorder.paused`, or set by the shell when the operator pauses recording from the tray */
  recordingPaused: boolean;
  /** the core failed to start or died: the tray shows an error */
  coreError: string | null;
}

export function emptyShellStatus(): ShellStatus {
  return { streams: {}, workers: {}, quotaParkedUntil: null, accountsNeedingReconnect: [], recordingPaused: false, coreError: null };
}

/** Returns a new status (or the same object when the message changes nothing the tray shows). */
export function applyBusMessage(s: ShellStatus, m: BusInput): ShellStatus {
  const stream = streamUpdate(m);
  if (stream) {
    const prev = s.streams[stream.channel];
    // A transition message may omit `important`; keep what we knew rather than demote the channel.
    const next: StreamEntry = { channel: stream.channel, important: stream.important ?? prev?.important ?? false, state: stream.state };
    if (prev && prev.state === next.state && prev.important === next.important) return s;
    return { ...s, streams: { ...s.streams, [stream.channel]: next } };
  }
  switch (m.topic) {
    case 'worker.status': {
      const p = WorkerStatusMsg.safeParse(m.data);
      if (!p.success) return s;
      const w: WorkerEntry = { name: p.data.name, state: p.data.state, crashLoop: p.data.crashLoop ?? false };
      if (w.state === 'stopped') {
        // A deliberately stopped worker is not a problem; forget it.
        const { [w.name]: _gone, ...rest } = s.workers;
        return { ...s, workers: rest };
      }
      return { ...s, workers: { ...s.workers, [w.name]: w } };
    }
    case 'worker.crashloop': {
      const p = WorkerCrashLoopMsg.safeParse(m.data);
      if (!p.success) return s;
      const prev = s.workers[p.data.name];
      return { ...s, workers: { ...s.workers, [p.data.name]: { name: p.data.name, state: prev?.state ?? 'backoff', crashLoop: true } } };
    }
    case 'quota.parked': {
      const p = QuotaParkedMsg.safeParse(m.data);
      if (!p.success) return s;
      return { ...s, quotaParkedUntil: toEpochMs(p.data.until) ?? Number.POSITIVE_INFINITY };
    }
    case 'quota.resumed':
      return QuotaResumedMsg.safeParse(m.data).success ? { ...s, quotaParkedUntil: null } : s;
    case 'account.needs_reconnect': {
      const p = AccountNeedsReconnectMsg.safeParse(m.data);
      if (!p.success || s.accountsNeedingReconnect.includes(p.data.account)) return s;
      return { ...s, accountsNeedingReconnect: [...s.accountsNeedingReconnect, p.data.account] };
    }
    case 'account.connected': {
      const p = AccountConnectedMsg.safeParse(m.data);
      if (!p.success) return s;
      return { ...s, accountsNeedingReconnect: s.accountsNeedingReconnect.filter((a) => a !== p.data.account) };
    }
    case 'recorder.paused': {
      const p = RecorderPausedMsg.safeParse(m.data);
      return p.success && p.data.paused !== s.recordingPaused ? { ...s, recordingPaused: p.data.paused } : s;
    }
    default:
      return s;
  }
}
