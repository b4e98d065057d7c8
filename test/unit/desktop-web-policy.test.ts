/**
 * The desktop window's security decisions (main/desktop/web-policy.ts): navigation, external links,
 * permissions, IPC sender trust and the CSP directives — including the lookalike URLs that prefix
 * checks get wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  contentSecurityPolicy, isAllowedExternal, isTrustedSender, navigationDecision, originOf, permissionAllowed,
  windowOpenDecision, withCsp,
} from '../../main/desktop/web-policy.ts';

const APP = 'http://127.0.0.1:4740';

test('navigation stays on the core origin; lookalikes and other schemes are refused', () => {
  for (const u of [`${APP}/`, `${APP}/streams/main?x=1#t`, 'http://127.0.0.1:4740/events/5']) assert.equal(navigationDecision(u, APP), 'allow', u);
  for (const u of [
    'http://127.0.0.1:4741/', 'http://localhost:4740/', 'https://127.0.0.1:4740/', 'http://127.0.0.1:4740.evil.com/',
    'http://127.0.0.1:4740@evil.com/', 'http://evil.com/?http://127.0.0.1:4740/', 'file:///etc/passwd',
    'javascript:alert(1)', 'data:text/html,hi', 'about:blank', 'not a url', '',
  ]) assert.equal(navigationDecision(u, APP), 'deny', u);
  assert.equal(navigationDecision('https://www.twitch.tv/somechannel', APP), 'external');
});

test('external links: https only, allowlisted hosts and their subdomains, no credentials or odd ports', () => {
  for (const u of [
    'https://www.twitch.tv/x', 'https://twitch.tv/x', 'https://www.youtube.com/watch?v=abc', 'https://studio.youtube.com/video/abc',
    'https://youtu.be/abc', 'https://accounts.google.com/o/oauth2/v2/auth?client_id=x', 'https://github.com/ekimekim/wubloader',
  ]) assert.equal(isAllowedExternal(u), true, u);
  for (const u of [
    'http://www.youtube.com/', 'https://youtube.com.evil.com/', 'https://evilyoutube.com/', 'https://user:pw@youtube.com/',
    'https://youtube.com:8443/', 'https://google.com/', 'https://accounts.google.com.evil.io/', 'ftp://youtube.com/',
    'file:///C:/x', 'javascript://youtube.com/%0aalert(1)', 'https://127.0.0.1:4740/',
  ]) assert.equal(isAllowedExternal(u), false, u);
  assert.equal(windowOpenDecision('https://www.youtube.com/watch?v=1'), 'external');
  assert.equal(windowOpenDecision(`${APP}/popup`), 'deny', 'never a second Electron window, not even for our origin');
  assert.equal(windowOpenDecision('https://evil.example/'), 'deny');
});

test('originOf parses, and rejects opaque origins', () => {
  assert.equal(originOf('http://127.0.0.1:4740/a/b'), APP);
  assert.equal(originOf('HTTP://127.0.0.1:4740'), APP);
  assert.equal(originOf('data:text/plain,x'), null);
  assert.equal(originOf('nope'), null);
});

test('permissions: fullscreen and clipboard writes for our origin, nothing else', () => {
  assert.equal(permissionAllowed('fullscreen', `${APP}/events/1`, APP), true);
  assert.equal(permissionAllowed('clipboard-sanitized-write', `${APP}/`, APP), true);
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi', 'hid', 'display-capture', 'unknown']) {
    assert.equal(permissionAllowed(p, `${APP}/`, APP), false, p);
  }
  assert.equal(permissionAllowed('fullscreen', 'https://www.youtube.com/embed/x', APP), false, 'not for other origins');
  assert.equal(permissionAllowed('fullscreen', undefined, APP), false);
  assert.equal(permissionAllowed('fullscreen', '', APP), false);
});

test('IPC senders: our window, main frame, our origin — all three required', () => {
  const ok = { frameUrl: `${APP}/settings`, isMainFrame: true, webContentsId: 7 };
  assert.equal(isTrustedSender(ok, APP, [7]), true);
  assert.equal(isTrustedSender({ ...ok, isMainFrame: false }, APP, [7]), false, 'an iframe');
  assert.equal(isTrustedSender({ ...ok, webContentsId: 8 }, APP, [7]), false, 'another webContents');
  assert.equal(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' }, APP, [7]), false, 'navigated away');
  assert.equal(isTrustedSender({ ...ok, frameUrl: 'http://127.0.0.1:4740.evil.com/' }, APP, [7]), false);
  assert.equal(isTrustedSender({ ...ok, frameUrl: undefined }, APP, [7]), false);
  assert.equal(isTrustedSender(ok, APP, []), false, 'before the window exists');
});

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

test('CSP: what hls.js and the console need, and nothing more', () => {
  const d = directives(contentSecurityPolicy());
  assert.deepEqual(d.get('default-src'), ["'none'"]);
  assert.deepEqual(d.get('script-src'), ["'self'"], 'no inline or eval script');
  assert.deepEqual(d.get('media-src'), ["'self'", 'blob:'], 'MediaSource object URLs');
  assert.deepEqual(d.get('worker-src'), ["'self'", 'blob:'], "hls.js's inline transmux worker");
  assert.deepEqual(d.get('connect-src'), ["'self'"], 'playlists, segments, API and SSE are same-origin');
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(d.get('base-uri'), ["'none'"]);
  assert.ok(d.get('img-src')!.includes('https://i.ytimg.com'));
  for (const [name, values] of d) {
    assert.ok(!values.includes("'unsafe-eval'"), name);
    assert.ok(!values.includes('*') && !values.includes('http:') && !values.includes('https:'), `${name} has no wildcard sources`);
  }
});

test('withCsp adds our policy and keeps one the server already sent', () => {
  const csp = contentSecurityPolicy();
  assert.deepEqual(withCsp(undefined, csp), { 'Content-Security-Policy': [csp] });
  const h = withCsp({ 'content-security-policy': ["default-src 'self'"], 'Content-Type': ['text/html'] }, csp);
  assert.deepEqual(h, { 'content-security-policy': ["default-src 'self'", csp], 'Content-Type': ['text/html'] });
});
