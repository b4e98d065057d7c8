/** Starting a real node on a temporary data dir for integration tests. */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type NodeOptions, type RunningNode } from '../../main/core/node.ts';

export interface TestNode extends RunningNode {
  /** fetch a path on the node with the bearer token */
  get(path: string, init?: RequestInit): Promise<Response>;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'tapedeck-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestNode(opts: Partial<NodeOptions> & { dataDir?: string } = {}): Promise<TestNode> {
  const dataDir = opts.dataDir ?? tempDir();
  const node = await startNode({ port: 0, ...opts, dataDir });
  return {
    ...node,
    get: (path, init = {}) => fetch(node.url + path, {
      ...init, headers: { authorization: `Bearer ${node.token}`, ...(init.headers as Record<string, string> | undefined) },
    }),
    cleanup: async () => {
      await node.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fingerprint of every file under `dir` (path, size, mtime) to prove a request changed nothing. */
export function snapshotTree(dir: string): string {
  const lines: string[] = [];
  (function walk(d: string) {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      const st = statSync(p);
      lines.push(`${p.slice(dir.length)} ${e.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  })(dir);
  return lines.join('\n');
}

/**
 * An API request with an optional JSON body (or `raw` text, for malformed-body tests); the answer's body
 * parsed as JSON, or its text when it is not JSON.
 */
export async function callJson(node: TestNode, method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; json: any }> {
  const r = await node.get(path, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json };
}
