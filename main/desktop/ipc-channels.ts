/**
 * IPC channel names shared by the preload bundle and the main process. Kept free of imports so the
 * sandboxed preload bundle stays tiny (the zod schemas live in ipc-contract.ts, main side only).
 * Every channel is invoke/handle (request → result envelope) except NAVIGATE, which main sends to the
 * window when a notification is clicked.
 */
export const IPC = {
  chooseFolder: 'tapedeck:choose-folder',
  revealFile: 'tapedeck:reveal-file',
  appInfo: 'tapedeck:app-info',
  connectYouTube: 'tapedeck:connect-youtube',
  getAutostart: 'tapedeck:get-autostart',
  setAutostart: 'tapedeck:set-autostart',
} as const;

export type IpcChannel = (typeof IPC)[keyof typeof IPC];

/** main → renderer: open this console route (from a notification click or the tray). */
export const NAVIGATE_CHANNEL = 'tapedeck:navigate';

/** Limits checked on both sides. */
export const MAX_PATH_LENGTH = 4096;
export const MAX_TITLE_LENGTH = 200;

/** A console route we are willing to navigate to: one absolute path, no scheme, no `//host`. */
export function isConsoleRoute(route: unknown): route is string {
  return typeof route === 'string' && route.length <= 2048 && /^\/(?![/\\])[^\s\\]*$/.test(route);
}

/** The result envelope: invoke() rejections lose everything but the message, so errors are values. */
export type IpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: 'FORBIDDEN' | 'BAD_INPUT' | 'UNKNOWN_CHANNEL' | 'FAILED'; message: string } };
