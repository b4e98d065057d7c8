/**
 * A Tapedeck node: the data directory, segment store, HTTP surface and (in later issues) workers.
 * Runtime-agnostic: `tapedeck serve` and the Electron shell both start it through startNode().
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SegmentStore } from '../media/segments/store.ts';
import { LoginCodes, loadOrCreateToken, mintLoginCode } from './auth/token.ts';
import { createApp, type AppDeps } from './http/app.ts';
import { listen, type Listening } from './http/server.ts';
import { createMetrics } from './metrics.ts';
import { VERSION } from './version.ts';

export class DataDirError extends Error {}

export interface NodeOptions {
  dataDir: string;
  host?: string;
  port?: number;
  /** Serve read-only restreamer routes without the token (for backfill peers). */
  openRestreamer?: boolean;
  /** Extra Host header names accepted besides localhost forms and the bind address. */
  allowHosts?: string[];
  uiDir?: string;
  extraApi?: AppDeps['api'];
}

export interface RunningNode {
  url: string;
  dataDir: string;
  token: string;
  store: SegmentStore;
  http: Listening;
  loginUrl(): string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4740;

/** Create the data dir layout or explain exactly why it cannot be used. */
export function prepareDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    mkdirSync(join(dir, 'segments'), { recursive: true });
  } catch (e) {
    throw new DataDirError(`Data directory ${dir} is unusable: ${(e as Error).message}`);
  }
  return dir;
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const dataDir = prepareDataDir(opts.dataDir);
  const token = loadOrCreateToken(dataDir);
  const store = new SegmentStore(join(dataDir, 'segments'));
  const metrics = createMetrics();
  const host = opts.host ?? DEFAULT_HOST;
  let port = opts.port ?? DEFAULT_PORT;
  const hosts = new Set<string>();
  const allowedHosts = () => hosts;
  const app = createApp({
    store, token, loginCodes: new LoginCodes(token), metrics, allowedHosts,
    openRestreamer: opts.openRestreamer ?? false, uiDir: opts.uiDir, version: VERSION, api: opts.extraApi,
  });
  const http = await listen(app.fetch, host, port);
  port = http.port;
  const names = ['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host, ...(opts.allowHosts ?? [])];
  for (const n of names) hosts.add(`${n.toLowerCase()}:${port}`);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return {
    url, dataDir, token, store, http,
    loginUrl: () => `${url}/login?code=${mintLoginCode(token)}`,
    close: () => http.close(),
  };
}
