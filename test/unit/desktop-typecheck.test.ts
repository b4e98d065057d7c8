/**
 * The Electron shell is never run in CI, so its type-check against Electron's own .d.ts is the main
 * guard against API misuse: `tsc -p tsconfig.electron.json --noEmit` (main/electron, main/desktop,
 * preload) must pass. Runs the real compiler from node_modules.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

test('tsconfig.electron.json type-checks against electron.d.ts', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.electron.json', '--noEmit', '--pretty', 'false'], { cwd: root });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0, `tsc -p tsconfig.electron.json failed:\n${out}`);
});

test('the Electron config really includes the shell and resolves Electron\'s types', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.electron.json', '--listFilesOnly'], { cwd: root });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0);
  const files = out.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const f of ['node_modules/electron/electron.d.ts', 'main/electron/main.ts', 'main/electron/utility-host.ts', 'preload/index.ts', 'main/desktop/notifications.ts']) {
    assert.ok(files.some((l) => l.endsWith(f)), `${f} is part of the check`);
  }
});
