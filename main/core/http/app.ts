/**
 * The node's single HTTP surface (DESIGN §3) as a web-standard fetch handler: operator API under /api,
 * wubloader-compatible restreamer routes, /metrics, and the renderer build at /.
 */
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { UnsafePathError } from '../../media/segments/safe-path.ts';
import type { SegmentStore } from '../../media/segments/store.ts';
import { COOKIE_NAME, type LoginCodes } from '../auth/token.ts';
import { routeLabel, type NodeMetrics } from '../metrics.ts';
import { HttpError } from './params.ts';
import { restreamerRoutes, type RestreamerOptions } from './restreamer.ts';
import { security } from './security.ts';
import { staticUi } from './static-ui.ts';

export interface AppDeps {
  store: SegmentStore;
  token: string;
  loginCodes: LoginCodes;
  metrics: NodeMetrics;
  allowedHosts: () => Set<string>;
  openRestreamer: boolean;
  uiDir?: string;
  version: string;
  /** routes under /api from the node's subsystems (streams, events, uploads...) */
  api?: Hono;
  cutTypes?: RestreamerOptions['cutTypes'];
  defaultCutType?: string;
  templates?: RestreamerOptions['templates'];
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    const t0 = performance.now();
    await next();
    const route = routeLabel(new URL(c.req.url).pathname);
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpLatency.observe({ route }, (performance.now() - t0) / 1000);
  });

  app.onError((err, c) => {
    if (err instanceof HttpError || err instanceof UnsafePathError) {
      const status = err.status as 400;
      return new URL(c.req.url).pathname.startsWith('/api/') ? c.json({ error: err.message }, status) : c.text(err.message, status);
    }
    console.error('[http] unhandled error', err);
    return c.text('Internal server error', 500);
  });

  app.use(security({ token: deps.token, allowedHosts: deps.allowedHosts, openRestreamer: deps.openRestreamer }));

  app.get('/login', (c) => {
    const code = new URL(c.req.url).searchParams.get('code') ?? '';
    if (!deps.loginCodes.redeem(code)) {
      return c.text('This login link is invalid, expired or already used. Run `tapedeck login-url --data DIR` for a new one.', 403);
    }
    setCookie(c, COOKIE_NAME, deps.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
    return c.redirect('/', 303);
  });

  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }));

  app.get('/api/health', (c) => c.json({ ok: true, version: deps.version }));
  if (deps.api) app.route('/api', deps.api);
  app.all('/api/*', (c) => c.json({ error: 'No such API route' }, 404));

  app.route('/', restreamerRoutes({
    store: deps.store, cutTypes: deps.cutTypes, defaultCutType: deps.defaultCutType, templates: deps.templates,
    onPlaylistComputed: () => deps.metrics.playlistComputations.inc(),
  }));

  app.get('*', staticUi(deps.uiDir));
  return app;
}
