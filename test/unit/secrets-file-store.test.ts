/**
 * The opt-in credentials file for headless nodes, and redaction of secrets from messages.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  describeError, FileSecretStore, openSecretStore, KeyringSecretStore, redact, REDACTED, registerSecret, SecretStoreError,
} from '../../main/secrets/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tapedeck-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('FileSecretStore', () => {
  it('stores, reads and deletes secrets in a 0600 file', async () => {
    const path = join(dir, 'a', 'secrets.json');
    const s = new FileSecretStore(path);
    assert.equal(await s.get('youtube-refresh:main'), null);
    await s.set('youtube-refresh:main', '1//token-one');
    await s.set('oauth-client:x', 'client-secret');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'a')).mode & 0o077, 0, 'directory closed to others too');
    assert.equal(await new FileSecretStore(path).get('youtube-refresh:main'), '1//token-one', 'persisted');
    await s.delete('youtube-refresh:main');
    assert.equal(await s.get('youtube-refresh:main'), null);
    assert.equal(await s.get('oauth-client:x'), 'client-secret');
    assert.deepEqual(readdirSync(join(dir, 'a')), ['secrets.json'], 'no temp files left');
  });

  it('serialises concurrent writes (none lost)', async () => {
    const s = new FileSecretStore(join(dir, 'b.json'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.set(`k${i}`, `v${i}`)));
    for (let i = 0; i < 20; i++) assert.equal(await s.get(`k${i}`), `v${i}`);
  });

  it('refuses a file others can read, and a corrupt file without echoing its content', async () => {
    const loose = join(dir, 'loose.json');
    writeFileSync(loose, JSON.stringify({ k: 'secret-value-123' }));
    chmodSync(loose, 0o644);
    await assert.rejects(new FileSecretStore(loose).get('k'), (e: unknown) => e instanceof SecretStoreError && /chmod 600/.test(e.message));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"k": "secret-value-456"', { mode: 0o600 });
    await assert.rejects(new FileSecretStore(bad).get('k'), (e: unknown) => {
      assert.ok(e instanceof SecretStoreError);
      assert.equal(e.code, 'corrupt');
      assert.ok(!e.message.includes('secret-value-456'));
      return true;
    });
  });

  it('rejects keys that could not be printed safely', async () => {
    await assert.rejects(new FileSecretStore(join(dir, 'c.json')).set('bad key\n', 'v'), SecretStoreError);
  });

  it('is only used when asked for: the default store is the keychain', () => {
    assert.ok(openSecretStore('keychain', dir) instanceof KeyringSecretStore);
    const f = openSecretStore('file', dir);
    assert.ok(f instanceof FileSecretStore);
    assert.equal((f as FileSecretStore).path, join(dir, 'secrets.json'));
    assert.equal(existsSync(join(dir, 'secrets.json')), false, 'nothing written until a secret is set');
  });
});

describe('redaction', () => {
  it('masks registered secrets and token-shaped strings', () => {
    registerSecret('my-weird-token-format-xyz');
    const text = [
      'failed with my-weird-token-format-xyz in it',
      'Authorization: Bearer ya29.a0AfB_byC-123.xyz',
      'refresh_token=1//0gABCDEFGHIJKLMNOP-qrs&client_id=abc',
      '{"refresh_token":"whatever","access_token":"ya29.zzz"}',
      'session https://x/upload?upload_id=xa298sd_f&part=a',
    ].join('\n');
    const out = redact(text);
    for (const leak of ['my-weird-token-format-xyz', 'ya29.', '1//0gABCDEF', 'whatever', 'xa298sd_f']) assert.ok(!out.includes(leak), `${leak} leaked: ${out}`);
    assert.ok(out.includes(REDACTED));
    assert.ok(out.includes('client_id=abc'), 'non-secrets are kept');
  });

  it('describeError never includes more than the message (no request config)', () => {
    const e = Object.assign(new Error('invalid_grant'), { config: { data: 'refresh_token=1//0gSECRETSECRETSECRET' }, code: '400' });
    const d = describeError(e);
    assert.ok(!d.includes('SECRET'));
    assert.match(d, /invalid_grant/);
  });
});
