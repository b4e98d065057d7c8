/**
 * The XDG autostart entry (main/desktop/autostart.ts): Exec escaping per the Desktop Entry spec,
 * checked against an independent reader written here from the spec, and the file written/removed
 * under a temporary XDG_CONFIG_HOME.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  AUTOSTART_FILE, autostartDir, desktopEntry, disableXdgAutostart, enableXdgAutostart, execValue,
  isXdgAutostartEnabled, launchCommand, quoteExecArg,
} from '../../main/desktop/autostart.ts';

/**
 * How a launcher reads Exec back, straight from the spec: undo the string-value escapes, split on
 * unquoted spaces, undo the quoting escapes, then expand field codes (only %% here).
 */
function readExec(value: string): string[] {
  let s = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '\\') {
      s += c;
      continue;
    }
    const n = value[++i];
    const map: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };
    // Unknown escapes stay as they are (the quoting level handles \" \` \$ after this pass).
    s += n !== undefined && n in map ? map[n] : `\\${n ?? ''}`;
  }
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    let arg = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        assert.ok(i < s.length, `unterminated quote in ${JSON.stringify(value)}`);
        const c = s[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const n = s[i + 1]!;
          assert.ok('"`$\\'.includes(n), `bad escape \\${n} inside quotes`);
          arg += n;
          i += 2;
          continue;
        }
        arg += c;
        i++;
      }
      assert.ok(i >= s.length || s[i] === ' ', 'a quoted argument must end at a space');
    } else {
      while (i < s.length && s[i] !== ' ') {
        assert.ok(!/["'\\><~|&;$*?#()`\t\n]/.test(s[i]!), `reserved ${JSON.stringify(s[i])} outside quotes in ${JSON.stringify(s)}`);
        arg += s[i++];
      }
    }
    args.push(arg.replace(/%(.)/g, (_m, c: string) => {
      assert.equal(c, '%', `stray field code %${c}`);
      return '%';
    }));
  }
  return args;
}

test('plain paths are written as they are', () => {
  assert.equal(execValue(['/opt/Tapedeck/tapedeck', '--hidden']), '/opt/Tapedeck/tapedeck --hidden');
});

test('reserved characters quote the argument; $ and \\ get the escapes the spec spells out', () => {
  // The spec: a literal $ in a quoted argument is \\$ in the file, a literal backslash is \\\\.
  assert.equal(execValue(['/a b/$x']), '"/a b/\\\\$x"');
  assert.equal(execValue(['C:\\Apps']), '"C:\\\\\\\\Apps"');
  assert.equal(quoteExecArg('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteExecArg('100%'), '100%%', 'percent is doubled (field codes) even unquoted');
  assert.equal(quoteExecArg(''), '""');
  assert.equal(quoteExecArg("it's"), '"it\'s"');
  assert.throws(() => quoteExecArg('a\0b'), /NUL/);
  assert.throws(() => execValue([]), /program/);
});

test('every nasty command line survives a round trip through a spec reader', () => {
  const nasty = [
    '/home/Jo Smith/Apps/Tapedeck-1.0.0.AppImage', "/opt/it's here/tapedeck", '/tmp/a"b', '/tmp/back\\slash',
    '/tmp/$HOME', '/tmp/`id`', '/tmp/semi;colon', '/tmp/amp&ersand', '/tmp/pipe|x', '/tmp/<in>', '/tmp/~tilde',
    '/tmp/star*q?', '/tmp/#hash', '/tmp/(paren)', '/tmp/100%', '/tmp/%f', '/tmp/tab\there', '/tmp/new\nline',
    '/tmp/cr\rx', '/tmp/ünïcødé ☃', '', ' leading', 'trailing\\', '\\\\double', '"', '%%', '=eq',
  ];
  for (const arg of nasty) {
    const argv = ['/usr/bin/tapedeck', arg, '--hidden'];
    const value = execValue(argv);
    assert.ok(!/[\n\r]/.test(value), `no raw line breaks in ${JSON.stringify(value)}`);
    assert.deepEqual(readExec(value), argv, `round trip of ${JSON.stringify(arg)} via ${value}`);
  }
});

test('the entry text: required keys, escaped values, one line per key', () => {
  const text = desktopEntry({ exec: ['/opt/Tapedeck/tapedeck', '--hidden'], name: 'Tape\ndeck', icon: 'tapedeck' });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '[Desktop Entry]');
  const kv = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.equal(kv.Type, 'Application');
  assert.equal(kv.Name, 'Tape\\ndeck', 'newlines in values are escaped, never raw');
  assert.equal(kv.Exec, '/opt/Tapedeck/tapedeck --hidden');
  assert.equal(kv.Icon, 'tapedeck');
  assert.equal(kv.Terminal, 'false');
  assert.equal(kv['X-GNOME-Autostart-enabled'], 'true');
  for (const l of lines.slice(1)) assert.match(l, /^[A-Za-z0-9-]+=/);
});

test('launch command: AppImage file, packaged binary, or electron + app dir; always --hidden', () => {
  assert.deepEqual(launchCommand({ execPath: '/tmp/.mount_x/tapedeck', isPackaged: true, appImage: '/home/u/Tapedeck.AppImage' }), ['/home/u/Tapedeck.AppImage', '--hidden']);
  assert.deepEqual(launchCommand({ execPath: '/opt/Tapedeck/tapedeck', isPackaged: true }), ['/opt/Tapedeck/tapedeck', '--hidden']);
  assert.deepEqual(launchCommand({ execPath: '/src/node_modules/electron/dist/electron', isPackaged: false, appPath: '/src' }), ['/src/node_modules/electron/dist/electron', '/src', '--hidden']);
  assert.throws(() => launchCommand({ execPath: '/e', isPackaged: false }), /app path/);
});

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp() {
  const d = mkdtempSync(join(tmpdir(), 'tapedeck-autostart-'));
  dirs.push(d);
  return d;
}

test('the autostart folder follows XDG_CONFIG_HOME when absolute, else ~/.config', () => {
  assert.equal(autostartDir({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u'), '/x/cfg/autostart');
  assert.equal(autostartDir({}, '/home/u'), '/home/u/.config/autostart');
  assert.equal(autostartDir({ XDG_CONFIG_HOME: '' }, '/home/u'), '/home/u/.config/autostart');
  assert.equal(autostartDir({ XDG_CONFIG_HOME: 'relative/cfg' }, '/home/u'), '/home/u/.config/autostart', 'relative paths are invalid per the spec');
});

test('enable writes the file, disable removes it, and a desktop that hid it counts as disabled', () => {
  const cfg = temp();
  const where = { env: { XDG_CONFIG_HOME: cfg }, home: '/nonexistent' };
  const path = join(cfg, 'autostart', AUTOSTART_FILE);
  assert.equal(isXdgAutostartEnabled(where), false);
  assert.equal(disableXdgAutostart(where), false, 'nothing to remove');

  const exec = ['/home/Jo Smith/Tapedeck $1.AppImage', '--hidden'];
  assert.equal(enableXdgAutostart({ exec }, where), path);
  assert.equal(isXdgAutostartEnabled(where), true);
  const text = readFileSync(path, 'utf8');
  const execLine = text.split('\n').find((l) => l.startsWith('Exec='))!;
  assert.deepEqual(readExec(execLine.slice(5)), exec);
  assert.equal(statSync(path).mode & 0o777, 0o644);

  // Rewriting (the AppImage moved) replaces the entry in place.
  enableXdgAutostart({ exec: ['/new/place/tapedeck', '--hidden'] }, where);
  assert.match(readFileSync(path, 'utf8'), /^Exec=\/new\/place\/tapedeck --hidden$/m);

  writeFileSync(path, readFileSync(path, 'utf8') + 'Hidden=true\n');
  assert.equal(isXdgAutostartEnabled(where), false, 'Hidden=true means the user turned it off');
  writeFileSync(path, readFileSync(path, 'utf8').replace('Hidden=true\n', '').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
  assert.equal(isXdgAutostartEnabled(where), false);

  assert.equal(disableXdgAutostart(where), true);
  assert.equal(isXdgAutostartEnabled(where), false);
  assert.throws(() => statSync(path), /ENOENT/);
});

test('the home fallback is used when XDG_CONFIG_HOME is unset', () => {
  const home = temp();
  const where = { env: {}, home };
  enableXdgAutostart({ exec: ['/opt/Tapedeck/tapedeck', '--hidden'] }, where);
  assert.ok(statSync(join(home, '.config', 'autostart', AUTOSTART_FILE)).isFile());
  assert.equal(disableXdgAutostart(where), true);
});
