/**
 * Secrets: the SecretStore interface, its two implementations and the one place that picks one.
 */
import { join } from 'node:path';
import { FileSecretStore, SECRETS_FILE } from './file-store.ts';
import { KeyringSecretStore } from './keyring-store.ts';
import type { SecretStore } from './secret-store.ts';

export { FileSecretStore, SECRETS_FILE } from './file-store.ts';
export { KeyringSecretStore, KEYRING_SERVICE, type KeyringSecretStoreOptions } from './keyring-store.ts';
export { SecretStoreError, type SecretStore, type SecretStoreErrorCode } from './secret-store.ts';
export { redact, registerSecret, describeError, REDACTED } from './redact.ts';

export type SecretStoreKind = 'keychain' | 'file';

/**
 * The store the operator configured. 'keychain' (the default) never degrades to the file: when no
 * keychain is reachable, the first use fails with SecretStoreError('unavailable') explaining how to
 * opt in to 'file'.
 */
export function openSecretStore(kind: SecretStoreKind, dataDir: string, opts: { filePath?: string; service?: string } = {}): SecretStore {
  if (kind === 'file') return new FileSecretStore(opts.filePath ?? join(dataDir, SECRETS_FILE));
  return new KeyringSecretStore({ service: opts.service });
}
