/**
 * SecretStore: where refresh tokens (and OAuth client secrets) live. Nothing else in Tapedeck persists
 * them: account metadata, the DB, config and logs only ever hold account ids.
 */
import { redact } from './redact.ts';

export interface SecretStore {
  /** Human-readable description for logs and errors ("OS keychain (Secret Service)", "file /x/y"). */
  readonly description: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

export type SecretStoreErrorCode = 'unavailable' | 'locked' | 'io' | 'corrupt';

/**
 * A failure of the store itself (no keychain, locked keychain, unreadable file). The message says what
 * to do about it and is always redacted; the original error is never attached as `cause` because
 * native errors may carry the secret being written.
 */
export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
  constructor(readonly code: SecretStoreErrorCode, message: string) {
    super(redact(message));
  }
}

/** Keychain "usernames" are account keys; keep them printable and bounded so they are safe in messages. */
export function checkAccountKey(account: string): void {
  if (!/^[A-Za-z0-9._:@+-]{1,200}$/.test(account)) {
    throw new SecretStoreError('io', `Invalid secret key ${JSON.stringify(account.slice(0, 40))}: use letters, digits and . _ : @ + -`);
  }
}
