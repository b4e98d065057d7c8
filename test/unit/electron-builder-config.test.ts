/**
 * Packaging invariants of electron-builder.yml (packaging itself needs the network, so CI checks the
 * configuration instead): app id, what goes into app.asar and what must be unpacked from it, ffmpeg as
 * extra resources, security fuses, targets per OS, runtime dependencies of the deb, icons.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { MAIN_BUNDLE, PRELOAD_BUNDLE, RENDERER_DIR } from '../../main/desktop/bundle-layout.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cfg = parse(readFileSync(`${root}electron-builder.yml`, 'utf8')) as Record<string, any>;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };

/** minimatch-style glob (**, *, ?, {a,b}) to a RegExp, enough for electron-builder's file patterns. */
function globRe(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      re += `(?:${glob.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&')).join('|')})`;
      i = end;
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
const matches = (path: string, glob: string) => globRe(glob).test(path);

/** electron-builder `files`: patterns in order, the last matching one decides (a leading ! excludes). */
function packed(path: string, patterns: string[]): boolean {
  let inc = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const g = neg ? p.slice(1) : p;
    if (matches(path, g) || matches(path, `${g}/**`)) inc = !neg;
  }
  return inc;
}

test('the glob helper itself', () => {
  assert.ok(matches('node_modules/@napi-rs/keyring-linux-x64-gnu/keyring.linux-x64-gnu.node', '**/*.node'));
  assert.ok(matches('a.node', '**/*.node'));
  assert.ok(matches('node_modules/react/index.js', 'node_modules/{react,react-dom}/**/*'));
  assert.ok(!matches('node_modules/reactive/index.js', 'node_modules/{react,react-dom}/**/*'));
  assert.ok(!matches('dist/electron/x.mjs', 'dist/renderer/**/*'));
});

test('identity: appId matches the id the main process registers, productName, output outside dist/', () => {
  assert.equal(cfg.appId, 'org.tapedeck.console');
  const mainSrc = readFileSync(`${root}main/electron/main.ts`, 'utf8');
  assert.match(mainSrc, new RegExp(`APP_ID = '${cfg.appId.replace(/\./g, '\\.')}'`), 'app.setAppUserModelId uses the same id (Windows toasts)');
  assert.equal(cfg.productName, 'Tapedeck');
  assert.ok(cfg.directories?.output && !/^dist\/?$/.test(cfg.directories.output), 'packaging output must not overwrite the build inputs in dist/');
  assert.equal(cfg.extraMetadata?.main, MAIN_BUNDLE, 'the packaged app starts the bundled main process');
});

test('app.asar holds the bundles, the renderer build and the icons, and keeps the runtime dependencies', () => {
  assert.equal(cfg.asar, true);
  const files = cfg.files as string[];
  for (const f of ['package.json', MAIN_BUNDLE, PRELOAD_BUNDLE, 'dist/electron/workers/main/recorder/worker.mjs', `${RENDERER_DIR}/index.html`,
    `${RENDERER_DIR}/assets/index-abc.js`, 'resources/tray/tray-ok.png', 'resources/icons/512x512.png']) {
    assert.ok(packed(f, files), `${f} must be packed`);
  }
  for (const f of ['main/core/node.ts', 'test/unit/x.test.ts', 'renderer/src/App.tsx', `${MAIN_BUNDLE}.map`, 'resources/bin/linux-x64/ffmpeg', 'data/api-token']) {
    assert.ok(!packed(f, files), `${f} must not be packed`);
  }
  // Production dependencies the main process and workers load must not be filtered out.
  const needed = ['better-sqlite3', '@napi-rs/keyring', '@napi-rs/keyring-linux-x64-gnu', 'hono', '@hono/node-server', 'zod', 'googleapis', 'kysely', 'prom-client', 'hls-parser', 'bindings'];
  for (const dep of needed) {
    const excluded = files.some((p) => p.startsWith('!') && (matches(`node_modules/${dep}/index.js`, p.slice(1))));
    assert.ok(!excluded, `node_modules/${dep} must stay in the package`);
  }
  for (const dep of Object.keys(pkg.dependencies)) {
    const excluded = files.some((p) => p.startsWith('!') && matches(`node_modules/${dep}/index.js`, p.slice(1)));
    if (excluded) assert.ok(['react', 'react-dom', 'hls.js', 'tsx'].includes(dep), `${dep} is excluded from the package but may be needed at run time`);
  }
});

test('native modules are unpacked from the asar', () => {
  const unpack = cfg.asarUnpack as string[];
  const unpacked = (p: string) => unpack.some((g) => matches(p, g));
  for (const p of [
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    'node_modules/better-sqlite3/lib/database.js', // loads the addon relative to itself
    'node_modules/bindings/bindings.js',
    'node_modules/@napi-rs/keyring-linux-x64-gnu/keyring.linux-x64-gnu.node',
    'node_modules/@napi-rs/keyring-win32-x64-msvc/keyring.win32-x64-msvc.node',
    'node_modules/@napi-rs/keyring/index.js',
  ]) assert.ok(unpacked(p), `${p} must be unpacked`);
  assert.ok(!unpacked('dist/electron/main.mjs'), 'our own code stays in the asar (integrity-checked)');
  assert.equal(cfg.npmRebuild, true, 'better-sqlite3 must be rebuilt for Electron\'s ABI while packaging');
});

test('ffmpeg and ffprobe ship as extra resources in resources/bin', () => {
  const extra = (cfg.extraResources as { from: string; to: string; filter?: string[] }[]).find((e) => e.to?.replace(/\/$/, '') === 'bin');
  assert.ok(extra, 'an extraResources entry copying to bin/ (process.resourcesPath/bin)');
  assert.match(extra.from, /^resources\/bin\/\$\{platform\}-\$\{arch\}\/?$/);
  for (const exe of ['ffmpeg', 'ffprobe', 'ffmpeg.exe', 'ffprobe.exe']) assert.ok(extra.filter?.includes(exe), `${exe} is copied`);
  // the resolver looks exactly there
  assert.match(readFileSync(`${root}main/media/ffmpeg/resolve.ts`, 'utf8'), /join\(res, 'bin'/);
});

test('security fuses', () => {
  assert.deepEqual(
    {
      runAsNode: cfg.electronFuses?.runAsNode,
      enableCookieEncryption: cfg.electronFuses?.enableCookieEncryption,
      enableNodeOptionsEnvironmentVariable: cfg.electronFuses?.enableNodeOptionsEnvironmentVariable,
      enableNodeCliInspectArguments: cfg.electronFuses?.enableNodeCliInspectArguments,
      enableEmbeddedAsarIntegrityValidation: cfg.electronFuses?.enableEmbeddedAsarIntegrityValidation,
      onlyLoadAppFromAsar: cfg.electronFuses?.onlyLoadAppFromAsar,
      grantFileProtocolExtraPrivileges: cfg.electronFuses?.grantFileProtocolExtraPrivileges,
    },
    {
      runAsNode: false, enableCookieEncryption: true, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true, grantFileProtocolExtraPrivileges: false,
    },
  );
});

test('targets: AppImage + deb on Linux (deb depends on ffmpeg), NSIS on Windows, DMG on macOS', () => {
  const targets = (t: unknown) => (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
  assert.deepEqual(targets(cfg.linux.target).sort(), ['AppImage', 'deb']);
  assert.deepEqual(targets(cfg.win.target), ['nsis']);
  assert.deepEqual(targets(cfg.mac.target), ['dmg']);
  for (const dep of ['ffmpeg', 'libnotify4', 'libsecret-1-0', 'xdg-utils', 'libnss3', 'libgtk-3-0']) {
    assert.ok(cfg.deb.depends.includes(dep), `deb depends on ${dep}`);
  }
  assert.ok(cfg.deb.recommends.includes('libappindicator3-1'), 'tray support on GNOME');
  assert.equal(cfg.nsis.createStartMenuShortcut, true, 'Windows toasts need the Start-menu shortcut');
});

test('the icons the config and the tray refer to exist and are PNGs of the right size', () => {
  const pngSize = (p: string) => {
    const b = readFileSync(`${root}${p}`);
    assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${p} is a PNG`);
    return [b.readUInt32BE(16), b.readUInt32BE(20)];
  };
  assert.deepEqual(pngSize(cfg.win.icon), [512, 512]);
  assert.deepEqual(pngSize(cfg.mac.icon), [512, 512]);
  assert.ok(statSync(`${root}${cfg.linux.icon}`).isDirectory());
  for (const s of [16, 32, 48, 64, 128, 256, 512]) assert.deepEqual(pngSize(`${cfg.linux.icon}/${s}x${s}.png`), [s, s]);
  for (const level of ['ok', 'degraded', 'stream-down', 'error']) {
    assert.deepEqual(pngSize(`resources/tray/tray-${level}.png`), [16, 16]);
    assert.deepEqual(pngSize(`resources/tray/tray-${level}@2x.png`), [32, 32]);
  }
});
