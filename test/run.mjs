#!/usr/bin/env node
// Runs every *.test.ts under test/ with node's own test runner (through tsx), several files at once.
// Node 20's --test does not expand globs, so the file list is gathered here. Set TEST_FILTER to a
// substring to run a subset, e.g. TEST_FILTER=restreamer node test/run.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const found = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) found.push(relative(root, p));
  }
})(join(root, 'test'));
const filter = process.env.TEST_FILTER;
const files = found.sort().filter((f) => !filter || f.includes(filter));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY || '3';
// Human-readable spec output on stdout, plus a TAP copy we read back for the closing summary line.
const tapFile = join(mkdtempSync(join(tmpdir(), 'tapedeck-tap-')), 'results.tap');
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
], { cwd: root, stdio: 'inherit' });
let summary = '';
try {
  const tap = readFileSync(tapFile, 'utf8');
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  summary = `${count('pass')} passed, ${count('fail') + count('cancelled')} failed`;
} catch {
  summary = `0 passed, 1 failed`;
}
console.log(`\n${summary}`);
process.exit(r.status ?? 1);
