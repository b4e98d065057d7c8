/** Binds the fetch handler to node:http, with the raw-target guard in front of it. */
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRawTarget } from './raw-path-guard.ts';

export class ListenError extends Error {}

export interface Listening {
  server: Server;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(fetch: (req: Request) => Response | Promise<Response>, host: string, port: number): Promise<Listening> {
  const listener = getRequestListener(fetch);
  const server = createServer((req, res) => {
    const bad = checkRawTarget(req.url ?? '');
    if (bad) {
      res.writeHead(bad.status, { 'content-type': 'text/plain; charset=utf-8' }).end(bad.message);
      return;
    }
    void listener(req, res);
  });
  // Long-lived SSE and slow cut downloads must not be cut off by node's default request timeout.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(new ListenError(e.code === 'EADDRINUSE'
        ? `Cannot listen on ${host}:${port}: the port is already in use (pick another with --listen HOST:PORT)`
        : `Cannot listen on ${host}:${port}: ${e.message}`));
    });
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    server, host, port: addr.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
