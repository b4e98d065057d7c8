/**
 * The console window: loads the core's UI over its loopback origin with the hardened web preferences,
 * hides to the tray instead of closing (recording must go on), and can be brought forward on a given
 * route (tray, notification click, second launch).
 */
import { BrowserWindow, type Session } from 'electron';
import { COOKIE_NAME } from '../core/auth/token.ts';
import { isConsoleRoute, NAVIGATE_CHANNEL } from '../desktop/ipc-channels.ts';

export interface ConsoleWindowOptions {
  appOrigin: string;
  preload: string;
  icon?: string;
  show: boolean;
  /** true once the app is really quitting: closing is then allowed */
  isQuitting: () => boolean;
}

/**
 * Hands the node's token to the window's session as the same HttpOnly SameSite=Strict cookie a login
 * link would set (DESIGN §3), so the console is signed in without a login URL. It is a session cookie:
 * it is set again at every start and never written to disk.
 */
export async function signInSession(ses: Session, appOrigin: string, token: string): Promise<void> {
  await ses.cookies.set({ url: `${appOrigin}/`, name: COOKIE_NAME, value: token, httpOnly: true, sameSite: 'strict', path: '/' });
}

export class ConsoleWindow {
  private win: BrowserWindow;

  constructor(private o: ConsoleWindowOptions) {
    this.win = new BrowserWindow({
      width: 1400,
      height: 900,
      minWidth: 900,
      minHeight: 600,
      title: 'Tapedeck',
      show: false,
      icon: o.icon,
      backgroundColor: '#111418',
      webPreferences: {
        preload: o.preload,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    this.win.removeMenu();
    this.win.once('ready-to-show', () => {
      if (o.show) this.win.show();
    });
    // Close hides: the node keeps recording in the tray. Quit from the tray menu really quits.
    this.win.on('close', (e) => {
      if (!o.isQuitting()) {
        e.preventDefault();
        this.win.hide();
      }
    });
  }

  get webContentsId(): number {
    return this.win.webContents.id;
  }

  load(route = '/'): Promise<void> {
    return this.win.loadURL(`${this.o.appOrigin}${isConsoleRoute(route) ? route : '/'}`);
  }

  /** Bring the window forward, optionally on a route (the console's router handles it without reloading). */
  show(route?: string): void {
    if (this.win.isDestroyed()) return;
    if (this.win.isMinimized()) this.win.restore();
    this.win.show();
    this.win.focus();
    if (route && isConsoleRoute(route)) this.win.webContents.send(NAVIGATE_CHANNEL, route);
  }

  isVisible(): boolean {
    return !this.win.isDestroyed() && this.win.isVisible();
  }

  destroy(): void {
    if (!this.win.isDestroyed()) this.win.destroy();
  }
}
