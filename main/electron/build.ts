/**
 * Builds the desktop bundles with esbuild (layout: main/desktop/bundle-layout.ts):
 *
 *   node --import tsx main/electron/build.ts
 *
 * Why a bundler: Electron cannot run our TypeScript directly, the sandboxed preload must be one
 * CommonJS file, and utility processes need plain JavaScript entries. Why esbuild: it is already
 * installed (vite and tsx depend on it), takes well under a second, and only strips types (type-checking
 * is `tsc -p tsconfig.electron.json`). npm packages stay external and are loaded from node_modules
 * (electron-builder packs the production dependencies; native ones are unpacked from the asar).
 *
 * This script runs under plain Node and never imports electron, so CI can build (and test) the bundles
 * even though it cannot run them.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledWorkerRel, MAIN_BUNDLE, PRELOAD_BUNDLE, rewriteImportMetaUrl } from '../desktop/bundle-layout.ts';

export const DEFAULT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface DesktopBuildOptions {
  /** the app root (the checkout) */
  root?: string;
  /** where dist/electron/... is written; defaults to root (tests build into a temporary folder) */
  outRoot?: string;
  /** worker entry sources relative to root; default: discovered with findWorkerEntries */
  workers?: string[];
  minify?: boolean;
}

export interface DesktopBuildResult {
  main: string;
  preload: string;
  workers: string[];
}

/**
 * Worker entries: modules under main/ that import the worker runtime and call runWorker(). Found by
 * reading the sources, so a new worker needs no registration here.
 */
export function findWorkerEntries(root: string = DEFAULT_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p);
      } else if (/\.[cm]?ts$/.test(e.name) && !/\.(d|test)\.[cm]?ts$/.test(e.name)) {
        const src = readFileSync(p, 'utf8');
        if (/from\s+['"][^'"]*worker-runtime(\.ts)?['"]/.test(src) && /\brunWorker\s*\(/.test(src)) found.push(relative(root, p).split(sep).join('/'));
      }
    }
  };
  walk(join(root, 'main'));
  return found.sort();
}

/** Rewrites import.meta.url in our own sources (not node_modules) for the bundle being built. */
function sourceLocationPlugin(root: string, bundleFile: string): Plugin {
  return {
    name: 'tapedeck-source-location',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => {
        const rel = relative(root, args.path);
        if (rel.startsWith('..') || rel.split(sep).includes('node_modules')) return undefined;
        const contents = rewriteImportMetaUrl(readFileSync(args.path, 'utf8'), bundleFile, args.path);
        return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
    },
  };
}

const nodeBundle = (root: string, entry: string, outfile: string, minify: boolean): BuildOptions => ({
  entryPoints: [join(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22', // Electron 45 embeds Node 22
  packages: 'external',
  external: ['electron'],
  sourcemap: 'linked',
  minify,
  logLevel: 'warning',
  plugins: [sourceLocationPlugin(root, outfile)],
});

export async function buildDesktop(o: DesktopBuildOptions = {}): Promise<DesktopBuildResult> {
  const root = resolve(o.root ?? DEFAULT_ROOT);
  const outRoot = resolve(o.outRoot ?? root);
  const minify = o.minify ?? false;
  const main = join(outRoot, MAIN_BUNDLE);
  const preload = join(outRoot, PRELOAD_BUNDLE);
  const workers = (o.workers ?? findWorkerEntries(root)).map((w) => ({ src: w, out: join(outRoot, bundledWorkerRel(w)) }));

  await Promise.all([
    build(nodeBundle(root, 'main/electron/main.ts', main, minify)),
    // Each worker is its own build: the import.meta.url rewrite depends on where the bundle lands.
    ...workers.map((w) => build(nodeBundle(root, w.src, w.out, minify))),
    build({
      entryPoints: [join(root, 'preload/index.ts')],
      outfile: preload,
      bundle: true,
      // The sandboxed preload runs in the renderer: no Node built-ins, only require('electron').
      platform: 'browser',
      format: 'cjs',
      target: 'chrome140',
      external: ['electron'],
      sourcemap: 'linked',
      minify,
      logLevel: 'warning',
    }),
  ]);
  return { main, preload, workers: workers.map((w) => w.out) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const t0 = Date.now();
  const r = await buildDesktop({ minify: process.argv.includes('--minify') });
  const show = (p: string) => relative(DEFAULT_ROOT, p);
  console.log(`desktop bundles built in ${Date.now() - t0} ms: ${[r.main, r.preload, ...r.workers].map(show).join(', ')}`);
  if (r.workers.length === 0) console.log('(no worker entries found under main/: modules that import worker-runtime and call runWorker())');
}
