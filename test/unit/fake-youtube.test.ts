/**
 * Fake YouTube: OAuth (loopback + PKCE), API authentication, quota ledger,
 * video metadata validation and the processing lifecycle — exercised both with
 * raw HTTP and through the real googleapis / google-auth-library clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { google } from 'googleapis';
import { OAuth2Client } from 'google-auth-library';
import {
  SCOPES,
  createManualClock,
  makePkcePair,
  startFakeYouTube,
  type FakeYouTube,
} from '../fakes/youtube/index.ts';
import { rawRequest } from '../fakes/youtube/raw-client.ts';
import { tagsLength } from '../fakes/youtube/metadata.ts';

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** Start a resumable session; returns the raw response. */
function startSession(fake: FakeYouTube, token: string, body: unknown, extraHeaders: Record<string, string> = {}) {
  return rawRequest(`${fake.url}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json; charset=UTF-8', ...extraHeaders },
    body: JSON.stringify(body),
  });
}

/** Upload `bytes` in one resumable PUT and return the video id. */
async function uploadSmall(fake: FakeYouTube, token: string, bytes = Buffer.from('tiny video')): Promise<string> {
  const start = await startSession(fake, token, { snippet: { title: 'Run 1', categoryId: '20' }, status: { privacyStatus: 'private' } });
  assert.equal(start.status, 200, start.text());
  const put = await rawRequest(String(start.headers.location), { method: 'PUT', body: bytes });
  assert.equal(put.status, 200, put.text());
  return put.json().id;
}

/** Refresh through OAuth2Client's public API (getAccessToken on credentials holding only a refresh token). */
async function refreshVia(oauth: OAuth2Client, refreshToken: string): Promise<string> {
  const c = new OAuth2Client({
    clientId: oauth._clientId,
    clientSecret: oauth._clientSecret,
    endpoints: oauth.endpoints,
  });
  c.setCredentials({ refresh_token: refreshToken });
  const { token } = await c.getAccessToken();
  return token!;
}

function assertGoogleError(body: any, code: number, reason: string, domain?: string) {
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(Array.isArray(body.error.errors) && body.error.errors.length === 1, JSON.stringify(body));
  assert.equal(body.error.errors[0].reason, reason);
  assert.equal(typeof body.error.errors[0].message, 'string');
  if (domain) assert.equal(body.error.errors[0].domain, domain);
}

describe('fake YouTube: OAuth loopback + PKCE', () => {
  let fake: FakeYouTube;
  let loopback: Server;
  let redirectUri: string;
  const hits: URL[] = [];

  before(async () => {
    fake = await startFakeYouTube();
    loopback = createServer((req, res) => {
      hits.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.end('You can close this window.');
    });
    await new Promise<void>((r) => loopback.listen(0, '127.0.0.1', r));
    redirectUri = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}`;
  });
  after(async () => {
    await fake.close();
    await new Promise((r) => loopback.close(r));
  });

  function client() {
    return new OAuth2Client({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      redirectUri,
      endpoints: fake.oauthEndpoints,
    });
  }

  /** Drive the consent redirect the way a browser would, ending at the loopback listener. */
  async function authorize(oauth: OAuth2Client, codeChallenge: string, state = 'st-' + Math.random()) {
    const authUrl = oauth.generateAuthUrl({
      access_type: 'offline',
      scope: [SCOPES.upload, SCOPES.youtube],
      code_challenge: codeChallenge,
      code_challenge_method: 'S256' as any,
      state,
    });
    assert.ok(authUrl.startsWith(fake.url + '/o/oauth2/v2/auth?'), authUrl);
    const consent = await fetch(authUrl, { redirect: 'manual' });
    assert.equal(consent.status, 302);
    const location = new URL(consent.headers.get('location')!);
    assert.equal(location.origin, redirectUri);
    await fetch(location); // the app's loopback listener receives the code
    assert.equal(hits.at(-1)?.searchParams.get('state'), state);
    return location;
  }

  it('exchanges a code with its verifier via OAuth2Client.getToken and the token works against the API', async () => {
    const oauth = client();
    const { codeVerifier, codeChallenge } = await oauth.generateCodeVerifierAsync();
    const location = await authorize(oauth, codeChallenge!);
    const code = location.searchParams.get('code')!;
    assert.match(code, /^4\/0A/);
    assert.equal(location.searchParams.get('scope'), `${SCOPES.upload} ${SCOPES.youtube}`);

    const { tokens } = await oauth.getToken({ code, codeVerifier });
    assert.match(tokens.access_token!, /^ya29\./);
    assert.match(tokens.refresh_token!, /^1\/\//);
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.expiry_date! > Date.now());
    oauth.setCredentials(tokens);

    const yt = google.youtube({ version: 'v3', auth: oauth, rootUrl: fake.url + '/' });
    const res = await yt.channels.list({ part: ['contentDetails'], mine: true });
    assert.equal(res.data.items?.[0]?.id, fake.defaultChannelId);
    assert.match(res.data.items![0]!.contentDetails!.relatedPlaylists!.uploads!, /^UU/);

    // Codes are single use.
    await assert.rejects(oauth.getToken({ code, codeVerifier }), (e: any) => e.status === 400 && e.message === 'invalid_grant');
  });

  it('rejects a PKCE mismatch, a missing verifier and a different redirect_uri with the OAuth error shapes', async () => {
    const oauth = client();
    const { codeChallenge } = await oauth.generateCodeVerifierAsync();
    const code1 = (await authorize(oauth, codeChallenge!)).searchParams.get('code')!;
    const wrong = makePkcePair().codeVerifier;
    await assert.rejects(oauth.getToken({ code: code1, codeVerifier: wrong }), (e: any) => {
      assert.equal(e.status, 400);
      assert.equal(e.message, 'invalid_grant');
      assert.equal(e.response.data.error_description, 'Invalid code verifier.');
      return true;
    });
    const code2 = (await authorize(oauth, codeChallenge!)).searchParams.get('code')!;
    await assert.rejects(oauth.getToken({ code: code2 }), (e: any) => e.response.data.error_description === 'Missing code verifier.');

    const code3 = (await authorize(oauth, codeChallenge!)).searchParams.get('code')!;
    const res = await rawRequest(`${fake.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code3,
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        redirect_uri: 'http://127.0.0.1:1',
        code_verifier: wrong,
      }).toString(),
    });
    assert.equal(res.status, 400);
    assert.equal(res.json().error, 'redirect_uri_mismatch');
  });

  it('answers invalid_client for a wrong secret or unknown client', async () => {
    const bad = new OAuth2Client({ clientId: fake.clientId, clientSecret: 'nope', redirectUri, endpoints: fake.oauthEndpoints });
    await assert.rejects(refreshVia(bad, '1//whatever'), (e: any) => e.status === 401 && e.message === 'invalid_client');
    const res = await rawRequest(`${fake.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x&client_id=ghost&client_secret=x',
    });
    assert.equal(res.status, 401);
    assert.deepEqual(Object.keys(res.json()).sort(), ['error', 'error_description']);
  });

  it('redirects with error=access_denied when the user declines, keeping state', async () => {
    fake.setConsent({ grant: false });
    try {
      const { codeChallenge } = makePkcePair();
      const url = client().generateAuthUrl({ scope: [SCOPES.youtube], code_challenge: codeChallenge, code_challenge_method: 'S256' as any, state: 'xyz' });
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const loc = new URL(res.headers.get('location')!);
      assert.equal(loc.searchParams.get('error'), 'access_denied');
      assert.equal(loc.searchParams.get('state'), 'xyz');
      assert.equal(loc.searchParams.get('code'), null);
    } finally {
      fake.setConsent({ grant: true });
    }
  });

  it('grants only the scopes the user ticked (granular consent) and enforces them', async () => {
    fake.setConsent({ scopes: [SCOPES.upload] });
    try {
      const oauth = client();
      const { codeVerifier, codeChallenge } = await oauth.generateCodeVerifierAsync();
      const code = (await authorize(oauth, codeChallenge!)).searchParams.get('code')!;
      const { tokens } = await oauth.getToken({ code, codeVerifier });
      assert.equal(tokens.scope, SCOPES.upload);
      const res = await rawRequest(`${fake.url}/youtube/v3/videos?part=status&id=x`, { headers: bearer(tokens.access_token!) });
      assert.equal(res.status, 403);
      assertGoogleError(res.json(), 403, 'insufficientPermissions');
    } finally {
      fake.setConsent({ scopes: undefined });
    }
  });

  it('refuses non-loopback redirect URIs and requests without PKCE (HTML error page, no redirect)', async () => {
    const base = `${fake.url}/o/oauth2/v2/auth?client_id=${encodeURIComponent(fake.clientId)}&response_type=code&scope=${encodeURIComponent(SCOPES.youtube)}`;
    const r1 = await fetch(`${base}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${makePkcePair().codeChallenge}&code_challenge_method=S256`, { redirect: 'manual' });
    assert.equal(r1.status, 400);
    assert.match(await r1.text(), /redirect_uri_mismatch/);
    const r2 = await fetch(`${base}&redirect_uri=${encodeURIComponent(redirectUri)}`, { redirect: 'manual' });
    assert.equal(r2.status, 400);
    assert.match(await r2.text(), /code_challenge/);
  });

  it('refreshes automatically through OAuth2Client, then invalid_grant once the refresh token is revoked', async () => {
    const t = fake.issueTokens();
    const oauth = client();
    oauth.setCredentials({ access_token: 'stale-token', refresh_token: t.refresh_token, expiry_date: Date.now() - 1000 });
    const refreshed: any[] = [];
    oauth.on('tokens', (x) => refreshed.push(x));
    const yt = google.youtube({ version: 'v3', auth: oauth, rootUrl: fake.url + '/' });
    const res = await yt.videos.list({ part: ['status'], id: ['none'] });
    assert.equal(res.status, 200);
    assert.equal(refreshed.length, 1);
    const grant = fake.grants().find((g) => g.refreshToken === t.refresh_token)!;
    assert.equal(grant.refreshCount, 1);

    assert.equal(fake.revokeToken(t.refresh_token), true);
    await assert.rejects(refreshVia(oauth, t.refresh_token), (e: any) => {
      assert.equal(e.status, 400);
      assert.equal(e.message, 'invalid_grant');
      assert.equal(e.response.data.error_description, 'Token has been expired or revoked.');
      return true;
    });
    // Access tokens minted from the revoked grant die too.
    const old = await rawRequest(`${fake.url}/youtube/v3/videos?part=status&id=x`, { headers: bearer(refreshed[0].access_token) });
    assert.equal(old.status, 401);
  });

  it('revokes through the /revoke endpoint (OAuth2Client.revokeToken) and serves /tokeninfo', async () => {
    const t = fake.issueTokens();
    const oauth = client();
    const info = await oauth.getTokenInfo(t.access_token);
    assert.deepEqual(info.scopes.sort(), [SCOPES.upload, SCOPES.youtube].sort());
    assert.equal(info.aud, fake.clientId);
    const r = await oauth.revokeToken(t.access_token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.data, {});
    await assert.rejects(refreshVia(oauth, t.refresh_token), (e: any) => e.message === 'invalid_grant');
    await assert.rejects(oauth.revokeToken(t.access_token), (e: any) => e.status === 400);
  });

  it('injects invalid_grant on the next refresh only', async () => {
    const t = fake.issueTokens();
    const oauth = client();
    fake.injectFault({ op: 'oauth.refresh', action: { type: 'invalidGrant' } });
    await assert.rejects(refreshVia(oauth, t.refresh_token), (e: any) => e.message === 'invalid_grant');
    assert.match(await refreshVia(oauth, t.refresh_token), /^ya29\./);
  });
});

describe('fake YouTube: token expiry with an injected clock', () => {
  it('expires access tokens on the fake clock; refresh tokens die after the "Testing" 7-day limit', async () => {
    const clock = createManualClock();
    const fake = await startFakeYouTube({ clock: clock.now, accessTokenTtlSec: 5, refreshTokenTtlMs: 7 * 24 * 3600_000 });
    try {
      const t = fake.issueTokens();
      assert.equal(t.expires_in, 5);
      const url = `${fake.url}/youtube/v3/videos?part=status&id=x`;
      assert.equal((await rawRequest(url, { headers: bearer(t.access_token) })).status, 200);
      clock.advance(5_000);
      const expired = await rawRequest(url, { headers: bearer(t.access_token) });
      assert.equal(expired.status, 401);
      assertGoogleError(expired.json(), 401, 'authError', 'global');
      assert.match(String(expired.headers['www-authenticate']), /invalid_token/);

      const form = (rt: string) =>
        rawRequest(`${fake.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(rt)}&client_id=${encodeURIComponent(fake.clientId)}&client_secret=${fake.clientSecret}`,
        });
      const r1 = await form(t.refresh_token);
      assert.equal(r1.status, 200);
      assert.equal(r1.json().refresh_token, undefined);
      assert.equal((await rawRequest(url, { headers: bearer(r1.json().access_token) })).status, 200);

      clock.advance(7 * 24 * 3600_000);
      const r2 = await form(t.refresh_token);
      assert.equal(r2.status, 400);
      assert.deepEqual(r2.json(), { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    } finally {
      await fake.close();
    }
  });
});

describe('fake YouTube: API authentication', () => {
  let fake: FakeYouTube;
  before(async () => {
    fake = await startFakeYouTube();
  });
  after(() => fake.close());

  it('answers 401 with the Google shape for missing, unknown and revoked credentials, and for expireAccessTokens()', async () => {
    const url = `${fake.url}/youtube/v3/playlistItems?part=snippet&playlistId=PLx`;
    const missing = await rawRequest(url);
    assert.equal(missing.status, 401);
    assertGoogleError(missing.json(), 401, 'required');
    assert.equal(missing.json().error.status, 'UNAUTHENTICATED');

    const unknown = await rawRequest(url, { headers: bearer('ya29.not-issued-here') });
    assert.equal(unknown.status, 401);
    assertGoogleError(unknown.json(), 401, 'authError');
    assert.equal(unknown.json().error.errors[0].location, 'Authorization');

    const t = fake.issueTokens();
    fake.expireAccessTokens();
    assert.equal((await rawRequest(url, { headers: bearer(t.access_token) })).status, 401);
  });

  it('injects a 401 on one call and lets googleapis surface it as a GaxiosError', async () => {
    const t = fake.issueTokens();
    const yt = google.youtube({ version: 'v3', rootUrl: fake.url + '/' });
    fake.injectFault({ op: 'videos.list', action: { type: 'unauthorized' } });
    await assert.rejects(
      yt.videos.list({ part: ['status'], id: ['a'] }, { headers: bearer(t.access_token) }),
      (e: any) => e.status === 401 && e.response.data.error.errors[0].reason === 'authError',
    );
    const ok = await yt.videos.list({ part: ['status'], id: ['a'] }, { headers: bearer(t.access_token) });
    assert.equal(ok.status, 200);
    assert.equal(fake.firedFaults().at(-1)?.op, 'videos.list');
  });

  it('serves slow responses when asked', async () => {
    const t = fake.issueTokens();
    fake.injectFault({ op: 'videos.list', action: { type: 'delay', ms: 150 } });
    const t0 = Date.now();
    const r = await rawRequest(`${fake.url}/youtube/v3/videos?part=id&id=a`, { headers: bearer(t.access_token) });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 140, 'delayed');
  });

  it('exposes state and takes faults over the /__admin HTTP API', async () => {
    const t = fake.issueTokens();
    const add = await rawRequest(`${fake.url}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'videos.list', action: { type: 'error', status: 503 } }),
    });
    assert.equal(add.status, 200);
    const r = await rawRequest(`${fake.url}/youtube/v3/videos?part=id&id=a`, { headers: bearer(t.access_token) });
    assert.equal(r.status, 503);
    assertGoogleError(r.json(), 503, 'backendError');
    const state = (await rawRequest(`${fake.url}/__admin/state`)).json();
    assert.ok(Array.isArray(state.requests) && state.requests.some((q: any) => q.status === 503 && q.fault === 'error'));
  });
});

describe('fake YouTube: quota ledger', () => {
  it('charges the documented costs per project (shared-1600 profile) and bills invalid calls 1 unit', async () => {
    const fake = await startFakeYouTube({
      clients: [
        { clientId: 'a.apps.googleusercontent.com', clientSecret: 's', project: 'proj-a' },
        { clientId: 'b.apps.googleusercontent.com', clientSecret: 's', project: 'proj-b' },
      ],
    });
    try {
      const ta = fake.issueTokens({ clientId: 'a.apps.googleusercontent.com' }).access_token;
      const tb = fake.issueTokens({ clientId: 'b.apps.googleusercontent.com' }).access_token;
      const pl = fake.addPlaylist({ title: 'Marathon' });
      const vid = fake.addVideo({ title: 'seed' });
      const yt = google.youtube({ version: 'v3', rootUrl: fake.url + '/' });
      const h = { headers: bearer(ta) };
      await yt.videos.list({ part: ['snippet'], id: [vid] }, h); // 1
      await yt.playlistItems.insert({ part: ['snippet'], requestBody: { snippet: { playlistId: pl, resourceId: { kind: 'youtube#video', videoId: vid } } } }, h); // 50
      const s = await startSession(fake, ta, { snippet: { title: 'x', categoryId: '20' } }); // 1600
      assert.equal(s.status, 200);
      const bad = await startSession(fake, ta, { snippet: { title: '' } }); // invalid: 1
      assert.equal(bad.status, 400);
      const unknownPart = await rawRequest(`${fake.url}/youtube/v3/videos?part=bogus&id=x`, { headers: bearer(ta) }); // invalid: 1
      assert.equal(unknownPart.status, 400);
      assertGoogleError(unknownPart.json(), 400, 'unknownPart');
      await rawRequest(`${fake.url}/youtube/v3/videos?part=id&id=x`, { headers: bearer('ya29.bogus') }); // 401: unattributable, 0

      assert.equal(fake.quotaSpent('proj-a').units, 1 + 50 + 1600 + 1 + 1);
      assert.equal(fake.quotaSpent('proj-b').units, 0);
      await yt.playlists.list({ part: ['snippet'], mine: true }, { headers: bearer(tb) });
      assert.equal(fake.quotaSpent('proj-b').units, 1);
      const ledger = fake.quotaLedger('proj-a');
      assert.deepEqual(
        ledger.map((e) => [e.op, e.units, e.outcome]),
        [
          ['videos.list', 1, 'full'],
          ['playlistItems.insert', 50, 'full'],
          ['videos.insert', 1600, 'full'],
          ['videos.insert', 1, 'invalid'],
          ['videos.list', 1, 'invalid'],
        ],
      );
    } finally {
      await fake.close();
    }
  });

  it('refuses calls that do not fit with 403 quotaExceeded (exact shape) and does not bill them', async () => {
    const fake = await startFakeYouTube();
    try {
      const t = fake.issueTokens().access_token;
      fake.setQuotaSpent(fake.project, { units: 9000 });
      const r = await startSession(fake, t, { snippet: { title: 'x', categoryId: '20' } });
      assert.equal(r.status, 403);
      const body = r.json();
      assertGoogleError(body, 403, 'quotaExceeded', 'youtube.quota');
      assert.match(body.error.message, /exceeded your <a href="\/youtube\/v3\/getting-started#quota">quota<\/a>/);
      assert.equal(fake.quotaSpent().units, 9000);
      // Cheaper calls still fit.
      const list = await rawRequest(`${fake.url}/youtube/v3/videos?part=id&id=x`, { headers: bearer(t) });
      assert.equal(list.status, 200);
      assert.equal(fake.quotaSpent().units, 9001);
      // googleapis surfaces the reason.
      const yt = google.youtube({ version: 'v3', rootUrl: fake.url + '/' });
      fake.setQuotaSpent(fake.project, { units: 10_000 });
      await assert.rejects(
        yt.videos.list({ part: ['id'], id: ['x'] }, { headers: bearer(t), retry: false }),
        (e: any) => e.status === 403 && e.response.data.error.errors[0].reason === 'quotaExceeded',
      );
    } finally {
      await fake.close();
    }
  });

  it('uses a separate 100-uploads bucket in the separate-100 profile', async () => {
    const fake = await startFakeYouTube({ uploadBucket: 'separate-100', dailyUploads: 2 });
    try {
      const t = fake.issueTokens().access_token;
      for (let i = 0; i < 2; i++) assert.equal((await startSession(fake, t, { snippet: { title: `v${i}` } })).status, 200);
      assert.deepEqual(
        { units: fake.quotaSpent().units, uploads: fake.quotaSpent().uploads },
        { units: 0, uploads: 2 },
      );
      const third = await startSession(fake, t, { snippet: { title: 'v3' } });
      assert.equal(third.status, 403);
      assertGoogleError(third.json(), 403, 'quotaExceeded');
      // The shared bucket is untouched by uploads.
      assert.equal((await rawRequest(`${fake.url}/youtube/v3/videos?part=id&id=x`, { headers: bearer(t) })).status, 200);
      assert.equal(fake.quotaSpent().units, 1);
    } finally {
      await fake.close();
    }
  });

  it('resets at midnight America/Los_Angeles across DST, on the injected clock', async () => {
    // 2026-03-07 23:30 PST (UTC-8); DST starts 2026-03-08 02:00, so the next day is 23 h long.
    const clock = createManualClock(Date.UTC(2026, 2, 8, 7, 30));
    const fake = await startFakeYouTube({ clock: clock.now, dailyQuota: 3, accessTokenTtlSec: 7 * 24 * 3600 });
    try {
      assert.equal(fake.quotaResetsAt(), Date.UTC(2026, 2, 8, 8, 0));
      const t = fake.issueTokens().access_token;
      const list = () => rawRequest(`${fake.url}/youtube/v3/videos?part=id&id=x`, { headers: bearer(t) });
      for (let i = 0; i < 3; i++) assert.equal((await list()).status, 200);
      assert.equal((await list()).status, 403);
      clock.set(Date.UTC(2026, 2, 8, 7, 59, 59));
      assert.equal((await list()).status, 403, 'still the same Pacific day');
      clock.set(Date.UTC(2026, 2, 8, 8, 0, 0));
      assert.equal((await list()).status, 200, 'new Pacific day');
      assert.equal(fake.quotaSpent().day, '2026-03-08');
      // Next reset is midnight PDT (UTC-7): 23 hours later.
      assert.equal(fake.quotaResetsAt(), Date.UTC(2026, 2, 9, 7, 0));
    } finally {
      await fake.close();
    }
  });

  it('injects quotaExceeded at session start and 429 rate limiting without billing', async () => {
    const fake = await startFakeYouTube();
    try {
      const t = fake.issueTokens().access_token;
      fake.injectFault({ op: 'videos.insert', action: { type: 'quotaExceeded' } });
      const r = await startSession(fake, t, { snippet: { title: 'x' } });
      assert.equal(r.status, 403);
      assertGoogleError(r.json(), 403, 'quotaExceeded', 'youtube.quota');
      fake.injectFault({ op: 'playlistItems.list', action: { type: 'rateLimit', status: 429 } });
      const rl = await rawRequest(`${fake.url}/youtube/v3/playlistItems?part=id&playlistId=PLx`, { headers: bearer(t) });
      assert.equal(rl.status, 429);
      assert.equal(rl.json().error.status, 'RESOURCE_EXHAUSTED');
      assert.equal(fake.quotaSpent().units, 0);
    } finally {
      await fake.close();
    }
  });
});

describe('fake YouTube: video metadata validation (B6.3)', () => {
  let fake: FakeYouTube;
  let token: string;
  before(async () => {
    fake = await startFakeYouTube();
    token = fake.issueTokens().access_token;
  });
  after(() => fake.close());

  const cases: Array<[string, unknown, string | null]> = [
    ['missing title', { snippet: { description: 'd' } }, 'invalidTitle'],
    ['blank title', { snippet: { title: '   ' } }, 'invalidTitle'],
    ['101-char title', { snippet: { title: 'x'.repeat(101) } }, 'invalidTitle'],
    ['100-char title with an emoji', { snippet: { title: '🎮' + 'x'.repeat(99) } }, null],
    ['title with <', { snippet: { title: 'a < b' } }, 'invalidTitle'],
    ['title with >', { snippet: { title: 'a > b' } }, 'invalidTitle'],
    ['5000-byte description', { snippet: { title: 't', description: 'é'.repeat(2500) } }, null],
    ['5002-byte description (2501 chars)', { snippet: { title: 't', description: 'é'.repeat(2501) } }, 'invalidDescription'],
    ['description with <', { snippet: { title: 't', description: '<b>' } }, 'invalidDescription'],
    ['tags of exactly 500', { snippet: { title: 't', tags: ['a'.repeat(249), 'b'.repeat(250)] } }, null],
    ['tags of 501', { snippet: { title: 't', tags: ['a'.repeat(250), 'b'.repeat(250)] } }, 'invalidTags'],
    ['spaced tag counts its quotes', { snippet: { title: 't', tags: ['a b' + 'c'.repeat(496)] } }, 'invalidTags'],
    ['unknown category', { snippet: { title: 't', categoryId: '999' } }, 'invalidCategoryId'],
    ['bad privacyStatus', { snippet: { title: 't' }, status: { privacyStatus: 'secret' } }, 'invalidVideoMetadata'],
    ['publishAt on a public video', { snippet: { title: 't' }, status: { privacyStatus: 'public', publishAt: '2099-01-01T00:00:00Z' } }, 'invalidPublishAt'],
    ['scheduled private video', { snippet: { title: 't' }, status: { privacyStatus: 'private', publishAt: '2099-01-01T00:00:00Z' } }, null],
  ];
  for (const [name, body, reason] of cases) {
    it(`${reason ? 'rejects' : 'accepts'} ${name}`, async () => {
      const r = await startSession(fake, token, body);
      if (reason === null) {
        assert.equal(r.status, 200, r.text());
        assert.ok(r.headers.location);
      } else {
        assert.equal(r.status, 400, r.text());
        assertGoogleError(r.json(), 400, reason, 'youtube.video');
      }
    });
  }

  it('counts tag length by YouTube rule', () => {
    assert.equal(tagsLength(['Foo Baz']), 9);
    assert.equal(tagsLength(['a', 'b']), 3);
    assert.equal(tagsLength([]), 0);
  });
});

describe('fake YouTube: videos.list lifecycle and videos.update', () => {
  it('moves uploaded → processed with string progress on the injected clock, and scripts failures', async () => {
    const clock = createManualClock();
    const fake = await startFakeYouTube({ clock: clock.now, processingMs: 60_000, accessTokenTtlSec: 86_400 });
    try {
      const token = fake.issueTokens().access_token;
      const yt = google.youtube({ version: 'v3', rootUrl: fake.url + '/' });
      const h = { headers: bearer(token) };
      const ok = await uploadSmall(fake, token);
      fake.setNextProcessing({ outcome: 'failed' }, { outcome: 'rejected' }, { outcome: 'deleted' });
      const failed = await uploadSmall(fake, token);
      const rejected = await uploadSmall(fake, token);
      const deleted = await uploadSmall(fake, token);
      assert.match(ok, /^[A-Za-z0-9_-]{11}$/);

      clock.advance(30_000);
      const mid = await yt.videos.list({ part: ['status', 'processingDetails'], id: [ok] }, h);
      const item = mid.data.items![0]!;
      assert.equal(item.status!.uploadStatus, 'uploaded');
      assert.equal(item.processingDetails!.processingStatus, 'processing');
      assert.deepEqual(item.processingDetails!.processingProgress, { partsTotal: '1000', partsProcessed: '500', timeLeftMs: '30000' });

      clock.advance(30_000);
      // Comma-separated form of part/id must work as well as repeated keys.
      const done = await rawRequest(`${fake.url}/youtube/v3/videos?part=status%2CprocessingDetails&id=${ok},${failed},${rejected},${deleted},nonexistent1`, h);
      const byId = Object.fromEntries(done.json().items.map((i: any) => [i.id, i]));
      assert.equal(done.json().pageInfo.totalResults, 3, 'deleted and unknown ids are simply missing');
      assert.equal(byId[ok].status.uploadStatus, 'processed');
      assert.equal(byId[ok].processingDetails.processingStatus, 'succeeded');
      assert.equal(byId[ok].processingDetails.processingProgress, undefined);
      assert.equal(byId[failed].status.uploadStatus, 'failed');
      assert.equal(byId[failed].status.failureReason, 'codec');
      assert.equal(byId[failed].processingDetails.processingStatus, 'failed');
      assert.equal(byId[rejected].status.uploadStatus, 'rejected');
      assert.equal(byId[rejected].status.rejectionReason, 'duplicate');
      assert.equal(byId[deleted], undefined);

      // Explicit completion, and hiding owner-only parts from other channels.
      fake.setProcessing(ok, { outcome: 'stuck' });
      clock.advance(3_600_000);
      assert.equal(fake.getVideo(ok)!.processingStatus, 'processing');
      fake.finishProcessing(ok);
      fake.setProcessing(ok, { durationMs: 0 });
      assert.equal(fake.getVideo(ok)!.uploadStatus, 'processed');
      const other = fake.issueTokens({ channelId: fake.addChannel({ title: 'Other' }) }).access_token;
      const asOther = await rawRequest(`${fake.url}/youtube/v3/videos?part=status,processingDetails&id=${ok}`, { headers: bearer(other) });
      assert.equal(asOther.json().items.length, 0, "someone else's private video is invisible");
    } finally {
      await fake.close();
    }
  });

  it('updates with replace semantics and validates like insert', async () => {
    const fake = await startFakeYouTube();
    try {
      const token = fake.issueTokens().access_token;
      const yt = google.youtube({ version: 'v3', rootUrl: fake.url + '/' });
      const h = { headers: bearer(token) };
      const id = fake.addVideo({ title: 'Old', description: 'keep?', tags: ['a'], privacyStatus: 'private' });
      const res = await yt.videos.update(
        { part: ['snippet', 'status'], requestBody: { id, snippet: { title: 'New title', categoryId: '20' }, status: { privacyStatus: 'unlisted' } } },
        h,
      );
      assert.equal(res.data.snippet!.title, 'New title');
      assert.equal(res.data.snippet!.description, '');
      assert.equal(res.data.status!.privacyStatus, 'unlisted');
      const v = fake.getVideo(id)!;
      assert.deepEqual([v.title, v.description, v.tags, v.privacyStatus], ['New title', '', [], 'unlisted']);

      await assert.rejects(
        yt.videos.update({ part: ['snippet'], requestBody: { id, snippet: { title: 'No category' } } }, h),
        (e: any) => e.status === 400 && e.response.data.error.errors[0].reason === 'invalidCategoryId',
      );
      await assert.rejects(
        yt.videos.update({ part: ['snippet'], requestBody: { id, snippet: { title: 'x'.repeat(101), categoryId: '20' } } }, h),
        (e: any) => e.response.data.error.errors[0].reason === 'invalidTitle',
      );
      await assert.rejects(
        yt.videos.update({ part: ['snippet'], requestBody: { id: 'AAAAAAAAAAA', snippet: { title: 't', categoryId: '20' } } }, { ...h, retry: false }),
        (e: any) => e.status === 404 && e.response.data.error.errors[0].reason === 'videoNotFound',
      );
      const del = await yt.videos.delete({ id }, h);
      assert.equal(del.status, 204);
      assert.equal(fake.getVideo(id)!.gone, true);
    } finally {
      await fake.close();
    }
  });
});
