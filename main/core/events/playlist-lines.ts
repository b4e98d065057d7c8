/**
 * The playlist block of a video description (wubloader §5.2, playlist feature of issue 5).
 *
 * When an event is submitted or modified, the playlists marked "show in description" whose tags are
 * all on the event (case-insensitive; a playlist without tags matches every event) are listed at the
 * end of the stored video description, before the footer the cutter appends at upload time:
 *
 *     <what the editor wrote>
 *
 *     Playlists:
 *     - Day 1 [https://youtube.com/playlist?list=PL…]
 *     - Speedruns [https://youtube.com/playlist?list=PL…]
 *
 * The block lives inside `video_description`, so the editor sees it, the 5000-byte check counts it,
 * and the cutter's upload and updater send it without knowing about playlists. It is recognised by
 * its exact shape (a blank line, the header line, then only link lines, at the very end), so every
 * submit/modify replaces it instead of appending a second copy; text the editor wrote is never
 * touched. Pure functions only: the caller supplies the playlists.
 */

export interface DescriptionPlaylist {
  /** the YouTube playlist id (PL…) */
  id: string;
  name: string;
  /** every tag must be on the event; [] = all events */
  tags: string[];
}

export const PLAYLIST_BLOCK_HEADER = 'Playlists:';

export const playlistUrl = (id: string): string => `https://youtube.com/playlist?list=${id}`;

export const playlistLine = (p: Pick<DescriptionPlaylist, 'id' | 'name'>): string => `- ${p.name} [${playlistUrl(p.id)}]`;

const LINE = /^- .+ \[https:\/\/youtube\.com\/playlist\?list=[A-Za-z0-9_-]+\]$/;

const norm = (t: string) => t.trim().toLowerCase();

/** The playlists whose tags are a subset of `tags` (case-insensitive), in the given order. */
export function playlistsForTags<P extends Pick<DescriptionPlaylist, 'tags'>>(playlists: readonly P[], tags: readonly string[]): P[] {
  const have = new Set(tags.map(norm));
  return playlists.filter((p) => p.tags.every((t) => have.has(norm(t))));
}

/** The block for these playlists ('' for none). */
export function playlistBlock(playlists: readonly Pick<DescriptionPlaylist, 'id' | 'name'>[]): string {
  return playlists.length ? [PLAYLIST_BLOCK_HEADER, ...playlists.map(playlistLine)].join('\n') : '';
}

/** Split a description into the editor's text and a trailing playlist block (null if it has none). */
export function splitPlaylistBlock(description: string): { body: string; block: string | null } {
  const lines = description.replace(/\s+$/, '').split('\n');
  let i = lines.length;
  while (i > 0 && LINE.test(lines[i - 1]!)) i--;
  const header = i - 1;
  if (i === lines.length || header < 0 || lines[header] !== PLAYLIST_BLOCK_HEADER) return { body: description, block: null };
  if (header > 0 && lines[header - 1]!.trim() !== '') return { body: description, block: null };
  return { body: lines.slice(0, header).join('\n').replace(/\s+$/, ''), block: lines.slice(header).join('\n') };
}

/**
 * `description` with its playlist block replaced by the one for `tags` (or removed when no playlist
 * applies). Idempotent; a description without a block and no applicable playlist comes back unchanged.
 */
export function withPlaylistBlock(description: string, playlists: readonly DescriptionPlaylist[], tags: readonly string[]): string {
  const { body, block: old } = splitPlaylistBlock(description);
  const block = playlistBlock(playlistsForTags(playlists, tags));
  if (!block) return old === null ? description : body;
  const text = body.replace(/\s+$/, '');
  return text ? `${text}\n\n${block}` : block;
}
