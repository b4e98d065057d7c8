/**
 * The Electron main process (DESIGN §2): a thin shell around the same core `tapedeck serve` runs.
 *
 *   - one instance per user (a second launch brings the window forward);
 *   - the core started in-process with startNode(), its workers hosted in utility processes;
 *   - the console window loads the core's UI from its loopback origin, signed in by a cookie set here;
 *   - closing the window hides it to the tray; `--hidden` (auto-start) starts in the tray;
 *   - tray and notifications follow the bus through the pure functions in main/desktop.
 *
 * Built by main/electron/build.ts into dist/electron/main.mjs (package.json "main"). Everything that
 * must happen before 'ready' runs synchronously at the top of this module, before the first await.
 */
import { app, dialog, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListenError } from '../core/http/server.ts';
import { DEFAULT_PORT, startNode, type NodeOptions, type RunningNode } from '../core/node.ts';
import type { SubsystemFactory } from '../core/subsystem.ts';
import { parseShellArgs, secondInstanceAction } from '../desktop/args.ts';
import { PRELOAD_BUNDLE, RENDERER_DIR } from '../desktop/bundle-layout.ts';
import { NotificationScheduler } from '../desktop/notifications.ts';
import { supervisorRecordingControl } from '../desktop/recording-control.ts';
import { applyBusMessage, emptyShellStatus, type ShellStatus } from '../desktop/shell-status.ts';
import { trayState } from '../desktop/tray-state.ts';
import { httpStartYouTubeConnect } from '../desktop/youtube-connect.ts';
import { createAutostart, launchedAtLogin, type AutostartState } from './autostart.ts';
import { registerIpc } from './ipc.ts';
import { DesktopNotifier } from './notifier.ts';
import { hardenApp, hardenSession } from './security.ts';
import { ShellTray } from './tray.ts';
import { UtilityWorkerHost } from './utility-host.ts';
import { ConsoleWindow, signInSession } from './window.ts';

/** Same id as electron-builder.yml appId: Windows toasts need it to match the Start-menu shortcut. */
const APP_ID = 'org.tapedeck.console';

/**
 * The subsystems the desktop node runs: the same list `tapedeck serve` uses. Kept in one place so the
 * lead can wire in core's list (recorder, cutter, playlists, backfill) when it exists.
 */
const SUBSYSTEMS: SubsystemFactory[] = [];

// The bundler rewrites import.meta.url to this file's source location (main/electron/main.ts), so the
// app root is two levels up both in a checkout and inside app.asar.
const appRoot = fileURLToPath(new URL('../..', import.meta.url));
const resource = (...p: string[]) => join(appRoot, 'resources', ...p);

// ---- before 'ready' (synchronous) ----
// A fixed name keeps userData (and so the default data dir) the same in development and packaged builds.
app.setName('Tapedeck');
const args = parseShellArgs(process.argv, process.env);
let quitting = false;
let appOrigin: string | null = null;
let consoleWindow: ConsoleWindow | null = null;

if (!app.requestSingleInstanceLock({ argv: process.argv })) {
  // Another instance owns the data dir and the tray; it has been told to show itself.
  app.quit();
} else {
  hardenApp(() => appOrigin);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  app.on('second-instance', (_e, argv) => {
    if (secondInstanceAction(argv) === 'show') consoleWindow?.show();
  });
  // The tray keeps the app (and recording) alive with no window.
  app.on('window-all-closed', () => {});
  app.on('activate', () => consoleWindow?.show()); // macOS dock icon
  app.on('child-process-gone', (_e, d) => {
    if (d.type === 'Utility') console.warn(`[shell] utility process ${d.name ?? ''} gone: ${d.reason} (exit ${d.exitCode})`);
  });
  process.on('unhandledRejection', (e) => console.error('[shell] unhandled rejection', e));
  void main().catch((e: unknown) => {
    console.error('[shell] start-up failed', e);
    dialog.showErrorBox('Tapedeck could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
  });
}

/** In a packaged app ffmpeg/ffprobe ship in resources/bin; tell the core and the workers explicitly. */
function usePackagedFfmpeg(): void {
  if (!app.isPackaged) return;
  const exe = (n: string) => join(process.resourcesPath, 'bin', process.platform === 'win32' ? `${n}.exe` : n);
  if (!process.env.FFMPEG_PATH && existsSync(exe('ffmpeg'))) process.env.FFMPEG_PATH = exe('ffmpeg');
  if (!process.env.FFPROBE_PATH && existsSync(exe('ffprobe'))) process.env.FFPROBE_PATH = exe('ffprobe');
}

/** The preferred port keeps the console's origin (and its local storage) stable; any port if taken. */
async function startCore(): Promise<RunningNode> {
  const opts: NodeOptions = {
    dataDir: args.dataDir ?? join(app.getPath('userData'), 'data'),
    host: '127.0.0.1',
    workerHost: new UtilityWorkerHost(appRoot),
    uiDir: join(appRoot, RENDERER_DIR),
    subsystems: SUBSYSTEMS,
  };
  const port = args.port ?? DEFAULT_PORT;
  try {
    return await startNode({ ...opts, port });
  } catch (e) {
    if (!(e instanceof ListenError) || port === 0) throw e;
    console.warn(`[shell] ${e.message}; using a free port instead`);
    return startNode({ ...opts, port: 0 });
  }
}

async function main(): Promise<void> {
  await app.whenReady();
  usePackagedFfmpeg();
  const node = await startCore();
  const origin = new URL(node.url).origin;
  appOrigin = origin;
  hardenSession(session.defaultSession, origin);
  await signInSession(session.defaultSession, origin, node.token);

  const appIcon = resource('icons', '512x512.png');
  const win = new ConsoleWindow({
    appOrigin: origin, preload: join(appRoot, PRELOAD_BUNDLE), icon: appIcon,
    show: !(args.hidden || launchedAtLogin()), isQuitting: () => quitting,
  });
  consoleWindow = win;

  const autostart = createAutostart();
  let autostartState: AutostartState = autostart.state();
  const setRecordingPaused = supervisorRecordingControl(node.supervisor);
  let status: ShellStatus = emptyShellStatus();

  const notifier = new DesktopNotifier(appIcon, (route) => win.show(route));
  const scheduler = new NotificationScheduler((n) => notifier.show(n));
  const tray = new ShellTray(resource('tray'), {
    show: () => win.show(),
    setRecordingPaused: (paused) => {
      if (setRecordingPaused(paused)) status = { ...status, recordingPaused: paused };
      else console.warn('[shell] the recorder is not running; recording state unchanged');
      redraw(true);
    },
    setAutostart: (enabled) => {
      try {
        autostartState = autostart.set(enabled);
      } catch (e) {
        console.error('[shell] could not change start-at-login', e);
      }
      redraw(true);
    },
    quit: () => app.quit(),
  });
  // force: Electron already flipped a checkbox in the menu; redraw it from the real state.
  const redraw = (force = false) => tray.update(trayState(status), { recordingPaused: status.recordingPaused, autostart: autostartState }, force);

  const onBus = (m: Parameters<typeof applyBusMessage>[1]) => {
    const next = applyBusMessage(status, m);
    if (next !== status) {
      status = next;
      redraw();
    }
    scheduler.handle(m);
  };
  for (const m of node.bus.snapshot()) onBus(m);
  const unsubscribe = node.bus.subscribe(onBus);
  redraw();
  // Time-based state (a quota parking that ends) needs an occasional redraw without any message.
  const clockTimer = setInterval(() => redraw(), 60_000);
  clockTimer.unref();

  registerIpc({
    appOrigin: origin,
    trustedIds: () => [win.webContentsId],
    startYouTubeConnect: httpStartYouTubeConnect(node.url, node.token),
    autostart: {
      state: () => autostartState,
      set: (enabled) => {
        autostartState = autostart.set(enabled);
        redraw(true);
        return autostartState;
      },
    },
    openExternal: (url) => shell.openExternal(url),
  });

  let stopped = false;
  app.on('before-quit', (e) => {
    quitting = true;
    if (stopped) return;
    // Stop workers gracefully (the supervisor SIGKILLs after its grace period) before exiting.
    e.preventDefault();
    stopped = true;
    clearInterval(clockTimer);
    unsubscribe();
    scheduler.close();
    notifier.closeAll();
    tray.destroy();
    win.destroy();
    node.close()
      .catch((err: unknown) => console.error('[shell] shutdown failed', err))
      .finally(() => app.quit());
  });

  await win.load('/');
}
