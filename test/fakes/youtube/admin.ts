/**
 * Optional HTTP admin API under /__admin/ — for driving the fake from another
 * process (e.g. an end-to-end test that runs the app as a child process).
 * In-process tests should call the methods on the FakeYouTube object instead.
 *
 *   GET    /__admin/state                       full inspection snapshot (JSON)
 *   POST   /__admin/faults                      body: FaultRule without `when` → {"id":n}
 *   DELETE /__admin/faults                      clear queued faults
 *   POST   /__admin/consent                     body: ConsentBehaviour
 *   POST   /__admin/tokens/expire               expire every access token
 *   POST   /__admin/tokens/revoke               body: {"token":"…"} or {} for all
 *   POST   /__admin/tokens/issue                body: issueTokens() options → token response
 *   POST   /__admin/videos/<id>/finish-processing
 *   GET    /__admin/quota?project=…             spent units for today
 */
import type { Rc } from './context.ts';
import { errors } from './errors.ts';
import type { FaultRule } from './faults.ts';
import { readJsonBody, sendEmpty, sendJson } from './http.ts';
import type { FakeYouTube } from './index.ts';

export function makeAdminHandler(fake: () => FakeYouTube): (rc: Rc) => Promise<void> {
  return async (rc) => {
    const f = fake();
    const path = rc.url.pathname.replace(/\/+$/, '');
    const method = rc.req.method ?? 'GET';
    const body = method === 'GET' || method === 'DELETE' ? undefined : ((await readJsonBody(rc.req)) as Record<string, unknown> | undefined);
    if (path === '/__admin/state' && method === 'GET') return sendJson(rc.res, 200, f.snapshot());
    if (path === '/__admin/faults' && method === 'POST') {
      const handle = f.injectFault(body as unknown as FaultRule);
      return sendJson(rc.res, 200, { id: handle.id });
    }
    if (path === '/__admin/faults' && method === 'DELETE') {
      f.clearFaults();
      return sendEmpty(rc.res, 204);
    }
    if (path === '/__admin/consent' && method === 'POST') {
      f.setConsent(body ?? {});
      return sendEmpty(rc.res, 204);
    }
    if (path === '/__admin/tokens/expire' && method === 'POST') {
      f.expireAccessTokens();
      return sendEmpty(rc.res, 204);
    }
    if (path === '/__admin/tokens/revoke' && method === 'POST') {
      if (body && typeof body.token === 'string') f.revokeToken(body.token);
      else f.revokeAllTokens();
      return sendEmpty(rc.res, 204);
    }
    if (path === '/__admin/tokens/issue' && method === 'POST') return sendJson(rc.res, 200, f.issueTokens(body ?? {}));
    const m = /^\/__admin\/videos\/([^/]+)\/finish-processing$/.exec(path);
    if (m && method === 'POST') {
      f.finishProcessing(decodeURIComponent(m[1]!));
      return sendEmpty(rc.res, 204);
    }
    if (path === '/__admin/quota' && method === 'GET') {
      return sendJson(rc.res, 200, f.quotaSpent(rc.url.searchParams.get('project') ?? undefined));
    }
    throw errors.notFound(`No admin route for ${method} ${path}`);
  };
}
