/**
 * What each YouTube Data API call costs (protocols.md B8). Two documented profiles exist for
 * videos.insert and we cannot tell from the outside which one a project is on, so the operator picks:
 *   'shared-1600'  — the long-standing rule: 1600 units from the shared 10,000/day (~6 uploads a day);
 *   'separate-100' — the 2026 rule: videos.insert has its own bucket of 100 calls/day, 1 per call.
 */
export type QuotaProfile = 'shared-1600' | 'separate-100';
export type QuotaBucket = 'units' | 'uploads';

export type YouTubeOp =
  | 'videos.insert'
  | 'videos.list'
  | 'videos.update'
  | 'videos.delete'
  | 'thumbnails.set'
  | 'playlists.list'
  | 'playlists.insert'
  | 'playlists.update'
  | 'playlists.delete'
  | 'playlistItems.list'
  | 'playlistItems.insert'
  | 'playlistItems.update'
  | 'playlistItems.delete'
  | 'channels.list';

export const BASE_COSTS: Record<Exclude<YouTubeOp, 'videos.insert'>, number> = {
  'videos.list': 1,
  'videos.update': 50,
  'videos.delete': 50,
  'thumbnails.set': 50,
  'playlists.list': 1,
  'playlists.insert': 50,
  'playlists.update': 50,
  'playlists.delete': 50,
  'playlistItems.list': 1,
  'playlistItems.insert': 50,
  'playlistItems.update': 50,
  'playlistItems.delete': 50,
  'channels.list': 1,
};

export const DEFAULT_DAILY_UNITS = 10_000;
export const DEFAULT_DAILY_UPLOADS = 100;

export function costOf(profile: QuotaProfile, op: YouTubeOp, overrides: Partial<Record<YouTubeOp, number>> = {}): { bucket: QuotaBucket; cost: number } {
  const o = overrides[op];
  if (op === 'videos.insert') {
    return profile === 'separate-100' ? { bucket: 'uploads', cost: o ?? 1 } : { bucket: 'units', cost: o ?? 1600 };
  }
  return { bucket: 'units', cost: o ?? BASE_COSTS[op] };
}
