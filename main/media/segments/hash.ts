import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** wubloader's segment hash: url-safe base64 of sha256, '=' padding stripped (43 characters). */
export function encodeHash(digest: Buffer): string {
  return digest.toString('base64url');
}

export function hashBytes(data: Uint8Array): string {
  return encodeHash(createHash('sha256').update(data).digest());
}

export async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return encodeHash(h.digest());
}
