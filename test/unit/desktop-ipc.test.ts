/**
 * The main side of the preload bridge (main/desktop/ipc-contract.ts): sender trust, channel allowlist,
 * zod validation of inputs and outputs, error envelopes; plus the small pieces around it — console
 * routes, command-line flags, "Connect YouTube" against a real HTTP endpoint, tray pause/resume.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseShellArgs, secondInstanceAction } from '../../main/desktop/args.ts';
import { dispatchIpc, type IpcHandlers } from '../../main/desktop/ipc-contract.ts';
import { IPC, isConsoleRoute } from '../../main/desktop/ipc-channels.ts';
import { supervisorRecordingControl } from '../../main/desktop/recording-control.ts';
import { connectYouTube, httpStartYouTubeConnect, isConsentUrl, YOUTUBE_CONNECT_ROUTE } from '../../main/desktop/youtube-connect.ts';

function handlers(calls: unknown[] = []): IpcHandlers {
  return {
    [IPC.chooseFolder]: (i) => (calls.push(['chooseFolder', i]), { path: '/home/op/recordings' }),
    [IPC.revealFile]: (i) => (calls.push(['revealFile', i]), { shown: true }),
    [IPC.appInfo]: () => ({ version: '0.1.0', electron: '45.4.1', chrome: '142', platform: 'linux' }),
    [IPC.connectYouTube]: (i) => (calls.push(['connectYouTube', i]), { opened: true }),
    [IPC.getAutostart]: () => ({ supported: true, enabled: false }),
    [IPC.setAutostart]: (i) => (calls.push(['setAutostart', i]), { supported: true, enabled: i.enabled }),
  };
}

test('valid calls reach the handler with the parsed input and come back in an ok envelope', async () => {
  const calls: unknown[] = [];
  const h = handlers(calls);
  assert.deepEqual(await dispatchIpc(IPC.chooseFolder, undefined, true, h), { ok: true, value: { path: '/home/op/recordings' } });
  assert.deepEqual(await dispatchIpc(IPC.chooseFolder, { title: 'Pick', defaultPath: '/tmp' }, true, h), { ok: true, value: { path: '/home/op/recordings' } });
  assert.deepEqual(await dispatchIpc(IPC.revealFile, { path: '/data/segments/x.ts' }, true, h), { ok: true, value: { shown: true } });
  assert.deepEqual(await dispatchIpc(IPC.setAutostart, { enabled: true }, true, h), { ok: true, value: { supported: true, enabled: true } });
  assert.equal((await dispatchIpc(IPC.appInfo, undefined, true, h)).ok, true);
  const connect = { label: 'Charity channel', clientId: 'abc.apps.googleusercontent.com', clientSecret: 's3cret' };
  assert.deepEqual(await dispatchIpc(IPC.connectYouTube, connect, true, h), { ok: true, value: { opened: true } });
  assert.deepEqual(calls, [
    ['chooseFolder', undefined], ['chooseFolder', { title: 'Pick', defaultPath: '/tmp' }],
    ['revealFile', { path: '/data/segments/x.ts' }], ['setAutostart', { enabled: true }], ['connectYouTube', connect],
  ]);
});

test('untrusted senders and unknown channels never reach a handler', async () => {
  const calls: unknown[] = [];
  const r = await dispatchIpc(IPC.revealFile, { path: '/etc' }, false, handlers(calls));
  assert.deepEqual(r.ok ? null : r.error.code, 'FORBIDDEN');
  for (const ch of ['tapedeck:exec', 'toString', '__proto__', 'constructor', '']) {
    const u = await dispatchIpc(ch, undefined, true, handlers(calls));
    assert.equal(u.ok ? null : u.error.code, 'UNKNOWN_CHANNEL', ch);
  }
  assert.deepEqual(calls, []);
});

test('bad inputs are refused with BAD_INPUT before any handler runs', async () => {
  const calls: unknown[] = [];
  const bad: [string, unknown][] = [
    [IPC.revealFile, { path: 'relative/file.ts' }],
    [IPC.revealFile, { path: '/tmp/a\0b' }],
    [IPC.revealFile, { path: `/${'a'.repeat(5000)}` }],
    [IPC.revealFile, { path: 42 }],
    [IPC.revealFile, {}],
    [IPC.revealFile, '/tmp/x'],
    [IPC.revealFile, { path: '/tmp/x', extra: true }],
    [IPC.chooseFolder, { title: 'x'.repeat(201) }],
    [IPC.chooseFolder, { defaultPath: '../up' }],
    [IPC.chooseFolder, 'title'],
    [IPC.setAutostart, { enabled: 'yes' }],
    [IPC.setAutostart, undefined],
    [IPC.appInfo, { anything: 1 }],
    [IPC.connectYouTube, 'now'],
    [IPC.connectYouTube, { nested: { a: 1 } }],
    [IPC.connectYouTube, { label: 'x'.repeat(5000) }],
    [IPC.connectYouTube, Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))],
  ];
  for (const [ch, input] of bad) {
    const r = await dispatchIpc(ch, input, true, handlers(calls));
    assert.equal(r.ok ? 'ok' : r.error.code, 'BAD_INPUT', `${ch} ${JSON.stringify(input)?.slice(0, 60)}`);
  }
  assert.deepEqual(calls, []);
  const r = await dispatchIpc(IPC.revealFile, { path: 'x' }, true, handlers());
  assert.match(r.ok ? '' : r.error.message, /path: must be an absolute path/);
});

test('handler failures and invalid handler results become FAILED envelopes, never exceptions', async () => {
  const quiet = console.error;
  console.error = () => {};
  try {
    const h = handlers();
    h[IPC.connectYouTube] = () => {
      throw new Error('the YouTube client is not configured');
    };
    const r1 = await dispatchIpc(IPC.connectYouTube, undefined, true, h);
    assert.deepEqual(r1, { ok: false, error: { code: 'FAILED', message: 'the YouTube client is not configured' } });
    (h as Record<string, unknown>)[IPC.chooseFolder] = () => ({ path: 'not/absolute' });
    const r2 = await dispatchIpc(IPC.chooseFolder, undefined, true, h);
    assert.deepEqual(r2, { ok: false, error: { code: 'FAILED', message: 'internal error' } });
  } finally {
    console.error = quiet;
  }
});

test('console routes: one absolute path on our origin, nothing that could leave it', () => {
  for (const r of ['/', '/streams/main', '/events/42?tab=cut', '/uploads#failed']) assert.equal(isConsoleRoute(r), true, r);
  for (const r of ['//evil.com/x', '/\\evil.com', 'https://evil.com/', 'javascript:alert(1)', 'streams', '', '/a b', 42, null, `/${'x'.repeat(3000)}`]) {
    assert.equal(isConsoleRoute(r), false, String(r));
  }
});

test('command-line flags: --hidden, --data, --port; unknown switches ignored', () => {
  assert.deepEqual(parseShellArgs(['/opt/Tapedeck/tapedeck']), { hidden: false, dataDir: null, port: null });
  assert.deepEqual(parseShellArgs(['/e/electron', '/src', '--no-sandbox', '--hidden', '--data', '/srv/td', '--port=5000']), { hidden: true, dataDir: '/srv/td', port: 5000 });
  assert.deepEqual(parseShellArgs(['x', '--data=/a', '--port', '99999']), { hidden: false, dataDir: '/a', port: null });
  assert.equal(parseShellArgs(['x'], { TAPEDECK_DATA: '/env/dir' }).dataDir, '/env/dir');
  assert.equal(parseShellArgs(['x', '--data', '/flag'], { TAPEDECK_DATA: '/env/dir' }).dataDir, '/flag', 'the flag wins');
  assert.equal(parseShellArgs(['x', '--data', '--hidden']).dataDir, null, 'a flag is not a value');
  assert.equal(secondInstanceAction(['/opt/Tapedeck/tapedeck']), 'show');
  assert.equal(secondInstanceAction(['/opt/Tapedeck/tapedeck', '--hidden']), 'ignore', 'auto-start racing a manual start');
});

test('pause/resume from the tray is a command to the recorder worker', () => {
  const sent: unknown[] = [];
  const set = supervisorRecordingControl({ send: (w, c, p) => (sent.push([w, c, p]), w === 'recorder') });
  assert.equal(set(true), true);
  assert.equal(set(false), true);
  assert.deepEqual(sent, [['recorder', 'pause', undefined], ['recorder', 'resume', undefined]]);
  assert.equal(supervisorRecordingControl({ send: () => false })(true), false, 'reports a recorder that is not running');
});

async function withServer(handler: (req: IncomingMessage, body: string) => { status: number; json: unknown }, fn: (url: string) => Promise<void>) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = handler(req, body);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('Connect YouTube: calls the core route with the token and opens only a Google consent URL', async () => {
  const consent = 'https://accounts.google.com/o/oauth2/v2/auth?client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A53123&code_challenge=x';
  const seen: { method?: string; url?: string; auth?: string; body: unknown }[] = [];
  await withServer((req, body) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
    return { status: 200, json: { authUrl: consent } };
  }, async (base) => {
    const opened: string[] = [];
    const r = await connectYouTube(httpStartYouTubeConnect(base, 'tok123'), { label: 'Main', accountId: 'acc1' }, async (u) => void opened.push(u));
    assert.deepEqual(r, { opened: true });
    assert.deepEqual(opened, [consent]);
    assert.deepEqual(seen, [{ method: 'POST', url: YOUTUBE_CONNECT_ROUTE, auth: 'Bearer tok123', body: { label: 'Main', accountId: 'acc1' } }]);
  });

  // A URL that is not Google's consent screen is never opened.
  for (const authUrl of ['https://evil.example/phish', 'http://accounts.google.com/o/oauth2/auth', 'file:///etc/passwd']) {
    await withServer(() => ({ status: 200, json: { authUrl } }), async (base) => {
      const opened: string[] = [];
      await assert.rejects(connectYouTube(httpStartYouTubeConnect(base, 't'), {}, async (u) => void opened.push(u)), /unexpected consent URL|no consent URL/);
      assert.deepEqual(opened, []);
    });
  }
  // The core's error message is passed on.
  await withServer(() => ({ status: 409, json: { error: 'no OAuth client configured' } }), async (base) => {
    await assert.rejects(httpStartYouTubeConnect(base, 't')({}), /HTTP 409.*no OAuth client configured/);
  });
  assert.equal(isConsentUrl('https://accounts.google.com/o/oauth2/v2/auth'), true);
  assert.equal(isConsentUrl('https://www.youtube.com/'), false, 'allowlisted for links, but not a consent screen');
});
