/**
 * The desktop app's own command-line flags. Electron and Chromium add switches of their own
 * (--no-sandbox, --enable-logging, the app path in development...), so unknown arguments are ignored
 * rather than refused: a typo must not stop an operator's console from starting at login.
 *
 *   --hidden           start in the tray without showing the window (used by auto-start)
 *   --data DIR         data directory (default: <userData>/data; env TAPEDECK_DATA)
 *   --port N           preferred port of the local HTTP surface (default 4740, any free one if taken)
 */
import { HIDDEN_FLAG } from './autostart.ts';

export interface ShellArgs {
  hidden: boolean;
  dataDir: string | null;
  port: number | null;
}

function valueOf(argv: string[], name: string): string | null {
  let found: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === name && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) found = argv[++i]!;
    else if (a.startsWith(`${name}=`)) found = a.slice(name.length + 1);
  }
  return found;
}

export function parseShellArgs(argv: string[], env: Record<string, string | undefined> = {}): ShellArgs {
  const portText = valueOf(argv, '--port');
  const port = portText !== null && /^\d{1,5}$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : null;
  const data = valueOf(argv, '--data') || env.TAPEDECK_DATA || null;
  return { hidden: argv.includes(HIDDEN_FLAG), dataDir: data, port };
}

/**
 * A second launch while we run: a normal launch brings the window forward; a --hidden one (auto-start
 * racing a manual start) leaves it where it is.
 */
export function secondInstanceAction(argv: string[]): 'show' | 'ignore' {
  return argv.includes(HIDDEN_FLAG) ? 'ignore' : 'show';
}
