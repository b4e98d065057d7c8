/**
 * End-to-end harness for the operator UI: the renderer built from the current sources (cached by a hash
 * of renderer/**, so a test never runs against a stale dist/ and never races another engineer's
 * `vite build`), a real node with the default subsystems (recorder and cutter as worker processes)
 * pointed at the fake Twitch and the fake YouTube, and Debian Chromium signed in through the login link.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { NodeConfig } from '../../main/core/config.ts';
import type { SubsystemFactory } from '../../main/core/subsystem.ts';
import { createCutterSubsystem, cutterSubsystem } from '../../main/cutter/index.ts';
import { createRecorderSubsystem, recorderSubsystem, type RecorderTimings } from '../../main/recorder/index.ts';
import { defaultSubsystems } from '../../main/subsystems.ts';
import { launchChromium } from './browser.ts';
import { startTestNode, tempDir, type TestNode } from './node.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RENDERER = join(ROOT, 'renderer');
export const SCREENS_DIR = join(ROOT, 'test-artifacts', 'screens');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sourceHash(): string {
  const h = createHash('sha256');
  (function walk(dir: string) {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(relative(RENDERER, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  })(RENDERER);
  h.update(readFileSync(join(ROOT, 'package-lock.json')));
  return h.digest('hex').slice(0, 16);
}

/** The renderer built from the current sources into a private cache directory (built once per change). */
export async function builtUi(): Promise<string> {
  const base = join(tmpdir(), 'tapedeck-ui-build');
  const dir = join(base, sourceHash());
  if (existsSync(join(dir, 'index.html'))) return dir;
  mkdirSync(base, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  const { build } = await import('vite');
  await build({
    configFile: join(RENDERER, 'vite.config.ts'), logLevel: 'error',
    build: { outDir: tmp, emptyOutDir: true, sourcemap: false },
  });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // a parallel test file built the same sources first
  }
  return dir;
}

/** Recorder timings for a real-time fake Twitch: notice streams going up and down within a few seconds. */
export const UI_RECORDER_TIMINGS: Partial<RecorderTimings> = {
  masterFetchIntervalMs: 1000, importantMasterFetchIntervalMs: 500, playlistRetryIntervalMs: 300,
  playlistPollMinMs: 300, segmentFetchRetryMs: 300, stopGraceMs: 500, statusThrottleMs: 200,
};
export const UI_CUTTER_INTERVALS = { idleMs: 200, errorMs: 500, retryMs: 500, transcodeMs: 300, updateMs: 500 };

/**
 * The node's default subsystem list, with the recorder and the cutter given test timings. Anything else
 * in the list (e.g. a playlists subsystem added later) runs unchanged.
 */
export async function uiSubsystems(opts: { recorder?: Partial<RecorderTimings>; cutter?: typeof UI_CUTTER_INTERVALS } = {}): Promise<SubsystemFactory[]> {
  return (await defaultSubsystems()).map((f) => {
    if (f === recorderSubsystem) return createRecorderSubsystem({ timings: opts.recorder ?? UI_RECORDER_TIMINGS });
    if (f === cutterSubsystem) return createCutterSubsystem({ workerEnv: { TAPEDECK_CUTTER_INTERVALS: JSON.stringify(opts.cutter ?? UI_CUTTER_INTERVALS) } });
    return f;
  });
}

export interface UiNodeOptions {
  dataDir?: string;
  config?: Partial<NodeConfig>;
  subsystems?: SubsystemFactory[];
}

export async function startUiNode(o: UiNodeOptions = {}): Promise<TestNode> {
  const uiDir = await builtUi();
  return startTestNode({ dataDir: o.dataDir ?? tempDir('tapedeck-ui-'), uiDir, config: o.config, subsystems: o.subsystems ?? (await uiSubsystems()) });
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** uncaught page errors and console errors seen so far */
  errors: string[];
}

export const VIEWPORT = { width: 1400, height: 900 };

/** A fresh browser context signed in through a one-time login link, at `hash` (e.g. '#/streams'). */
export async function openApp(browser: Browser, node: TestNode, hash = '#/streams', opts: { viewport?: { width: number; height: number } } = {}): Promise<AppPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? VIEWPORT });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(node.loginUrl());
  await page.goto(`${node.url}/${hash}`);
  await page.waitForSelector('nav', { timeout: 15_000 });
  return { context, page, errors };
}

/** Save a full-page screenshot to test-artifacts/screens/NAME.png; returns the path. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const path = join(SCREENS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (statSync(path).size < 1000) throw new Error(`screenshot ${path} is suspiciously small`);
  return path;
}

export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}

export { launchChromium };
