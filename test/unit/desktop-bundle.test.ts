/**
 * The desktop build (main/electron/build.ts + main/desktop/bundle-layout.ts). Electron cannot run
 * here, but the bundles can be built and inspected, and a bundled worker can be run under plain Node:
 * that proves the import.meta.url rewrite keeps core's file lookups working after bundling.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  bundledWorkerRel, MAIN_BUNDLE, PRELOAD_BUNDLE, resolveWorkerEntry, rewriteImportMetaUrl, sourceUrlExpression,
} from '../../main/desktop/bundle-layout.ts';
import { buildDesktop, findWorkerEntries, type DesktopBuildResult } from '../../main/electron/build.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
const WORKER_SRC = 'test/unit/fixtures-supervisor/meta-worker.ts';

let out: string;
let built: DesktopBuildResult;
before(async () => {
  out = mkdtempSync(join(tmpdir(), 'tapedeck-bundle-'));
  built = await buildDesktop({ root, outRoot: out, workers: [WORKER_SRC] });
});
after(() => rmSync(out, { recursive: true, force: true }));

/** Evaluate a sourceUrlExpression as if it ran inside the bundle at `bundleFile`. */
function evalUrlExpression(expr: string, bundleFile: string): string {
  const meta = ['import', 'meta', 'url'].join('.');
  return new Function(`return ${expr.replace(meta, JSON.stringify(pathToFileURL(bundleFile).href))}`)() as string;
}

test('layout: worker sources map to bundles, inside the app only', () => {
  assert.equal(bundledWorkerRel('main/recorder/worker.ts'), 'dist/electron/workers/main/recorder/worker.mjs');
  assert.throws(() => bundledWorkerRel('../outside.ts'), /not a worker source/);
  assert.throws(() => bundledWorkerRel('main/x.js'), /not a worker source/);
  assert.equal(resolveWorkerEntry('/app', '/app/main/cutter/worker.ts'), '/app/dist/electron/workers/main/cutter/worker.mjs');
  assert.equal(resolveWorkerEntry('/opt/T/resources/app.asar', '/opt/T/resources/app.asar/main/cutter/worker.ts'),
    '/opt/T/resources/app.asar/dist/electron/workers/main/cutter/worker.mjs');
  assert.equal(resolveWorkerEntry('/app', '/somewhere/prebuilt.mjs'), '/somewhere/prebuilt.mjs', 'JavaScript entries are used as given');
  assert.throws(() => resolveWorkerEntry('/app', '/elsewhere/worker.ts'), /outside the app/);
  assert.throws(() => resolveWorkerEntry('/app', '/app-other/worker.ts'), /outside the app/);
});

test('import.meta.url rewrite: every occurrence, the source location, nothing else', () => {
  const bundle = '/app/dist/electron/main.mjs';
  const source = '/app/main/core/version.ts';
  const expr = sourceUrlExpression(bundle, source);
  assert.equal(evalUrlExpression(expr, bundle), 'file:///app/main/core/version.ts');
  const code = "const a = import.meta.url; const b = new URL('../x', import.meta.url); const c = import.meta.urlish;";
  const rewritten = rewriteImportMetaUrl(code, bundle, source);
  assert.equal(rewritten.split(expr).length - 1, 2, 'both occurrences replaced');
  assert.match(rewritten, /import\.meta\.urlish/, 'a longer identifier is left alone');
  assert.throws(() => rewriteImportMetaUrl('const d = import.meta.dirname;', bundle, source), /dirname\/filename/);
});

test('worker discovery: modules that import the worker runtime and call runWorker()', () => {
  const fake = mkdtempSync(join(tmpdir(), 'tapedeck-find-'));
  try {
    const w = (p: string, text: string) => {
      mkdirSync(dirname(join(fake, p)), { recursive: true });
      writeFileSync(join(fake, p), text);
    };
    w('main/recorder/worker.ts', "import { runWorker } from '../core/supervisor/worker-runtime.ts';\nawait runWorker(async () => ({ stop: async () => {} }));\n");
    w('main/cutter/entry.ts', 'import { runWorker } from "../core/supervisor/worker-runtime";\nrunWorker(start);\n');
    w('main/core/supervisor/worker-runtime.ts', 'export async function runWorker(start: unknown) {}\n');
    w('main/recorder/index.ts', "// started with runWorker() in worker.ts\nexport const entry = new URL('./worker.ts', import.meta.url);\n");
    w('main/recorder/worker.test.ts', "import { runWorker } from '../core/supervisor/worker-runtime.ts';\nrunWorker(x);\n");
    w('main/node_modules/dep/worker.ts', "import { runWorker } from '../core/supervisor/worker-runtime.ts';\nrunWorker(x);\n");
    assert.deepEqual(findWorkerEntries(fake), ['main/cutter/entry.ts', 'main/recorder/worker.ts']);
  } finally {
    rmSync(fake, { recursive: true, force: true });
  }
});

test('the main bundle is ESM that only loads built-ins, electron and production dependencies', () => {
  assert.equal(built.main, join(out, MAIN_BUNDLE));
  const code = readFileSync(built.main, 'utf8');
  const specs = new Set<string>();
  for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm)) specs.add(m[1] ?? m[2]!);
  assert.ok(specs.has('electron'), 'electron stays external');
  const deps = Object.keys(pkg.dependencies);
  for (const s of specs) {
    assert.ok(!s.startsWith('.') && !s.startsWith('/'), `our own modules are bundled, found ${s}`);
    const bare = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
    const ok = s === 'electron' || s.startsWith('node:') || builtinModules.includes(bare) || deps.includes(bare);
    assert.ok(ok, `${s} is neither built in nor a production dependency: the packaged app would not find it`);
  }
  assert.ok(specs.has('hono') && specs.has('zod'), `npm packages stay external (found ${[...specs].join(', ')})`);
  assert.doesNotMatch(code, /require\(["']electron["']\)/);
  // core's own file lookups point at the sources' locations
  const versionUrl = sourceUrlExpression(built.main, join(root, 'main/core/version.ts'));
  assert.ok(code.includes(versionUrl), 'version.ts reads package.json relative to its source location');
});

test('the preload bundle is one sandbox-loadable CommonJS file that only requires electron', () => {
  assert.equal(built.preload, join(out, PRELOAD_BUNDLE));
  const code = readFileSync(built.preload, 'utf8');
  const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(required)], ['electron']);
  assert.doesNotMatch(code, /^\s*import\s/m, 'no ESM in a sandboxed preload');
  assert.match(code, /exposeInMainWorld\(\s*["']tapedeck["']/);
  assert.doesNotMatch(code, /exposeInMainWorld\([^)]*ipcRenderer\s*\)/, 'ipcRenderer itself is never exposed');
  assert.ok(!code.includes('zod'), 'the schemas stay in main; the preload stays small');
});

test('a bundled worker runs under plain Node and still finds package.json and its own location', async () => {
  const bundle = join(out, bundledWorkerRel(WORKER_SRC));
  assert.deepEqual(built.workers, [bundle]);
  // No tsx: this is what a utility process gets.
  const child = fork(bundle, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, TAPEDECK_WORKER: 'meta' } });
  const messages: { type: string; topic?: string; data?: unknown }[] = [];
  child.on('message', (m) => messages.push(m as { type: string }));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!messages.some((m) => m.type === 'ready')) {
    assert.ok(Date.now() < deadline, 'the bundled worker never became ready');
    assert.equal(child.exitCode, null, 'the bundled worker died');
    await new Promise((r) => setTimeout(r, 20));
  }
  const meta = messages.find((m) => m.topic === 'fixture.meta')!.data as { selfUrl: string; version: string; sibling: string };
  assert.equal(meta.selfUrl, pathToFileURL(join(root, WORKER_SRC)).href);
  assert.equal(meta.version, pkg.version);
  assert.equal(meta.sibling, pathToFileURL(join(root, 'test/unit/fixtures-supervisor/harness.ts')).href);
  child.send({ type: 'stop' });
  assert.equal(await exited, 0);
  assert.ok(relative(out, bundle).startsWith('dist'));
});
