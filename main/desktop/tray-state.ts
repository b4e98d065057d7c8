/**
 * Tray icon and tooltip as a pure function of the shell status (electron.md §5): the Electron adapter
 * only swaps the image and text when this result changes.
 *
 * Levels, worst first:
 *   error       Tapedeck itself is broken: the core failed, or a worker is in a crash loop.
 *   stream-down an important channel is down or its recorder is stalled.
 *   degraded    something needs attention but recording goes on: a non-important recorder stalled,
 *               a worker restarting, uploads parked on quota, an account to reconnect, recording paused.
 *   ok          everything is fine.
 */
import type { ShellStatus } from './shell-status.ts';

export type TrayLevel = 'ok' | 'degraded' | 'stream-down' | 'error';

export interface TrayView {
  level: TrayLevel;
  /** base name of the image under resources/tray (the adapter adds the extension / @2x variant) */
  icon: `tray-${TrayLevel}`;
  /** one line; Windows cuts tray tooltips at 127 characters, so it is shortened here */
  tooltip: string;
  /** the reasons behind the level, for the tray menu's status line */
  reasons: string[];
}

export const TOOLTIP_MAX = 127;

const list = (names: string[], max = 3) =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} +${names.length - max} more`;

function shorten(s: string): string {
  return s.length <= TOOLTIP_MAX ? s : `${s.slice(0, TOOLTIP_MAX - 1)}…`;
}

export function trayState(status: ShellStatus, now: number = Date.now()): TrayView {
  const streams = Object.values(status.streams).sort((a, b) => a.channel.localeCompare(b.channel));
  const workers = Object.values(status.workers).sort((a, b) => a.name.localeCompare(b.name));

  const errors: string[] = [];
  if (status.coreError) errors.push(`core failed: ${status.coreError}`);
  const looping = workers.filter((w) => w.crashLoop).map((w) => w.name);
  if (looping.length) errors.push(`${list(looping)} keep${looping.length === 1 ? 's' : ''} crashing`);

  const importantDown = streams.filter((s) => s.important && s.state === 'down').map((s) => s.channel);
  const importantStalled = streams.filter((s) => s.important && s.state === 'stalled').map((s) => s.channel);
  const down: string[] = [];
  if (importantDown.length) down.push(`stream down: ${list(importantDown)}`);
  if (importantStalled.length) down.push(`recorder stalled: ${list(importantStalled)}`);

  const degraded: string[] = [];
  const otherStalled = streams.filter((s) => !s.important && s.state === 'stalled').map((s) => s.channel);
  if (otherStalled.length) degraded.push(`recorder stalled: ${list(otherStalled)}`);
  const restarting = workers.filter((w) => !w.crashLoop && w.state === 'backoff').map((w) => w.name);
  if (restarting.length) degraded.push(`restarting: ${list(restarting)}`);
  if (status.quotaParkedUntil !== null && now < status.quotaParkedUntil) degraded.push('uploads parked (YouTube quota)');
  if (status.accountsNeedingReconnect.length) degraded.push(`reconnect account: ${list(status.accountsNeedingReconnect)}`);
  if (status.recordingPaused) degraded.push('recording paused');

  let level: TrayLevel;
  let reasons: string[];
  if (errors.length) [level, reasons] = ['error', [...errors, ...down, ...degraded]];
  else if (down.length) [level, reasons] = ['stream-down', [...down, ...degraded]];
  else if (degraded.length) [level, reasons] = ['degraded', degraded];
  else {
    level = 'ok';
    const recording = streams.filter((s) => s.state === 'up').length;
    reasons = [recording ? `recording ${recording} stream${recording === 1 ? '' : 's'}` : 'idle'];
  }
  return { level, icon: `tray-${level}`, tooltip: shorten(`Tapedeck — ${reasons.join('; ')}`), reasons };
}
