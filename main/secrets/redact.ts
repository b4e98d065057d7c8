/**
 * Redaction of credentials from anything that might be printed: error messages, logs, crash output.
 *
 * Two layers, because neither alone is enough:
 * - every secret that passes through a SecretStore (or is registered by the OAuth code) is remembered
 *   for the life of the process and replaced verbatim wherever it appears, whatever its format;
 * - well-known token shapes (Google access tokens "ya29.", refresh tokens "1//", bearer headers,
 *   form/JSON fields named like credentials) are masked even if nobody registered them, e.g. tokens
 *   that a library echoed back in an error before we ever saw them.
 */

const known = new Set<string>();

/** Secrets shorter than this are not registered (masking "a" everywhere would garble every message). */
const MIN_REGISTERED_LENGTH = 8;

export const REDACTED = '[REDACTED]';

/** Remember a secret so redact() masks it from now on. */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= MIN_REGISTERED_LENGTH) known.add(secret);
}

const PATTERNS: Array<[RegExp, string]> = [
  // Google OAuth access tokens and refresh tokens.
  [/ya29\.[A-Za-z0-9._~+/-]+=*/g, REDACTED],
  [/\b1\/\/[A-Za-z0-9._~+/-]{10,}=*/g, REDACTED],
  // Authorization headers.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]+=*/gi, `$1 ${REDACTED}`],
  // form-encoded / query fields
  [/\b(refresh_token|access_token|id_token|client_secret|code_verifier|code|token|upload_id)=[^&\s"'<>]+/gi, `$1=${REDACTED}`],
  // JSON fields
  [/"(refresh_token|access_token|id_token|client_secret|code_verifier|refreshToken|accessToken|clientSecret)"\s*:\s*"[^"]*"/g, `"$1":"${REDACTED}"`],
];

/** Mask every registered secret and every token-shaped substring of `text`. */
export function redact(text: string): string {
  let out = text;
  // Longest first so a secret that contains another is masked whole.
  for (const s of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A printable, redacted one-line description of any thrown value (never includes request configs). */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return redact(`${e.message}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`);
  }
  return redact(String(e));
}
