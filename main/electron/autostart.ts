/**
 * "Start at login" (DESIGN: the console lives in the tray during a marathon). macOS and Windows: login
 * items through Electron. Linux: the XDG autostart file written by main/desktop/autostart.ts.
 * Auto-started launches get --hidden, so they come up in the tray without a window.
 */
import { app } from 'electron';
import {
  disableXdgAutostart, enableXdgAutostart, HIDDEN_FLAG, isXdgAutostartEnabled, launchCommand,
} from '../desktop/autostart.ts';

export interface AutostartState {
  supported: boolean;
  enabled: boolean;
}

export interface Autostart {
  state(): AutostartState;
  set(enabled: boolean): AutostartState;
}

function linuxCommand(): string[] {
  return launchCommand({
    execPath: process.execPath, isPackaged: app.isPackaged, appPath: app.getAppPath(), appImage: process.env.APPIMAGE,
  });
}

export function createAutostart(): Autostart {
  if (process.platform === 'linux') {
    const entry = () => ({ exec: linuxCommand(), icon: 'tapedeck' });
    // An AppImage that was moved (or a new version) must not leave a stale path behind.
    if (isXdgAutostartEnabled()) enableXdgAutostart(entry());
    return {
      state: () => ({ supported: true, enabled: isXdgAutostartEnabled() }),
      set: (enabled) => {
        if (enabled) enableXdgAutostart(entry());
        else disableXdgAutostart();
        return { supported: true, enabled: isXdgAutostartEnabled() };
      },
    };
  }
  if (process.platform === 'darwin' || process.platform === 'win32') {
    return {
      state: () => ({ supported: true, enabled: app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin }),
      set: (enabled) => {
        app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
        return { supported: true, enabled: app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin };
      },
    };
  }
  return { state: () => ({ supported: false, enabled: false }), set: () => ({ supported: false, enabled: false }) };
}

/** macOS login items pass no arguments; ask Electron whether this launch came from one. */
export function launchedAtLogin(): boolean {
  return process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
}
