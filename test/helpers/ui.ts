/**
 * End-to-end harness for the operator UI: the renderer built from the current sources (cached by a hash
 * of renderer/**, so a test never runs against a stale dist/ and never races another engineer's
 * `vite build`), a real node with the default subsystems (recorder and cutter as worker processes)
 * pointed at the fake Twitch and the fake YouTube, and Debian Chromium signed in through the login link.
 */
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { NodeConfig } from '../../main/core/config.ts';
import type { SubsystemFactory } from '../../main/core/subsystem.ts';
import { createCutterSubsystem, cutterSubsystem } from '../../main/cutter/index.ts';
import { createRecorderSubsystem, recorderSubsystem, type RecorderTimings } from '../../main/recorder/index.ts';
import { createPlaylistsSubsystem, playlistsSubsystem } from '../../main/playlists/index.ts';
import { tryParseSegmentPath, type SegmentInfo } from '../../main/media/segments/names.ts';
import { defaultSubsystems } from '../../main/subsystems.ts';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch/index.ts';
import { isoOf } from '../fixtures/segments.ts';
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
  // One build per source version even when several test files start at once: the others wait for it.
  const lock = `${dir}.lock`;
  // A lock left by a killed run is not waited for.
  if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
  try {
    mkdirSync(lock);
  } catch {
    const t0 = Date.now();
    while (!existsSync(join(dir, 'index.html')) && Date.now() - t0 < 120_000 && existsSync(lock)) await sleep(200);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  try {
    return await buildInto(dir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function buildInto(dir: string): Promise<string> {
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

/** Playlist sync settings for tests: look for work every half second. */
export const UI_PLAYLIST_SETTINGS = { intervalMs: 500, backoffMs: 200, insertGraceMs: 0 };

/**
 * The node's default subsystem list (main/subsystems.ts), with the recorder, the cutter and the
 * playlist sync given test timings. Anything else in the list runs unchanged.
 */
export async function uiSubsystems(opts: { recorder?: Partial<RecorderTimings>; cutter?: typeof UI_CUTTER_INTERVALS } = {}): Promise<SubsystemFactory[]> {
  return (await defaultSubsystems()).map((f) => {
    if (f === recorderSubsystem) return createRecorderSubsystem({ timings: opts.recorder ?? UI_RECORDER_TIMINGS });
    if (f === cutterSubsystem) return createCutterSubsystem({ workerEnv: { TAPEDECK_CUTTER_INTERVALS: JSON.stringify(opts.cutter ?? UI_CUTTER_INTERVALS) } });
    if (f === playlistsSubsystem) return createPlaylistsSubsystem({ settings: UI_PLAYLIST_SETTINGS });
    return f;
  });
}

/** An RGBA PNG made in code (for template uploads): `pixel(x, y)` gives [r, g, b, a]. */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface StoredSegment extends SegmentInfo {
  file: string;
  size: number;
}

/** Every complete (full/suspect/partial) segment of `channel/quality` in the store, oldest first. */
export function storedSegments(dataDir: string, channel: string, quality = 'source'): StoredSegment[] {
  const base = join(dataDir, 'segments', channel, quality);
  if (!existsSync(base)) return [];
  const out: StoredSegment[] = [];
  for (const hour of readdirSync(base).sort()) {
    for (const name of readdirSync(join(base, hour)).sort()) {
      const info = name.endsWith('.ts') ? tryParseSegmentPath(`${channel}/${quality}/${hour}/${name}`) : null;
      if (!info || info.type === 'temp') continue;
      const file = join(base, hour, name);
      out.push({ ...info, file, size: statSync(file).size });
    }
  }
  return out.sort((a, b) => a.start - b.start);
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
  // Full-page shots of a scrolled page draw the sticky top bar in the middle: start from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  if (statSync(path).size < 1000) throw new Error(`screenshot ${path} is suspiciously small`);
  return path;
}

/** Type a full ISO time (µs since the epoch) into the time field `testId` and commit it with Enter. */
export async function setTime(page: Page, testId: string, us: number): Promise<void> {
  await page.getByTestId(testId).fill(isoOf(us));
  await page.getByTestId(testId).press('Enter');
}

/** In the editor (mouse-free): range 1 and a second range [start, end] (µs), joined by a fade of `fadeSeconds`. */
export async function setTwoRangesWithFade(page: Page, first: [number, number], second: [number, number], fadeSeconds: number): Promise<void> {
  await setTime(page, 'range-0-start', first[0]);
  await setTime(page, 'range-0-end', first[1]);
  await page.getByTestId('add-range').click();
  await setTime(page, 'range-1-start', second[0]);
  await setTime(page, 'range-1-end', second[1]);
  await page.getByTestId('transition-0').selectOption('fade');
  await page.getByTestId('transition-0-seconds').fill(String(fadeSeconds));
}

/** [naturalWidth, naturalHeight] of an <img> that has loaded, null while it is loading or after it failed. */
export function loadedSize(img: Locator): Promise<[number, number] | null> {
  return img.evaluate((el: HTMLImageElement): [number, number] | null => (el.complete && el.naturalWidth ? [el.naturalWidth, el.naturalHeight] : null));
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

/**
 * The rig of a one-channel editor e2e file: the fake Twitch with `alpha` live, a UI node recording it,
 * Chromium. Set up before the file's tests (once `minSegments` are stored) and torn down after them;
 * read the fields inside tests (they are filled in by then).
 */
export function alphaEditorRig(minSegments: number, timeoutMs: number): { tw: FakeTwitch; node: TestNode; browser: Browser } {
  const rig = {} as { tw: FakeTwitch; node: TestNode; browser: Browser };
  before(async () => {
    rig.tw = await startFakeTwitch({ channels: { alpha: { windowSize: 30 } } });
    const tw = rig.tw;
    rig.node = await startUiNode({
      config: {
        channels: [{ name: 'alpha', important: false }],
        twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash },
      },
    });
    rig.browser = await launchChromium();
    await until(() => storedSegments(rig.node.dataDir, 'alpha').length >= minSegments, 'recorded segments', timeoutMs);
  });
  after(async () => {
    await rig.browser?.close();
    await rig.node?.cleanup();
    await rig.tw?.close();
  });
  return rig;
}
