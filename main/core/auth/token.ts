/**
 * The per-install API token (DESIGN §3): 32 random bytes, stored 0600 at DATA/api-token, presented as
 * `Authorization: Bearer` or as the HttpOnly cookie a one-time login link sets.
 *
 * Login links carry a short-lived code, never the token itself (URLs end up in shell history and
 * browser history). A code is `EXPIRY.HMAC(token, EXPIRY)`, so any process that can read the token
 * file (the running node, or `tapedeck login-url` run later) can mint one; the server remembers used
 * codes until they expire, which makes each one single-use.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'api-token';
export const COOKIE_NAME = 'tapedeck_token';
const LOGIN_CODE_TTL_MS = 10 * 60 * 1000;

export function loadOrCreateToken(dataDir: string): string {
  const path = join(dataDir, TOKEN_FILE);
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) chmodSync(path, 0o600); // tighten a token file someone loosened
    const token = readFileSync(path, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(token)) return token;
    throw new Error(`${path} does not contain a valid token; delete it to generate a new one`);
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  return token;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const sign = (token: string, expiry: string) => createHmac('sha256', token).update(`login:${expiry}`).digest('base64url');

export function mintLoginCode(token: string, now = Date.now()): string {
  const expiry = String(now + LOGIN_CODE_TTL_MS);
  return `${expiry}.${sign(token, expiry)}`;
}

export class LoginCodes {
  private used = new Map<string, number>();

  constructor(private token: string, private now: () => number = Date.now) {}

  /** True exactly once per valid, unexpired code. */
  redeem(code: string): boolean {
    const m = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(code);
    if (!m) return false;
    const expiry = Number(m[1]);
    const t = this.now();
    for (const [c, exp] of this.used) if (exp < t) this.used.delete(c);
    if (expiry < t || expiry > t + LOGIN_CODE_TTL_MS || this.used.has(code)) return false;
    if (!safeEqual(m[2]!, sign(this.token, m[1]!))) return false;
    this.used.set(code, expiry);
    return true;
  }
}
