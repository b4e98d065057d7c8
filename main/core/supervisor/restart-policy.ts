/**
 * Restart decisions as a pure function, so the Electron and headless hosts share them and they are
 * unit-tested without processes. Exponential backoff from 1 s to 60 s; a worker that stayed up for a
 * minute counts as healthy again; 5 crashes within 2 minutes is a crash loop (alert, keep retrying at
 * the maximum delay so a transient cause still recovers by itself).
 */
export interface RestartPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  healthyAfterMs: number;
  loopWindowMs: number;
  loopCrashes: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1000, maxDelayMs: 60_000, healthyAfterMs: 60_000, loopWindowMs: 120_000, loopCrashes: 5,
};

export interface CrashRecord {
  /** when the crashed process had started */
  startedAt: number;
  /** when it exited */
  exitedAt: number;
}

export interface RestartDecision {
  delayMs: number;
  crashLoop: boolean;
  /** consecutive crashes counted towards the backoff */
  streak: number;
}

export function decideRestart(history: CrashRecord[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  // The backoff streak: consecutive crashes of short-lived processes, newest first.
  let streak = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const c = history[i]!;
    if (c.exitedAt - c.startedAt >= policy.healthyAfterMs) {
      if (i === history.length - 1) streak = 1;
      break;
    }
    streak++;
  }
  streak = Math.max(streak, 1);
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (streak - 1));
  const recent = history.filter((c) => now - c.exitedAt <= policy.loopWindowMs).length;
  return { delayMs, crashLoop: recent >= policy.loopCrashes, streak };
}
