/** `tapedeck serve` as a real process: startup output, login link, clean shutdown, clear failures. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/node.ts';

const BIN = fileURLToPath(new URL('../../main/bin/tapedeck.mjs', import.meta.url));

function startServe(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const loginUrl = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no login URL printed: ${out}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /(http:\/\/\S+\/login\?code=\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, loginUrl, exited, output: () => out };
}

test('serve prints a working login link, serves the UI, and exits 0 on SIGTERM', async () => {
  const data = join(tempDir(), 'data');
  const s = startServe(['--data', data, '--listen', '127.0.0.1:0']);
  const link = await s.loginUrl;
  const r = await fetch(link, { redirect: 'manual' });
  assert.equal(r.status, 303);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const base = new URL(link).origin;
  const home = await fetch(base + '/', { headers: { cookie } });
  assert.equal(home.status, 200);
  assert.match(await home.text(), /<div id="root">/);
  assert.equal((await fetch(base + '/api/health', { headers: { cookie } })).status, 200);
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
  assert.match(s.output(), /shutting down/);
});

test('SIGINT also shuts down cleanly', async () => {
  const s = startServe(['--data', join(tempDir(), 'd'), '--listen', '127.0.0.1:0']);
  await s.loginUrl;
  s.child.kill('SIGINT');
  assert.equal(await s.exited, 0);
});

test('a taken port is a clear error and a non-zero exit', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const r = spawnSync(process.execPath, [BIN, 'serve', '--data', join(tempDir(), 'd'), '--listen', `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 30_000 });
  blocker.close();
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /already in use/);
});

test('an unusable data dir is a clear error and a non-zero exit', () => {
  const file = join(tempDir(), 'not-a-dir');
  writeFileSync(file, 'x');
  const r = spawnSync(process.execPath, [BIN, 'serve', '--data', file, '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Data directory .* is unusable/);
  const ro = tempDir();
  chmodSync(ro, 0o500);
  if (process.getuid?.() !== 0) {
    const r2 = spawnSync(process.execPath, [BIN, 'serve', '--data', join(ro, 'x'), '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r2.status, 0);
  }
});

test('bad arguments print usage and exit 2', () => {
  for (const args of [['serve'], ['serve', '--data', 'x', '--listen', 'nope'], ['serve', '--bogus'], ['frobnicate']]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Usage:/);
  }
});

test('login-url mints a link for a data dir', () => {
  const data = join(tempDir(), 'd');
  const r = spawnSync(process.execPath, [BIN, 'login-url', '--data', data, '--listen', '127.0.0.1:4999'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:4999\/login\?code=\d+\.[A-Za-z0-9_-]{43}\n$/);
});
