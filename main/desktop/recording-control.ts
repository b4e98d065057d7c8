/**
 * "Pause recording" / "Resume recording" from the tray. The recorder worker owns recording; the shell
 * asks it through the supervisor's command channel (a typed `command` message, see
 * main/core/supervisor/messages.ts), so nothing here knows how recording works.
 *
 * Contract for the recorder worker: commands `pause` and `resume` (no payload); it should persist the
 * paused flag so a restart after a crash keeps it, and publish `recorder.paused` {paused: boolean}.
 */
export interface CommandSink {
  /** Supervisor.send: false when the worker is not running (e.g. restarting) */
  send(worker: string, command: string, payload?: unknown): boolean;
}

export type SetRecordingPaused = (paused: boolean) => boolean;

export const RECORDER_WORKER = 'recorder';

export function supervisorRecordingControl(supervisor: CommandSink, worker = RECORDER_WORKER): SetRecordingPaused {
  return (paused) => supervisor.send(worker, paused ? 'pause' : 'resume');
}
