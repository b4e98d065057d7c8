/**
 * The OS keychain: a YouTube account connected inside a private D-Bus session with gnome-keyring
 * keeps its refresh token in the keychain and nowhere else (data dir, quota DB, logs, crash output),
 * and KeyringSecretStore fails clearly — with no silent fallback — without a usable keychain.
 *
 * The keychain side runs in child processes (this same file with TAPEDECK_KEYCHAIN_CHILD set), so
 * the test itself needs no D-Bus session and works under plain `npm test`. Each child gets its own
 * HOME/XDG dirs so the developer's real keyring is never touched.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { KeyringSecretStore, SecretStoreError } from '../../main/secrets/index.ts';
import { openYouTube } from '../../main/youtube/index.ts';
import { startFakeYouTube, type FakeYouTube } from '../fakes/youtube/index.ts';

const SELF = fileURLToPath(import.meta.url);
const CHILD = process.env.TAPEDECK_KEYCHAIN_CHILD;

/** Child: connect an account against the fake with the default (keychain) store, use it, log a lot. */
async function connectChild(): Promise<void> {
  const { FAKE_URL, DATA_DIR, CLIENT_ID, CLIENT_SECRET, PROJECT } = process.env as Record<string, string>;
  const config = { apiRoot: `${FAKE_URL}/`, uploadRoot: `${FAKE_URL}/`, oauthRoot: FAKE_URL, minCallIntervalMs: 0 };
  const yt = openYouTube(DATA_DIR!, config);
  console.log('secret store:', yt.secrets.description);
  const pending = await yt.accounts.beginConnect({ label: 'Main channel', clientId: CLIENT_ID!, clientSecret: CLIENT_SECRET!, project: PROJECT });
  console.log('open this URL:', pending.authUrl);
  const page = await fetch(pending.authUrl);
  console.log('browser got', page.status, await page.text());
  const acct = await pending.done;
  console.log('connected', JSON.stringify(acct));
  // Another process's view (fresh stack): reads the token back from the keychain and refreshes with it.
  const other = openYouTube(DATA_DIR!, config);
  const states = await other.api.videoStates(acct.id, ['xxxxxxxxxxx']);
  console.log('videos.list ok', JSON.stringify(states), JSON.stringify(other.ledger.status(acct.project)));
  // The parent armed invalid_grant for the next refresh: print the error every way a crash would.
  try {
    await other.accounts.getAccessToken(acct.id, { forceRefresh: true });
    console.log('expected invalid_grant');
  } catch (e) {
    console.error('error:', String(e));
    console.error(inspect(e, { depth: 20, showHidden: true }));
    console.error((e as Error).stack);
  }
  console.log('account after:', JSON.stringify(other.accounts.get(acct.id)));
  yt.close();
  other.close();
}

/** Child: try the keychain where there is none (or it is locked); print what happened. */
async function failureChild(): Promise<void> {
  const store = new KeyringSecretStore({ service: 'tapedeck-test', timeoutMs: 10_000 });
  const out: Record<string, unknown> = {};
  for (const [what, fn] of [
    ['set', () => store.set('youtube-refresh:x', '1//0gShouldNeverBeStoredAnywhere')],
    ['get', () => store.get('youtube-refresh:x')],
  ] as const) {
    try {
      await fn();
      out[what] = { ok: true };
    } catch (e) {
      out[what] = { ok: false, isSecretStoreError: e instanceof SecretStoreError, code: (e as SecretStoreError).code, message: (e as Error).message };
    }
  }
  console.log(JSON.stringify(out));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 45_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** An environment with a private HOME and no inherited D-Bus session. */
function isolatedEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  for (const [k, sub] of [['XDG_DATA_HOME', 'data'], ['XDG_CONFIG_HOME', 'config'], ['XDG_CACHE_HOME', 'cache'], ['XDG_RUNTIME_DIR', 'run']] as const) {
    env[k] = join(home, sub);
    mkdirSync(env[k]!, { recursive: true, mode: 0o700 });
  }
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  delete env.NODE_TEST_CONTEXT; // the children are plain scripts, not test files
  return env;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

function lastJson(stdout: string): Record<string, { ok: boolean; isSecretStoreError?: boolean; code?: string; message?: string }> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

if (CHILD === 'connect') await connectChild();
else if (CHILD === 'failure') await failureChild();
else {
  const root = mkdtempSync(join(tmpdir(), 'tapedeck-keychain-'));

  describe('OS keychain (gnome-keyring over a private D-Bus session)', () => {
    let fake: FakeYouTube;
    before(async () => {
      fake = await startFakeYouTube();
    });
    after(async () => {
      await fake.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('the refresh token is in the keychain and nowhere else', async () => {
      const home = join(root, 'home-connect');
      const data = join(root, 'data');
      mkdirSync(home);
      const script = join(root, 'connect.sh');
      // The daemon is started (and its login keyring created and unlocked) inside the private session
      // bus, then the app runs, then secret-tool reads the items back through the Secret Service API.
      writeFileSync(script, [
        'set -u',
        'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
        `"${process.execPath}" --import tsx "${SELF}" >"${root}/app.log" 2>&1`,
        `echo $? >"${root}/app.exit"`,
        `secret-tool lookup service tapedeck username youtube-refresh:main-channel >"${root}/lookup.txt"`,
        `secret-tool lookup service tapedeck username oauth-client:${fake.clientId} >"${root}/lookup-client.txt"`,
      ].join('\n'));
      fake.injectFault({ op: 'oauth.refresh', nth: 2, action: { type: 'invalidGrant' } });
      const r = await run('dbus-run-session', ['--', 'bash', script], isolatedEnv(home, {
        TAPEDECK_KEYCHAIN_CHILD: 'connect', FAKE_URL: fake.url, DATA_DIR: data,
        CLIENT_ID: fake.clientId, CLIENT_SECRET: fake.clientSecret, PROJECT: fake.project,
      }));
      const log = readFileSync(join(root, 'app.log'), 'utf8');
      assert.equal(readFileSync(join(root, 'app.exit'), 'utf8').trim(), '0', `app failed:\n${log}\n${r.stderr}`);
      assert.match(log, /secret store: OS keychain \(Secret Service\)/);
      assert.match(log, /videos\.list ok/);
      assert.match(log, /AccountNeedsReconnectError/, 'the crash-style output was produced');

      const token = fake.grants()[0]!.refreshToken;
      assert.equal(readFileSync(join(root, 'lookup.txt'), 'utf8').trim(), token, 'secret-tool finds the refresh token in the keychain');
      assert.equal(readFileSync(join(root, 'lookup-client.txt'), 'utf8').trim(), fake.clientSecret, 'and the client secret');

      // Nowhere else: the data dir (accounts.json, the quota DB), the app's logs and crash output,
      // and the child's whole HOME (the keyring file there is encrypted).
      assert.ok(filesUnder(data).some((f) => f.endsWith('accounts.json')));
      assert.ok(filesUnder(data).some((f) => f.endsWith('quota.sqlite')));
      const haystacks: Array<[string, Buffer]> = [
        ...filesUnder(data).map((f) => [f, readFileSync(f)] as [string, Buffer]),
        ...filesUnder(home).map((f) => [f, readFileSync(f)] as [string, Buffer]),
        ['app.log', Buffer.from(log)],
        ['dbus-run-session output', Buffer.from(r.stdout + r.stderr)],
      ];
      for (const [name, content] of haystacks) {
        assert.ok(!content.includes(token), `refresh token found in ${name}`);
      }
      assert.ok(!log.includes(fake.clientSecret), 'client secret not logged');
    });

    it('fails clearly without a D-Bus session, and does not fall back to another store', async () => {
      const home = join(root, 'home-nodbus');
      mkdirSync(home);
      const r = await run(process.execPath, ['--import', 'tsx', SELF], isolatedEnv(home, { TAPEDECK_KEYCHAIN_CHILD: 'failure' }));
      assert.equal(r.code, 0, r.stderr);
      const out = lastJson(r.stdout);
      for (const op of ['set', 'get']) {
        // A fallback (e.g. the kernel keyring) would have made set and get succeed.
        assert.equal(out[op]!.ok, false, `${op} must fail: ${JSON.stringify(out[op])}`);
        assert.equal(out[op]!.isSecretStoreError, true);
        assert.equal(out[op]!.code, 'unavailable');
        assert.match(out[op]!.message!, /no keychain is available/);
        assert.match(out[op]!.message!, /D-Bus|DBus/);
        assert.match(out[op]!.message!, /opt in to the 0600 credentials file/);
        assert.ok(!out[op]!.message!.includes('ShouldNeverBeStored'));
      }
    });

    it('fails clearly when the keychain is locked (no way to show the unlock prompt)', async () => {
      const home = join(root, 'home-locked');
      mkdirSync(home);
      const env = isolatedEnv(home, { TAPEDECK_KEYCHAIN_CHILD: 'failure' });
      // Session 1 creates the login keyring with an item in it; in session 2 nobody unlocks it.
      const setup = await run('dbus-run-session', ['--', 'bash', '-c',
        'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && '
        + 'echo -n old | secret-tool store --label=t service tapedeck-test username youtube-refresh:x'], env);
      assert.equal(setup.code, 0, setup.stderr);
      const r = await run('dbus-run-session', ['--', process.execPath, '--import', 'tsx', SELF], env);
      assert.equal(r.code, 0, r.stderr);
      const out = lastJson(r.stdout);
      for (const op of ['set', 'get']) {
        assert.equal(out[op]!.ok, false, JSON.stringify(out));
        assert.equal(out[op]!.code, 'locked', JSON.stringify(out[op]));
        assert.match(out[op]!.message!, /the keychain is locked.*Unlock it and retry/);
      }
    });
  });
}
