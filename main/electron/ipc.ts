/**
 * ipcMain wiring for the preload's helpers. Each call: the sender is checked (our window, main frame,
 * our origin), then main/desktop/ipc-contract.ts validates the input with zod, runs the handler and
 * validates the output; the renderer always gets an IpcResult envelope.
 */
import { BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { existsSync } from 'node:fs';
import { VERSION } from '../core/version.ts';
import { dispatchIpc, type IpcHandlers } from '../desktop/ipc-contract.ts';
import { IPC } from '../desktop/ipc-channels.ts';
import { isTrustedSender } from '../desktop/web-policy.ts';
import { connectYouTube, type StartYouTubeConnect } from '../desktop/youtube-connect.ts';
import type { Autostart } from './autostart.ts';

export interface IpcDeps {
  appOrigin: string;
  /** webContents ids allowed to call (the console window) */
  trustedIds: () => number[];
  startYouTubeConnect: StartYouTubeConnect;
  autostart: Autostart;
  openExternal: (url: string) => Promise<void>;
}

export function registerIpc(d: IpcDeps): void {
  const handlers: IpcHandlers = {
    [IPC.chooseFolder]: async (input) => {
      const parent = BrowserWindow.getFocusedWindow();
      const opts = { title: input?.title, defaultPath: input?.defaultPath, properties: ['openDirectory' as const, 'createDirectory' as const] };
      const r = parent ? await dialog.showOpenDialog(parent, opts) : await dialog.showOpenDialog(opts);
      return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
    },
    [IPC.revealFile]: ({ path }) => {
      // showItemInFolder only opens a file manager; still, nothing is done for paths that do not exist.
      if (!existsSync(path)) return { shown: false };
      shell.showItemInFolder(path);
      return { shown: true };
    },
    [IPC.appInfo]: () => ({
      version: VERSION, electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', platform: process.platform,
    }),
    [IPC.connectYouTube]: (request) => connectYouTube(d.startYouTubeConnect, request ?? {}, d.openExternal),
    [IPC.getAutostart]: () => d.autostart.state(),
    [IPC.setAutostart]: ({ enabled }) => d.autostart.set(enabled),
  };
  for (const channel of Object.values(IPC)) {
    ipcMain.handle(channel, (e: IpcMainInvokeEvent, input: unknown) => {
      const trusted = isTrustedSender(
        { frameUrl: e.senderFrame?.url, isMainFrame: !!e.senderFrame && e.senderFrame.parent === null, webContentsId: e.sender.id },
        d.appOrigin, d.trustedIds(),
      );
      if (!trusted) console.warn(`[ipc] refused ${channel} from ${e.senderFrame?.url ?? 'an unknown frame'}`);
      return dispatchIpc(channel, input, trusted, handlers);
    });
  }
}
