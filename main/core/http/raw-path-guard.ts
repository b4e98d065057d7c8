/**
 * Checks the raw request target before any URL normalisation. WHATWG URL parsing (used by every
 * fetch-style adapter) silently resolves "/segments/%2e%2e/x" to "/x", which would turn a traversal
 * attempt into an innocent-looking 404; we want it refused loudly, and never near the filesystem.
 */
export function checkRawTarget(target: string): { status: 400 | 403; message: string } | null {
  const path = target.split('?')[0] ?? '';
  if (!path.startsWith('/')) return { status: 400, message: 'Bad request target' };
  if (/%00|\0/i.test(path)) return { status: 400, message: 'Bad path: may not contain NUL' };
  if (/\\|%5c/i.test(path)) return { status: 400, message: 'Bad path: may not contain a backslash' };
  if (/%2f/i.test(path)) return { status: 400, message: 'Bad path: may not contain an encoded slash' };
  if (path.includes('//')) return { status: 400, message: 'Bad path: empty path component' };
  for (const part of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return { status: 400, message: 'Bad path: malformed percent-encoding' };
    }
    if (decoded.startsWith('.')) return { status: 403, message: 'Bad path: May not start with a period' };
  }
  return null;
}
