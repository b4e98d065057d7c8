/**
 * DESIGN §3 security: token (bearer and login-link cookie), Host allowlist, foreign Origin, open
 * restreamer option, and every path/parameter attack refused with the documented 4xx while the store
 * stays byte-for-byte unchanged. Requests go over real HTTP so the raw-target guard is exercised.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildFixtureStore, type FixtureStore } from '../fixtures/segments.ts';
import { snapshotTree, startTestNode, tempDir, type TestNode } from '../helpers/node.ts';

let node: TestNode;
let open: TestNode;
let fx: FixtureStore;
let dataDir: string;

before(async () => {
  dataDir = tempDir();
  fx = buildFixtureStore(join(dataDir, 'segments'), { count: 12 });
  node = await startTestNode({ dataDir });
  open = await startTestNode({ dataDir: tempDir(), openRestreamer: true });
});
after(async () => {
  await node.cleanup();
  await open.cleanup();
});

/** Raw HTTP so the request target is sent exactly as written (fetch would normalise it). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET', base = node): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(base.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { host: u.host, authorization: `Bearer ${base.token}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('token file is created 0600', () => {
  assert.equal(statSync(join(dataDir, 'api-token')).mode & 0o777, 0o600);
});

test('no token, wrong token: 401; bearer token: 200', async () => {
  assert.equal((await fetch(node.url + '/files')).status, 401);
  assert.equal((await fetch(node.url + '/api/health')).status, 401);
  assert.equal((await fetch(node.url + '/files', { headers: { authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await node.get('/files')).status, 200);
  assert.equal((await fetch(node.url + '/segments/' + fx.written[0]!.rel)).status, 401);
});

test('one-time login link sets an HttpOnly SameSite=Strict cookie and cannot be reused', async () => {
  const link = node.loginUrl();
  const r = await fetch(link, { redirect: 'manual' });
  assert.equal(r.status, 303);
  const cookie = r.headers.get('set-cookie')!;
  assert.match(cookie, /tapedeck_token=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const pair = cookie.split(';')[0]!;
  assert.equal((await fetch(node.url + '/api/health', { headers: { cookie: pair } })).status, 200);
  assert.equal((await fetch(link, { redirect: 'manual' })).status, 403, 'second use refused');
  assert.equal((await fetch(node.url + '/login?code=123.abc', { redirect: 'manual' })).status, 403);
  assert.equal((await fetch(node.url + '/login', { redirect: 'manual' })).status, 403);
});

test('Host allowlist refuses rebinding names', async () => {
  assert.equal((await raw('/files', { host: 'evil.example:80' })).status, 403);
  assert.equal((await raw('/files', { host: `localhost:${new URL(node.url).port}` })).status, 200);
});

test('foreign Origin is refused on state-changing requests', async () => {
  const post = await raw('/api/health', { origin: 'http://evil.example' }, 'POST');
  assert.equal(post.status, 403);
  const same = await raw('/api/health', { origin: node.url }, 'POST');
  assert.notEqual(same.status, 403, 'same-origin POST passes the origin check');
  const nullOrigin = await raw('/api/health', { origin: 'null' }, 'POST');
  assert.equal(nullOrigin.status, 403);
});

test('open restreamer option: reads without token, API still protected', async () => {
  assert.equal((await fetch(open.url + '/files')).status, 200);
  assert.equal((await fetch(open.url + '/metrics')).status, 200);
  assert.equal((await fetch(open.url + '/api/health')).status, 401);
  assert.equal((await fetch(open.url + '/files', { method: 'POST' })).status, 401);
});

test('path attacks are refused and change nothing', async () => {
  const before = snapshotTree(dataDir);
  const hour = fx.written[0]!.rel.split('/')[2]!;
  const cases: [string, number][] = [
    ['/files/.hidden', 403],
    ['/files/..', 403],
    ['/files/desertbus/..', 403],
    ['/files/%2e%2e', 403],
    ['/files/%2E%2E/etc', 403],
    ['/segments/../api-token', 403],
    ['/segments/%2e%2e/api-token', 403],
    ['/segments/desertbus/source/%2e%2e/%2e%2e/api-token', 403],
    ['/segments/desertbus%2fsource', 400],
    ['/segments/desertbus%2Fsource/x.ts', 400],
    ['/segments/desertbus\\..\\api-token', 400],
    ['/segments/desertbus%5c..%5capi-token', 400],
    ['/segments//etc/passwd', 400],
    ['/segments/%2fetc/passwd', 400],
    ['/segments/desertbus/source%00.ts', 400],
    ['/files/desertbus%00', 400],
    [`/files/desertbus/source/${hour}%2f..`, 400],
    ['/playlist/..%2f..%2fapi-token.m3u8', 400],
    ['/playlist/.desertbus.m3u8', 403],
    ['/playlist/desertbus/.source.m3u8', 403],
    ['/cut/%2e%2e/source.ts?type=rough', 403],
    ['/segments/%E0%A4%A', 400],
  ];
  for (const [path, status] of cases) {
    const r = await raw(path);
    assert.equal(r.status, status, `${path} -> ${r.status} ${r.body}`);
    assert.doesNotMatch(r.body, new RegExp(node.token), 'token never echoed');
  }
  assert.equal(snapshotTree(dataDir), before);
});

test('malformed time, size, range and flag parameters get 400 and change nothing', async () => {
  const before = snapshotTree(dataDir);
  const t = fx.startIso(0);
  const u = fx.startIso(4);
  const cases = [
    `/playlist/desertbus/source.m3u8?start=notatime`,
    `/playlist/desertbus/source.m3u8?start=${t}&end=2026-13-01T00:00:00Z`,
    `/playlist/desertbus/source.m3u8?start=2026-02-30T00:00:00Z&end=${u}`,
    `/playlist/desertbus/source.m3u8?start=${t}+05:00`,
    `/playlist/desertbus.m3u8?start=yesterday`,
    `/cut/desertbus/source.ts?type=rough&start=${t}&end=garbage`,
    `/cut/desertbus/source.ts?type=rough&range=${t}`,
    `/cut/desertbus/source.ts?type=rough&range=${t},${u},${u}`,
    `/cut/desertbus/source.ts?type=rough&range=${u},${t}`,
    `/cut/desertbus/source.ts?type=rough&range=${t},${u}&range=${t},${u}&transition=fade,-1`,
    `/cut/desertbus/source.ts?type=rough&range=${t},${u}&range=${t},${u}&transition=fade`,
    `/cut/desertbus/source.ts?type=rough&start=${t}&end=${u}&allow_holes=yes`,
    `/cut/desertbus/source.ts?type=mp4&start=${t}&end=${u}`,
    `/waveform/desertbus/source.png?start=${t}&end=${u}&size=10`,
    `/waveform/desertbus/source.png?start=${t}&end=${u}&size=10x99999`,
    `/waveform/desertbus/source.png?start=${t}`,
    `/frame/desertbus/source.png`,
    `/frame/desertbus/source.png?timestamp=12345`,
    `/files/desertbus/source/${fx.written[0]!.rel.split('/')[2]}?tombstones=1`,
  ];
  for (const path of cases) {
    const r = await raw(path);
    assert.equal(r.status, 400, `${path} -> ${r.status} ${r.body}`);
    assert.ok(r.body.length > 5, `${path} has a message`);
  }
  assert.equal(snapshotTree(dataDir), before);
});
