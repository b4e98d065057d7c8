/**
 * Identifier and etag generators for the fake YouTube server.
 *
 * The shapes mimic the real ones closely enough that client code which
 * validates ids (e.g. "a video id is 11 chars of [A-Za-z0-9_-]") accepts them,
 * while being obviously random so tests never depend on specific values.
 */
import { createHash, randomBytes } from 'node:crypto';

const URLSAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `n` random characters from the URL-safe base64 alphabet. */
export function randomUrlSafe(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += URLSAFE[bytes[i]! & 63];
  return out;
}

/** Video ids are 11 characters from [A-Za-z0-9_-] (protocols.md B6.5). */
export function newVideoId(): string {
  return randomUrlSafe(11);
}

/** Playlist ids: "PL" + 32 characters, like user-created playlists. */
export function newPlaylistId(): string {
  return 'PL' + randomUrlSafe(32);
}

/** Channel ids: "UC" + 22 characters. */
export function newChannelId(): string {
  return 'UC' + randomUrlSafe(22);
}

/**
 * Playlist item ids on YouTube are base64 of "<playlistId>.<16 hex digits>"
 * (e.g. "UExYWFhYWC41NkI0NEY2RDEwNTU3Q0M2" = base64("PLXXXXX.56B44F6D10557CC6")).
 * We build them the same way so they look and decode like real ones; clients
 * must still treat them as opaque.
 */
export function newPlaylistItemId(playlistId: string): string {
  const suffix = randomBytes(8).toString('hex').toUpperCase();
  return Buffer.from(`${playlistId}.${suffix}`, 'utf8').toString('base64');
}

/** Upload session ids look like the long opaque upload_id values Google hands out. */
export function newUploadId(): string {
  return 'ADPycd' + randomUrlSafe(90);
}

/** Authorization codes start with "4/0A" like Google's. */
export function newAuthCode(): string {
  return '4/0A' + randomUrlSafe(70);
}

/** Access tokens start with "ya29." like Google's. */
export function newAccessToken(): string {
  return 'ya29.a0' + randomUrlSafe(120);
}

/** Refresh tokens start with "1//0" like Google's. */
export function newRefreshToken(): string {
  return '1//0g' + randomUrlSafe(98);
}

/** A stable etag for a JSON-able value (changes whenever the value changes). */
export function etagOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value) ?? '').digest('base64url');
}
