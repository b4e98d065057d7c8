/**
 * A Tapedeck node: the data directory, segment store, event bus, supervisor, subsystems (recorder,
 * cutter, ...) and the HTTP surface. Runtime-agnostic: `tapedeck serve` and the Electron shell both
 * start it through startNode(), passing their own WorkerHost.
 */
import { Hono } from 'hono';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SegmentStore } from '../media/segments/store.ts';
import { LoginCodes, loadOrCreateToken, mintLoginCode } from './auth/token.ts';
import { EventBus } from './bus/event-bus.ts';
import { loadConfig, NodeConfig } from './config.ts';
import { createApp } from './http/app.ts';
import { listen, type Listening } from './http/server.ts';
import { sseHandler } from './http/sse.ts';
import { createMetrics, type NodeMetrics } from './metrics.ts';
import type { Subsystem, SubsystemFactory } from './subsystem.ts';
import { NodeWorkerHost, type WorkerHost } from './supervisor/host.ts';
import { Supervisor } from './supervisor/supervisor.ts';
import { VERSION } from './version.ts';
import { cutTypes, DEFAULT_CUT_TYPE } from '../media/cut/index.ts';
import { TemplateStore } from './templates/store.ts';

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
  /** Overrides on top of DATA/config.json (from CLI flags). */
  config?: Partial<NodeConfig>;
  subsystems?: SubsystemFactory[];
  workerHost?: WorkerHost;
}

export interface RunningNode {
  url: string;
  dataDir: string;
  token: string;
  config: NodeConfig;
  store: SegmentStore;
  bus: EventBus;
  metrics: NodeMetrics;
  supervisor: Supervisor;
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
  let config: NodeConfig;
  try {
    config = NodeConfig.parse({ ...loadConfig(dataDir), ...opts.config });
  } catch (e) {
    throw new DataDirError((e as Error).message);
  }
  const token = loadOrCreateToken(dataDir);
  const store = new SegmentStore(join(dataDir, 'segments'));
  const metrics = createMetrics();
  const bus = new EventBus();
  const supervisor = new Supervisor(opts.workerHost ?? new NodeWorkerHost(), bus);
  const host = opts.host ?? DEFAULT_HOST;

  const api = new Hono();
  api.get('/events', sseHandler(bus));
  api.get('/workers', (c) => c.json(supervisor.status()));
  const subsystems: Subsystem[] = [];
  const closeSubsystems = async () => {
    for (const s of [...subsystems].reverse()) await s.close?.().catch((e) => console.error(`[${s.name}] close failed`, e));
    await supervisor.stopAll();
  };
  try {
    for (const factory of opts.subsystems ?? []) {
      const s = await factory({ dataDir, config, store, bus, metrics, supervisor });
      subsystems.push(s);
      if (s.api) api.route('/', s.api);
    }
  } catch (e) {
    await closeSubsystems();
    throw e;
  }

  const hosts = new Set<string>();
  const app = createApp({
    store, token, loginCodes: new LoginCodes(token), metrics, allowedHosts: () => hosts,
    openRestreamer: opts.openRestreamer ?? false, uiDir: opts.uiDir, version: VERSION, api,
    cutTypes, defaultCutType: DEFAULT_CUT_TYPE, templates: new TemplateStore(dataDir),
  });
  let http: Listening;
  try {
    http = await listen(app.fetch, host, opts.port ?? DEFAULT_PORT);
  } catch (e) {
    await closeSubsystems();
    throw e;
  }
  const port = http.port;
  const names = ['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host, ...(opts.allowHosts ?? [])];
  for (const n of names) hosts.add(`${n.toLowerCase()}:${port}`);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return {
    url, dataDir, token, config, store, bus, metrics, supervisor, http,
    loginUrl: () => `${url}/login?code=${mintLoginCode(token)}`,
    close: async () => {
      await http.close();
      await closeSubsystems();
    },
  };
}
