/**
 * `tapedeck` command line.
 *   tapedeck serve --data DIR [--listen HOST:PORT] [--open-restreamer] [--allow-host NAME]...
 *   tapedeck login-url --data DIR [--listen HOST:PORT]
 */
import { parseArgs } from 'node:util';
import { mintLoginCode, loadOrCreateToken } from './core/auth/token.ts';
import { DataDirError, DEFAULT_HOST, DEFAULT_PORT, prepareDataDir, startNode } from './core/node.ts';
import { loadConfig, parseChannelSpec, type NodeConfig } from './core/config.ts';
import { defaultSubsystems } from './subsystems.ts';
import { ListenError } from './core/http/server.ts';

export class UsageError extends Error {}

const USAGE = `Usage:
  tapedeck serve --data DIR [--listen HOST:PORT] [--channel NAME[!][=URL]]... [--qualities Q,Q] [--demo]
                 [--open-restreamer] [--allow-host NAME]... [--twitch-gql-url URL] [--twitch-usher-url URL]
                 [--twitch-client-id ID] [--twitch-query-hash HASH] [--node-name NAME] [--secrets-file]
      Run a headless node: records, serves the operator UI and the restreamer API.
      --data DIR          where segments, the events DB and the API token live (created if missing)
      --listen HOST:PORT  bind address (default ${DEFAULT_HOST}:${DEFAULT_PORT}; port 0 picks a free one)
      --channel SPEC      record a channel: NAME (Twitch), NAME! (important: faster checks, alerts),
                          NAME=URL (any HLS master or media playlist). Repeatable. Adds to DATA/config.json.
      --qualities Q,Q     qualities to record per Twitch channel (default source)
      --demo              also record a synthetic live stream made locally by ffmpeg (channel "demo")
      --open-restreamer   let peers read the restreamer routes (/files, /segments, /playlist...) without a token
      --allow-host NAME   also accept this Host header name (when reached through a proxy or LAN name)
      --twitch-*          Twitch endpoints and ids (defaults are Twitch's public web values)
      --node-name NAME    this node's name (as uploader/cutter identity; default: the host name)
      --secrets-file      keep YouTube refresh tokens in DATA/secrets.json (0600) instead of the OS keychain;
                          only for headless nodes without a keychain (explicit opt-in, never a fallback)
  tapedeck login-url --data DIR [--listen HOST:PORT]
      Print a fresh one-time login link for a node running on that data dir.
`;

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  if (!m) throw new UsageError(`--listen must be HOST:PORT, got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen port out of range: ${port}`);
  return { host: m[1] ?? m[2]!, port };
}

/** CLI flags on top of DATA/config.json: channels are added to the configured ones. */
function configOverrides(values: Record<string, string | boolean | string[] | undefined>, dataDir: string): Partial<NodeConfig> {
  const out: Partial<NodeConfig> = {};
  const specs = (values.channel as string[] | undefined) ?? [];
  if (specs.length) {
    let channels;
    try {
      channels = specs.map(parseChannelSpec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const configured = (() => {
      try {
        return loadConfig(dataDir).channels;
      } catch {
        return [];
      }
    })();
    const names = new Set(channels.map((c) => c.name));
    out.channels = [...configured.filter((c) => !names.has(c.name)), ...channels];
  }
  if (typeof values.qualities === 'string') out.qualities = values.qualities.split(',').map((q) => q.trim()).filter(Boolean);
  if (values.demo) out.demo = true;
  if (typeof values['node-name'] === 'string') out.nodeName = values['node-name'];
  if (values['secrets-file']) out.youtube = { ...loadConfig(dataDir).youtube, secretStore: 'file' };
  const twitch: Record<string, string> = {};
  if (typeof values['twitch-gql-url'] === 'string') twitch.gqlUrl = values['twitch-gql-url'];
  if (typeof values['twitch-usher-url'] === 'string') twitch.usherUrl = values['twitch-usher-url'];
  if (typeof values['twitch-client-id'] === 'string') twitch.clientId = values['twitch-client-id'];
  if (typeof values['twitch-query-hash'] === 'string') twitch.persistedQueryHash = values['twitch-query-hash'];
  if (Object.keys(twitch).length) out.twitch = { ...loadConfig(dataDir).twitch, ...twitch };
  return out;
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      data: { type: 'string' },
      listen: { type: 'string' },
      'open-restreamer': { type: 'boolean', default: false },
      'allow-host': { type: 'string', multiple: true },
      channel: { type: 'string', multiple: true },
      qualities: { type: 'string' },
      demo: { type: 'boolean', default: false },
      'twitch-gql-url': { type: 'string' },
      'twitch-usher-url': { type: 'string' },
      'twitch-client-id': { type: 'string' },
      'twitch-query-hash': { type: 'string' },
      'node-name': { type: 'string' },
      'secrets-file': { type: 'boolean', default: false },
    },
  });
  if (!values.data) throw new UsageError('--data DIR is required');
  const { host, port } = values.listen ? parseListen(values.listen) : { host: DEFAULT_HOST, port: DEFAULT_PORT };
  const node = await startNode({
    dataDir: values.data, host, port, openRestreamer: values['open-restreamer'], allowHosts: values['allow-host'],
    config: configOverrides(values, prepareDataDir(values.data)),
    subsystems: await defaultSubsystems(),
  });
  // Handlers first: whoever reads the login link below may signal us straight away.
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${sig} received, shutting down`);
    await node.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  console.log(`Tapedeck node listening on ${node.url} (data: ${node.dataDir})`);
  console.log(`Open the operator console (one-time link, valid 10 minutes): ${node.loginUrl()}`);
}

function loginUrl(argv: string[]): void {
  const { values } = parseArgs({ args: argv, strict: true, options: { data: { type: 'string' }, listen: { type: 'string' } } });
  if (!values.data) throw new UsageError('--data DIR is required');
  const { host, port } = values.listen ? parseListen(values.listen) : { host: DEFAULT_HOST, port: DEFAULT_PORT };
  const token = loadOrCreateToken(prepareDataDir(values.data));
  console.log(`http://${host.includes(':') ? `[${host}]` : host}:${port}/login?code=${mintLoginCode(token)}`);
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        await serve(rest);
        return -1; // keep running
      case 'login-url':
        loginUrl(rest);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`tapedeck: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof DataDirError || e instanceof ListenError) {
      process.stderr.write(`tapedeck: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
