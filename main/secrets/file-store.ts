/**
 * Opt-in SecretStore for headless nodes without a keychain: one JSON object in a 0600 file
 * (DATA/secrets.json by default). Only ever constructed when the operator asked for it; Tapedeck
 * never falls back to it silently.
 *
 * Writes go to a temporary 0600 file that is fsynced and renamed over the old one, so a crash
 * leaves either the old or the new content, never a torn file. Permissions are checked on read:
 * a file others can read is refused rather than used (the operator must fix it, like ssh does).
 */
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { registerSecret } from './redact.ts';
import { checkAccountKey, SecretStoreError, type SecretStore } from './secret-store.ts';

export const SECRETS_FILE = 'secrets.json';

export class FileSecretStore implements SecretStore {
  readonly description: string;
  /** Serialises read-modify-write cycles from this process. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {
    this.description = `credentials file ${path}`;
  }

  async get(account: string): Promise<string | null> {
    checkAccountKey(account);
    const v = this.read()[account] ?? null;
    registerSecret(v);
    return v;
  }

  async set(account: string, secret: string): Promise<void> {
    checkAccountKey(account);
    registerSecret(secret);
    return this.update((all) => {
      all[account] = secret;
    });
  }

  async delete(account: string): Promise<void> {
    checkAccountKey(account);
    return this.update((all) => {
      delete all[account];
    });
  }

  private update(fn: (all: Record<string, string>) => void): Promise<void> {
    const next = this.chain.then(() => {
      const all = this.read();
      fn(all);
      this.write(all);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private read(): Record<string, string> {
    let st;
    try {
      st = statSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SecretStoreError('io', `Cannot read ${this.description}: ${(e as Error).message}`);
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new SecretStoreError(
        'io',
        `${this.description} is accessible by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      // Never echo the content: it is the secrets.
      throw new SecretStoreError('corrupt', `${this.description} is not valid JSON; restore it from a backup or delete it and reconnect the accounts`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SecretStoreError('corrupt', `${this.description} must hold a JSON object`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  }

  private write(all: Record<string, string>): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        fchmodSync(fd, 0o600); // a leftover temp file from a crash may have other permissions
        writeSync(fd, JSON.stringify(all, null, 2) + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      const dfd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch (e) {
      throw new SecretStoreError('io', `Cannot write ${this.description}: ${(e as Error).message}`);
    }
  }
}
