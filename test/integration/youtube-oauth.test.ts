/**
 * Connecting accounts: the installed-app loopback flow with PKCE against the fake Google OAuth
 * server (an HTTP GET of the consent URL plays the browser and lands on our listener), refresh,
 * revocation → invalid_grant → needs_reconnect, reconnect, disconnect, and where the tokens end up.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  AccountNeedsReconnectError, OAuthFlowError, refreshTokenKey, YOUTUBE_SCOPES,
} from '../../main/youtube/index.ts';
import { connectAccount, startYtFixture, type YtFixture } from './youtube-fixture.ts';

let fx: YtFixture;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe('YouTube account connection (loopback + PKCE)', () => {
  beforeEach(async () => {
    fx = await startYtFixture();
  });
  afterEach(() => fx.close());

  it('connects through the consent URL and keeps the refresh token only in the SecretStore', async () => {
    const pending = await fx.yt.accounts.beginConnect({ label: 'GDQ Main', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret, project: fx.fake.project });
    const u = new URL(pending.authUrl);
    assert.equal(u.origin + u.pathname, `${fx.fake.url}/o/oauth2/v2/auth`);
    const q = u.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), fx.fake.clientId);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('access_type'), 'offline');
    assert.equal(q.get('prompt'), 'consent');
    assert.deepEqual(q.get('scope')!.split(' '), YOUTUBE_SCOPES);
    assert.match(q.get('state')!, /^[A-Za-z0-9_-]{20,}$/);
    assert.match(q.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);

    // The "browser": follows the fake's 302 to our loopback listener.
    const page = await fetch(pending.authUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /YouTube account connected/);
    const acct = await pending.done;
    assert.equal(acct.id, 'gdq-main');
    assert.equal(acct.status, 'connected');
    assert.equal(acct.project, fx.fake.project);
    assert.equal(acct.channelId, fx.fake.defaultChannelId);
    assert.deepEqual(acct.scopes, YOUTUBE_SCOPES);

    const grant = fx.fake.grants()[0]!;
    assert.equal(await fx.secrets.get(refreshTokenKey(acct.id)), grant.refreshToken);
    // accounts.json (and everything else but the opt-in secrets file) never holds it.
    for (const f of filesUnder(fx.dir)) {
      if (f.endsWith('secrets.json')) continue;
      assert.ok(!readFileSync(f).includes(grant.refreshToken), `${f} holds the refresh token`);
      assert.ok(!readFileSync(f).includes(fx.fake.clientSecret), `${f} holds the client secret`);
    }
    assert.equal(statSync(fx.yt.accounts.file).mode & 0o777, 0o600);
    // The listener is gone once the flow is over.
    await assert.rejects(fetch(q.get('redirect_uri')!));
  });

  it('ignores a redirect with the wrong state, then completes with the right one', async () => {
    const pending = await fx.yt.accounts.beginConnect({ label: 'x', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret });
    const redirect = new URL(pending.authUrl).searchParams.get('redirect_uri')!;
    const forged = await fetch(`${redirect}?state=forged&code=4/evil`);
    assert.equal(forged.status, 400);
    assert.equal(fx.fake.requests().filter((r) => r.op === 'oauth.token').length, 0, 'a forged code is never exchanged');
    await (await fetch(pending.authUrl)).text();
    assert.equal((await pending.done).status, 'connected');
  });

  it('headless node: the operator pastes the redirect URL the browser could not open', async () => {
    const pending = await fx.yt.accounts.beginConnect({ label: 'Remote', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret });
    // The browser (on another machine) gets the 302 but cannot reach this node's 127.0.0.1.
    const r = await fetch(pending.authUrl, { redirect: 'manual' });
    assert.equal(r.status, 302);
    const location = r.headers.get('location')!;
    const forged = new URL(location);
    forged.searchParams.set('state', 'nope');
    await assert.rejects(pending.completeWithRedirect(forged.toString()), (e: unknown) => e instanceof OAuthFlowError && /state parameter does not match/.test(e.message));
    const acct = await pending.completeWithRedirect(`  ${location}\n`);
    assert.equal(acct.status, 'connected');
    assert.equal(await fx.secrets.get(refreshTokenKey(acct.id)), fx.fake.grants()[0]!.refreshToken);
  });

  it('the user declining consent fails the flow clearly and stores nothing', async () => {
    fx.fake.setConsent({ grant: false });
    const pending = await fx.yt.accounts.beginConnect({ label: 'x', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret });
    await (await fetch(pending.authUrl)).text();
    await assert.rejects(pending.done, (e: unknown) => e instanceof OAuthFlowError && e.reason === 'access_denied' && /declined/.test(e.message));
    assert.deepEqual(fx.yt.accounts.list(), []);
  });

  it('partial (granular) consent is refused with the missing scope named', async () => {
    fx.fake.setConsent({ grant: true, scopes: [YOUTUBE_SCOPES[0]!] });
    const pending = await fx.yt.accounts.beginConnect({ label: 'x', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret });
    await (await fetch(pending.authUrl)).text();
    await assert.rejects(pending.done, (e: unknown) => e instanceof OAuthFlowError && e.reason === 'insufficient_scope' && e.message.includes(YOUTUBE_SCOPES[1]!));
    assert.deepEqual(fx.yt.accounts.list(), []);
  });

  it('cancel and timeout end the flow and close the listener', async () => {
    const p1 = await fx.yt.accounts.beginConnect({ label: 'x', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret });
    p1.cancel();
    await assert.rejects(p1.done, (e: unknown) => e instanceof OAuthFlowError && e.reason === 'cancelled');
    await assert.rejects(fetch(new URL(p1.authUrl).searchParams.get('redirect_uri')!));
    const p2 = await fx.yt.accounts.beginConnect({ label: 'x', clientId: fx.fake.clientId, clientSecret: fx.fake.clientSecret }, { timeoutMs: 50 });
    await assert.rejects(p2.done, (e: unknown) => e instanceof OAuthFlowError && e.reason === 'timeout');
  });

  it('refreshes access tokens; revocation → invalid_grant → needs_reconnect; reconnect restores it', async () => {
    const acct = await connectAccount(fx.yt.accounts, fx.fake);
    const t1 = await fx.yt.accounts.getAccessToken(acct.id);
    const t2 = await fx.yt.accounts.getAccessToken(acct.id, { forceRefresh: true });
    assert.notEqual(t1, t2);
    assert.equal(fx.fake.grants()[0]!.refreshCount, 1);
    // A token from another process's point of view works too (read from the SecretStore).
    assert.ok(await fx.reopen().accounts.getAccessToken(acct.id));

    // The channel owner revokes Tapedeck's access in their Google account.
    assert.equal(fx.fake.revokeToken(fx.fake.grants()[0]!.refreshToken), true);
    await assert.rejects(fx.yt.accounts.getAccessToken(acct.id, { forceRefresh: true }), (e: unknown) => {
      assert.ok(e instanceof AccountNeedsReconnectError);
      assert.equal(e.accountId, acct.id);
      assert.equal(e.reason, 'invalid_grant');
      return true;
    });
    const marked = fx.yt.accounts.get(acct.id)!;
    assert.equal(marked.status, 'needs_reconnect');
    assert.match(marked.statusReason!, /invalid_grant.*Connect the account again/);

    const again = await connectAccount(fx.yt.accounts, fx.fake, { accountId: acct.id });
    assert.equal(again.id, acct.id);
    assert.equal(again.status, 'connected');
    assert.equal(again.generation, 2);
    assert.equal(fx.yt.accounts.list().length, 1);
    assert.ok(await fx.yt.accounts.getAccessToken(acct.id, { forceRefresh: true }));
    assert.equal(await fx.secrets.get(refreshTokenKey(acct.id)), fx.fake.grants()[1]!.refreshToken);
  });

  it('disconnect revokes the grant at Google and forgets the token', async () => {
    const acct = await connectAccount(fx.yt.accounts, fx.fake);
    await fx.yt.accounts.disconnect(acct.id);
    assert.equal(fx.fake.grants()[0]!.revoked, true);
    assert.equal(await fx.secrets.get(refreshTokenKey(acct.id)), null);
    assert.deepEqual(fx.yt.accounts.list(), []);
  });
});
