/**
 * Request gatekeeping (DESIGN §3): Host allowlist against DNS rebinding, foreign Origin refused on
 * state-changing methods (CSRF), and the token check. Read-only restreamer routes can be opened to
 * peers (for backfill) with an explicit option; everything else always needs the token.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { COOKIE_NAME, safeEqual } from '../auth/token.ts';

export interface SecurityOptions {
  token: string;
  /** Host header values accepted (host:port, lowercase). */
  allowedHosts: () => Set<string>;
  /** Serve GET/HEAD restreamer routes without a token (backfill peers). */
  openRestreamer: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const RESTREAMER_PREFIXES = ['/files', '/segments/', '/playlist/', '/cut/', '/waveform/', '/frame/', '/thumbnail/', '/metrics'];
/** Paths that never need the token: the login exchange and the static UI shell (it holds no data). */
const PUBLIC_PATHS = [/^\/login$/, /^\/$/, /^\/assets\//, /^\/favicon\.ico$/, /^\/index\.html$/];

export function isRestreamerPath(path: string): boolean {
  return RESTREAMER_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || path === p.replace(/\/$/, ''));
}

export function security(opts: SecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!opts.allowedHosts().has(host)) {
      return c.text(`Host ${JSON.stringify(host)} is not allowed`, 403);
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined) {
        let originHost = '';
        try {
          originHost = new URL(origin).host.toLowerCase();
        } catch {
          /* "null" or garbage: refused below */
        }
        if (!opts.allowedHosts().has(originHost)) return c.text('Cross-origin request refused', 403);
      }
    }
    const path = new URL(c.req.url).pathname;
    if (PUBLIC_PATHS.some((re) => re.test(path))) return next();
    if (opts.openRestreamer && SAFE_METHODS.has(c.req.method) && isRestreamerPath(path)) return next();
    const auth = c.req.header('authorization');
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const presented = bearer ?? getCookie(c, COOKIE_NAME);
    if (!presented || !safeEqual(presented, opts.token)) {
      return c.json({ error: 'Authentication required: use the login link printed by `tapedeck serve`, or send Authorization: Bearer <DATA/api-token>' }, 401);
    }
    return next();
  };
}
