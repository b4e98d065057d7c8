/**
 * Path-parameter confinement. Every channel, quality, hour and file name that reaches the filesystem
 * goes through here, so no request can escape the store: leading dots (which also covers "." and ".."),
 * separators, backslashes, NUL and empty names are refused.
 */
export class UnsafePathError extends Error {
  constructor(
    message: string,
    /** 403 for names that look like traversal/hidden files (wubloader's answer), 400 for malformed ones */
    readonly status: 400 | 403,
  ) {
    super(message);
  }
}

export function assertSafeName(name: string, what = 'path component'): string {
  if (name.length === 0) throw new UnsafePathError(`Bad ${what}: may not be empty`, 400);
  if (name.includes('\0')) throw new UnsafePathError(`Bad ${what}: may not contain NUL`, 400);
  if (name.includes('/') || name.includes('\\')) throw new UnsafePathError(`Bad ${what}: may not contain a path separator`, 400);
  if (name.startsWith('.')) throw new UnsafePathError(`Bad ${what}: May not start with a period`, 403);
  if (name.length > 255) throw new UnsafePathError(`Bad ${what}: too long`, 400);
  return name;
}

/** Validate a relative path made of safe components (e.g. /segments/<path>). Returns its parts. */
export function safeRelativeParts(rel: string): string[] {
  if (rel.startsWith('/')) throw new UnsafePathError('Bad path: may not be absolute', 400);
  const parts = rel.split('/');
  parts.forEach((p) => assertSafeName(p));
  return parts;
}
