/**
 * Where the desktop build (main/electron/build.ts, esbuild) puts the Electron bundles, and how source
 * locations map onto them. Shared by the build script and the utility-process host, and unit-tested.
 *
 * The app root is the checkout in development and `resources/app.asar` when packaged; the layout under
 * it is the same:
 *   dist/renderer/                     the Vite build of the console (served by the core)
 *   dist/electron/main.mjs             the main process (ESM; npm packages stay external in node_modules)
 *   dist/electron/preload.cjs          the sandboxed preload (CommonJS, self-contained: sandboxed
 *                                      preloads can only require 'electron')
 *   dist/electron/workers/<src>.mjs    one bundle per worker entry, mirroring its source path
 *
 * `import.meta.url` is rewritten at build time so each bundled module still sees its *source* location
 * (see rewriteImportMetaUrl): core code finds package.json, the renderer build and ffmpeg-static the same
 * way bundled or not, and a subsystem that computes its worker entry as new URL('./worker.ts',
 * import.meta.url) hands the supervisor the source path, which resolveWorkerEntry maps to the bundle.
 */
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';

export const BUNDLE_DIR = 'dist/electron';
export const MAIN_BUNDLE = `${BUNDLE_DIR}/main.mjs`;
export const PRELOAD_BUNDLE = `${BUNDLE_DIR}/preload.cjs`;
export const WORKERS_DIR = `${BUNDLE_DIR}/workers`;
export const RENDERER_DIR = 'dist/renderer';

const toPosix = (p: string) => p.split(sep).join('/');

/** Spelled out piecewise so this file survives its own rewrite when it is bundled. */
const META_URL = ['import', 'meta', 'url'].join('.');

/** 'main/recorder/worker.ts' -> 'dist/electron/workers/main/recorder/worker.mjs' */
export function bundledWorkerRel(sourceRel: string): string {
  const rel = toPosix(sourceRel);
  if (!/\.[cm]?ts$/.test(rel) || rel.startsWith('../') || posix.isAbsolute(rel)) throw new Error(`not a worker source path: ${sourceRel}`);
  return `${WORKERS_DIR}/${rel.replace(/\.[cm]?ts$/, '.mjs')}`;
}

/**
 * The file a utility process should run for a WorkerSpec entry: TypeScript sources inside the app map
 * to their bundle; JavaScript entries are used as they are.
 */
export function resolveWorkerEntry(appRoot: string, entry: string): string {
  if (!/\.[cm]?ts$/.test(entry)) return entry;
  const rel = relative(appRoot, entry);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`worker entry ${entry} is outside the app (${appRoot})`);
  return join(appRoot, ...bundledWorkerRel(rel).split('/'));
}

/**
 * The expression that stands for a module's own import.meta.url inside a bundle: the source file's URL,
 * computed at run time from the bundle's own URL (so it stays right wherever the app is installed).
 * Both paths are absolute, or relative to the same root.
 */
export function sourceUrlExpression(bundleFile: string, sourceFile: string): string {
  const fromBundleDir = toPosix(relative(dirname(bundleFile), sourceFile));
  return `new URL(${JSON.stringify(fromBundleDir)}, ${META_URL}).href`;
}

/**
 * Rewrite every import.meta.url of the module at `sourceFile` that is bundled into `bundleFile`. One
 * pass, so the replacement's own import.meta.url (the bundle's) is left alone. import.meta's
 * `dirname`/`filename` would need the same treatment; they are refused so nobody is surprised.
 */
export function rewriteImportMetaUrl(source: string, bundleFile: string, sourceFile: string): string {
  if (/\bimport\.meta\.(dirname|filename)\b/.test(source)) {
    throw new Error(`${sourceFile}: use ${META_URL} instead of import.meta's dirname/filename (the desktop bundle rewrites only ${META_URL})`);
  }
  const replacement = sourceUrlExpression(bundleFile, sourceFile);
  return source.replace(/\bimport\.meta\.url\b/g, () => replacement);
}
