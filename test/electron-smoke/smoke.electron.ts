/**
 * Smoke test of the real desktop app, driven by playwright-core's `_electron`. NOT part of `npm test`
 * (the Electron binary cannot be downloaded on the CI machines, and test/run.mjs only collects
 * `*.test.ts`). On a machine that can download Electron, with a display (or under xvfb-run):
 *
 *   npx install-electron              # fetches the Electron binary into node_modules/electron/dist
 *   npm run build && npm run build:electron
 *   xvfb-run -a node --import tsx --test test/electron-smoke/smoke.electron.ts    # Linux without a display
 *   node --import tsx --test test/electron-smoke/smoke.electron.ts                # macOS / Windows / desktop Linux
 *
 * It needs package.json "main" = dist/electron/main.mjs. Each run uses temporary data and config
 * folders, so it never touches a real installation's data.
 *
 * Note: the binary's path is read from node_modules/electron/path.txt instead of require('electron'),
 * which would try to download Electron when it is missing instead of failing clearly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; main: string };

function electronBinary(): string {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  const exe = existsSync(pathFile) ? join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()) : '';
  if (!exe || !existsSync(exe)) throw new Error('The Electron binary is not installed: run `npx install-electron` (needs network) first.');
  return exe;
}

const tmp = mkdtempSync(join(tmpdir(), 'tapedeck-smoke-'));
const dataDir = join(tmp, 'data');
// Separate config/home so auto-start files and Chromium profiles of the real user are untouched.
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  XDG_CONFIG_HOME: join(tmp, 'config'),
  TAPEDECK_DATA: dataDir,
  ELECTRON_ENABLE_LOGGING: '1',
};
// Chromium refuses to start its sandbox as root (containers); the renderer sandbox setting is still checked below.
const extraArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
const appArgs = [root, ...extraArgs, '--port', '0'];

let app: ElectronApplication;
let win: Page;

before(async () => {
  assert.equal(pkg.main, 'dist/electron/main.mjs', 'package.json "main" must point at the bundled main process');
  for (const f of ['dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
    assert.ok(existsSync(join(root, f)), `${f} is missing: run npm run build && npm run build:electron`);
  }
  app = await _electron.launch({ executablePath: electronBinary(), args: appArgs, env, timeout: 60_000 });
  win = await app.firstWindow();
  await win.waitForLoadState('load');
});

after(async () => {
  await app?.close().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

test('the window shows the console from the loopback core, already signed in', async () => {
  const url = new URL(win.url());
  assert.equal(url.hostname, '127.0.0.1');
  assert.equal(url.pathname, '/');
  const health = await win.evaluate(async () => {
    const r = await fetch('/api/health');
    return { status: r.status, body: (await r.json()) as { version: string } };
  });
  assert.equal(health.status, 200, 'the token cookie set by main signs the window in');
  assert.equal(health.body.version, pkg.version);
  assert.ok(existsSync(join(dataDir, 'api-token')), 'the core uses the data dir given to the app');
});

test('renderer hardening: sandboxed, isolated, no Node, CSP in force', async () => {
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const w = BrowserWindow.getAllWindows()[0]!;
    // Not in electron.d.ts, but what Electron's own tests use to read back the effective preferences.
    const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }).getLastWebPreferences();
    return { sandbox: p.sandbox, contextIsolation: p.contextIsolation, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity };
  });
  assert.deepEqual(prefs, { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true });
  const page = await win.evaluate(() => ({
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    ipcRenderer: typeof (window as unknown as { ipcRenderer?: unknown }).ipcRenderer,
    bridge: Object.keys((window as unknown as { tapedeck?: object }).tapedeck ?? {}).sort(),
  }));
  // contextBridge hands the page proxies, not the preload's own functions.
  assert.match(await win.evaluate(() => String(window.tapedeck!.appInfo)), /native code/);
  assert.deepEqual(page, {
    require: 'undefined', process: 'undefined', ipcRenderer: 'undefined',
    bridge: ['appInfo', 'chooseFolder', 'connectYouTube', 'getAutostart', 'onNavigate', 'revealFile', 'setAutostart'],
  });
  const inlineRan = await win.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.head.append(s);
    await new Promise((r) => setTimeout(r, 50));
    return (window as unknown as { __inline?: number }).__inline === 1;
  });
  assert.equal(inlineRan, false, 'the CSP header blocks inline script');
});

test('the preload bridge works and main validates what it receives', async () => {
  const info = await win.evaluate(() => window.tapedeck!.appInfo());
  assert.equal(info.version, pkg.version);
  assert.match(info.electron, /^\d+\./);
  const refused = await win.evaluate(() => window.tapedeck!.revealFile('relative/path').then(() => 'resolved', (e: Error) => e.message));
  assert.match(refused, /absolute/);
  const missing = await win.evaluate((p) => window.tapedeck!.revealFile(p), join(tmp, 'does-not-exist'));
  assert.equal(missing, false);
  const auto = await win.evaluate(() => window.tapedeck!.getAutostart());
  assert.equal(typeof auto.enabled, 'boolean');
});

test('navigation is locked to our origin and window.open never opens an Electron window', async () => {
  const before = win.url();
  const opened = await win.evaluate(() => window.open('https://evil.example/') === null);
  assert.equal(opened, true);
  await win.evaluate(() => {
    location.href = 'https://evil.example/';
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(win.url(), before);
  assert.equal(app.windows().length, 1);
});

test('closing the window hides it to the tray; a second launch brings it back', async () => {
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
  await new Promise((r) => setTimeout(r, 300));
  const hidden = await app.evaluate(({ BrowserWindow }) => {
    const w = BrowserWindow.getAllWindows()[0];
    return { exists: !!w && !w.isDestroyed(), visible: !!w && w.isVisible() };
  });
  assert.deepEqual(hidden, { exists: true, visible: false }, 'still running, in the tray');

  // The second instance hands over to the first and exits at once.
  const second = spawn(electronBinary(), appArgs, { env, stdio: 'ignore' });
  const code = await new Promise<number | null>((r) => second.on('exit', r));
  assert.equal(code, 0);
  const deadline = Date.now() + 10_000;
  while (!(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible()))) {
    assert.ok(Date.now() < deadline, 'the window came back after the second launch');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('quitting stops the core cleanly', async () => {
  const closed = new Promise<void>((r) => app.once('close', () => r()));
  await app.evaluate(({ app: a }) => a.quit());
  await closed;
});
