/**
 * What the desktop preload exposes to the console as `window.tapedeck` (absent in a plain browser, so
 * the renderer must feature-detect: `if (window.tapedeck) ...`). Only things a browser cannot do.
 * Every method rejects with an Error carrying a readable message when main refuses or fails.
 */
export interface AppInfo {
  version: string;
  electron: string;
  chrome: string;
  platform: string;
}

export interface AutostartState {
  /** false where the OS offers no way to start at login */
  supported: boolean;
  enabled: boolean;
}

export interface TapedeckDesktopApi {
  /** Native folder picker; resolves to the absolute path, or null when cancelled. */
  chooseFolder(options?: { title?: string; defaultPath?: string }): Promise<string | null>;
  /** Show an absolute path in the system file manager; false if it does not exist. */
  revealFile(path: string): Promise<boolean>;
  appInfo(): Promise<AppInfo>;
  /**
   * Start the YouTube OAuth flow (request: the connect form's fields — label, clientId, clientSecret,
   * accountId to reconnect...) and open Google's consent page in the system browser. The result arrives
   * later as `account.connected` on /api/events.
   */
  connectYouTube(request?: Record<string, string | number | boolean>): Promise<void>;
  getAutostart(): Promise<AutostartState>;
  setAutostart(enabled: boolean): Promise<AutostartState>;
  /**
   * Main asks the console to show a route (a notification or the tray was clicked). With no listener,
   * the preload navigates the page itself (a full load of that route).
   */
  onNavigate(listener: (route: string) => void): () => void;
}

declare global {
  interface Window {
    tapedeck?: TapedeckDesktopApi;
  }
}
