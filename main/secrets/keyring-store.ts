/**
 * SecretStore on the OS keychain through @napi-rs/keyring (macOS Keychain, Windows Credential
 * Manager, Secret Service on Linux — gnome-keyring or KWallet over D-Bus).
 *
 * On Linux the library's default silently falls back to the kernel keyutils store when no Secret
 * Service is reachable. That store is per-login-session and forgotten at reboot, so a headless node
 * would "connect" an account and lose it on restart. We pin the Secret Service instead and fail with
 * an actionable error; headless nodes opt into FileSecretStore explicitly.
 */
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { describeError } from './redact.ts';
import { checkAccountKey, SecretStoreError, type SecretStore } from './secret-store.ts';
import { registerSecret } from './redact.ts';

export const KEYRING_SERVICE = 'tapedeck';

export interface KeyringSecretStoreOptions {
  /** Keychain service name (default "tapedeck"); tests use their own to stay apart. */
  service?: string;
  /**
   * Give up on a keychain call after this long (default 15 s). A locked keychain with no way to show
   * its unlock prompt (no display) can otherwise leave the call pending forever.
   */
  timeoutMs?: number;
}

const HOW_TO_FIX =
  'Run Tapedeck in a desktop session with a keychain (on Linux: a D-Bus session bus with gnome-keyring or ' +
  'KWallet unlocked), or on a headless node opt in to the 0600 credentials file (secrets store "file").';

export class KeyringSecretStore implements SecretStore {
  readonly service: string;
  readonly description: string;
  private readonly timeoutMs: number;

  constructor(opts: KeyringSecretStoreOptions = {}) {
    this.service = opts.service ?? KEYRING_SERVICE;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.description = process.platform === 'linux' ? 'OS keychain (Secret Service)' : 'OS keychain';
  }

  /**
   * Fail early with the clear error if there is no usable keychain (e.g. at startup, before the
   * operator tries to connect an account). Reads a key that normally does not exist.
   */
  async check(): Promise<void> {
    await this.get('tapedeck-probe');
  }

  async get(account: string): Promise<string | null> {
    const v = await this.call(account, 'read', (e, signal) => e.getPassword(signal));
    registerSecret(v);
    return v;
  }

  async set(account: string, secret: string): Promise<void> {
    registerSecret(secret);
    await this.call(account, 'write', (e, signal) => e.setPassword(secret, signal));
  }

  async delete(account: string): Promise<void> {
    await this.call(account, 'delete', (e, signal) => e.deletePassword(signal));
  }

  private async call<T>(account: string, what: string, fn: (e: AsyncEntry, signal: AbortSignal) => Promise<T>): Promise<T> {
    checkAccountKey(account);
    const options: EntryOptions = { linux: { store: 'secret-service' } };
    let entry: AsyncEntry;
    try {
      // The constructor already talks to D-Bus on Linux and throws when there is no session bus.
      entry = new AsyncEntry(this.service, account, options);
    } catch (e) {
      throw this.translate(e, what, account);
    }
    try {
      return await fn(entry, AbortSignal.timeout(this.timeoutMs));
    } catch (e) {
      throw this.translate(e, what, account);
    }
  }

  private translate(e: unknown, what: string, account: string): SecretStoreError {
    const detail = describeError(e);
    const prefix = `Cannot ${what} "${account}" in the ${this.description} (service "${this.service}")`;
    if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) {
      return new SecretStoreError('locked', `${prefix}: no answer after ${this.timeoutMs} ms (is the keychain locked?). ${HOW_TO_FIX}`);
    }
    if (/locked|unlock|prompt|dismissed/i.test(detail)) {
      return new SecretStoreError('locked', `${prefix}: the keychain is locked (${detail}). Unlock it and retry.`);
    }
    if (/dbus|d-bus|platform|no storage|secret service|org\.freedesktop|not available|NoStorageAccess/i.test(detail)) {
      return new SecretStoreError('unavailable', `${prefix}: no keychain is available (${detail}). ${HOW_TO_FIX}`);
    }
    return new SecretStoreError('io', `${prefix}: ${detail}`);
  }
}
