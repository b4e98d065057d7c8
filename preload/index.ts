/**
 * The sandboxed preload (bundled to dist/electron/preload.cjs): exposes `window.tapedeck` (preload/api.ts)
 * through contextBridge, never ipcRenderer itself. Arguments are checked here before they cross to main,
 * and main validates them again with zod (main/desktop/ipc-contract.ts): the renderer is treated as
 * untrusted on both sides.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  IPC, isConsoleRoute, MAX_PATH_LENGTH, MAX_TITLE_LENGTH, NAVIGATE_CHANNEL, type IpcChannel, type IpcResult,
} from '../main/desktop/ipc-channels.ts';
import type { AppInfo, AutostartState, TapedeckDesktopApi } from './api.ts';

async function call<T>(channel: IpcChannel, input?: unknown): Promise<T> {
  const r = (await ipcRenderer.invoke(channel, input)) as IpcResult<T> | undefined;
  if (r && r.ok === true) return r.value;
  throw new Error(r && r.ok === false ? r.error.message : `unexpected reply on ${channel}`);
}

function checkPath(p: unknown, what: string): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PATH_LENGTH || p.includes('\0')) {
    throw new TypeError(`${what} must be a non-empty path of at most ${MAX_PATH_LENGTH} characters`);
  }
  return p;
}

const navigateListeners = new Set<(route: string) => void>();
ipcRenderer.on(NAVIGATE_CHANNEL, (_e, route: unknown) => {
  if (!isConsoleRoute(route)) return;
  if (navigateListeners.size === 0) {
    window.location.assign(route);
    return;
  }
  for (const l of navigateListeners) {
    try {
      l(route);
    } catch (e) {
      console.error('[tapedeck] navigate listener failed', e);
    }
  }
});

const api: TapedeckDesktopApi = {
  async chooseFolder(options) {
    let input: { title?: string; defaultPath?: string } | undefined;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
      const { title, defaultPath } = options;
      if (title !== undefined && (typeof title !== 'string' || title.length > MAX_TITLE_LENGTH)) throw new TypeError('title must be a short string');
      input = { title, defaultPath: defaultPath === undefined ? undefined : checkPath(defaultPath, 'defaultPath') };
    }
    return (await call<{ path: string | null }>(IPC.chooseFolder, input)).path;
  },
  async revealFile(path) {
    return (await call<{ shown: boolean }>(IPC.revealFile, { path: checkPath(path, 'path') })).shown;
  },
  appInfo: () => call<AppInfo>(IPC.appInfo),
  async connectYouTube(request) {
    if (request !== undefined) {
      if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new TypeError('request must be an object');
      for (const v of Object.values(request)) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) throw new TypeError('request fields must be strings, numbers or booleans');
      }
    }
    await call<{ opened: boolean }>(IPC.connectYouTube, request === undefined ? undefined : { ...request });
  },
  getAutostart: () => call<AutostartState>(IPC.getAutostart),
  async setAutostart(enabled) {
    if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
    return call<AutostartState>(IPC.setAutostart, { enabled });
  },
  onNavigate(listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    navigateListeners.add(listener);
    return () => {
      navigateListeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('tapedeck', api);
