/**
 * "Start Tapedeck at login". macOS and Windows use Electron's login items (main/electron/autostart.ts);
 * Linux has no such API, so we write an XDG autostart entry
 * (https://specifications.freedesktop.org/autostart-spec/latest/): `$XDG_CONFIG_HOME/autostart/
 * tapedeck.desktop`, `~/.config/autostart/tapedeck.desktop` by default. Generating the file is a pure
 * function; writing and removing it is plain Node, so both are tested without Electron.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export const AUTOSTART_FILE = 'tapedeck.desktop';
export const HIDDEN_FLAG = '--hidden';

/**
 * The autostart folder. The spec only honours an absolute XDG_CONFIG_HOME ("If $XDG_CONFIG_HOME is
 * either not set or empty, a default equal to $HOME/.config should be used"; relative paths are invalid
 * per the base-directory spec).
 */
export function autostartDir(env: Record<string, string | undefined> = process.env, home: string = homedir()): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.config'), 'autostart');
}

export function autostartPath(env?: Record<string, string | undefined>, home?: string): string {
  return join(autostartDir(env, home), AUTOSTART_FILE);
}

/** Characters that force an Exec argument into double quotes (Desktop Entry spec, "The Exec key"). */
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument, quoting level: quoted when it holds a reserved character (or is empty); inside
 * quotes `"`, `` ` ``, `$` and `\` get a backslash. `%` is always doubled, because `%x` is a field code.
 */
export function quoteExecArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('an Exec argument cannot contain NUL');
  const needsQuotes = arg === '' || RESERVED.test(arg) || /[\x00-\x1f\x7f]/.test(arg);
  const quoted = needsQuotes ? `"${arg.replace(/["`$\\]/g, '\\$&')}"` : arg;
  return quoted.replace(/%/g, '%%');
}

/**
 * The value-level escaping every string value gets (spec "Possible value types"): backslash, newline,
 * tab and carriage return are written as \\ \n \t \r. The spec applies this after the Exec quoting, which
 * is why a literal backslash inside a quoted argument ends up as four backslashes in the file.
 */
export function escapeValue(s: string): string {
  return s.replace(/[\\\n\t\r]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c]!);
}

/** The Exec value for a command line (already value-escaped, ready to write after `Exec=`). */
export function execValue(argv: string[]): string {
  if (argv.length === 0) throw new Error('Exec needs a program');
  return escapeValue(argv.map(quoteExecArg).join(' '));
}

export interface DesktopEntryOptions {
  /** the full command line: program first */
  exec: string[];
  name?: string;
  comment?: string;
  /** icon theme name or absolute path */
  icon?: string;
}

/** The text of the autostart .desktop file. */
export function desktopEntry(o: DesktopEntryOptions): string {
  const line = (k: string, v: string) => `${k}=${escapeValue(v)}`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.5',
    line('Name', o.name ?? 'Tapedeck'),
    line('Comment', o.comment ?? 'Record and publish livestreams (starts hidden in the tray)'),
    `Exec=${execValue(o.exec)}`,
    ...(o.icon ? [line('Icon', o.icon)] : []),
    'Terminal=false',
    'Categories=AudioVideo;Video;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export interface LaunchInfo {
  /** process.execPath of the running app */
  execPath: string;
  /** app.isPackaged */
  isPackaged: boolean;
  /** app.getAppPath(), needed to relaunch an unpackaged checkout (`electron <dir>`) */
  appPath?: string;
  /** process.env.APPIMAGE: the AppImage file; execPath points into a mount that changes every run */
  appImage?: string;
}

/** The command line that starts this app hidden in the tray at login. */
export function launchCommand(i: LaunchInfo): string[] {
  if (i.appImage) return [i.appImage, HIDDEN_FLAG];
  if (i.isPackaged) return [i.execPath, HIDDEN_FLAG];
  if (!i.appPath) throw new Error('an unpackaged app needs its app path to be relaunched');
  return [i.execPath, i.appPath, HIDDEN_FLAG];
}

export interface XdgLocation {
  env?: Record<string, string | undefined>;
  home?: string;
}

/** Write (or rewrite: the app may have moved) the autostart entry atomically. Returns its path. */
export function enableXdgAutostart(entry: DesktopEntryOptions, where: XdgLocation = {}): string {
  const dir = autostartDir(where.env, where.home);
  const path = join(dir, AUTOSTART_FILE);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${path}.tmp`, desktopEntry(entry), { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Remove the entry; true if there was one. */
export function disableXdgAutostart(where: XdgLocation = {}): boolean {
  const path = autostartPath(where.env, where.home);
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}

/**
 * Whether our entry is active. A desktop environment's settings UI may have turned it off by writing
 * Hidden=true or X-GNOME-Autostart-enabled=false into the file instead of deleting it.
 */
export function isXdgAutostartEnabled(where: XdgLocation = {}): boolean {
  const path = autostartPath(where.env, where.home);
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
}
