/** Serves the built renderer (Vite output) at `/`, with index.html for client-side routes. */
import type { Context } from 'hono';
import { existsSync, promises as fsp } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_UI_DIR = resolve(fileURLToPath(new URL('../../../dist/renderer', import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

const MISSING_UI = `<!doctype html><meta charset="utf-8"><title>Tapedeck</title>
<p>The operator UI has not been built. Run <code>npm run build</code> and reload.</p>`;

export function staticUi(uiDir = DEFAULT_UI_DIR) {
  const root = resolve(uiDir);
  return async (c: Context) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    let file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return c.text('Not found', 404);
    let st = await fsp.stat(file).catch(() => null);
    if (!st || st.isDirectory()) {
      // Client-side routes and "/" get the app shell; missing assets stay 404.
      if (extname(path) && path !== '/') return c.text('Not found', 404);
      file = join(root, 'index.html');
      st = await fsp.stat(file).catch(() => null);
      if (!st) return c.html(MISSING_UI, existsSync(root) ? 404 : 200);
    }
    const body = await fsp.readFile(file);
    const immutable = path.startsWith('/assets/');
    return c.body(new Uint8Array(body), 200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  };
}
