/**
 * The playlistItems calls the sync makes, through YouTubeApi.call so each one is scheduled, charged
 * to the quota ledger first, retried on transient errors and mapped to typed YouTubeErrors.
 * YouTubeApi.listPlaylistItems always reads every page; the sync needs page-by-page access (the
 * first page alone decides whether the rest must be read), so paging is done here.
 */
import type { YouTubeApi } from '../youtube/api.ts';
import type { MirrorEntry } from './model.ts';

export const PAGE_SIZE = 50;

export interface ItemsPage {
  entries: MirrorEntry[];
  /** pageInfo.totalResults: entries in the whole playlist (placeholders for private/deleted videos included) */
  total: number;
  nextPageToken: string | null;
}

type ItemResource = { id?: string | null; snippet?: { position?: number | null; resourceId?: { videoId?: string | null } | null } | null; contentDetails?: { videoId?: string | null } | null };

const entryOf = (it: ItemResource): MirrorEntry => ({
  itemId: it.id ?? '',
  videoId: it.snippet?.resourceId?.videoId ?? it.contentDetails?.videoId ?? '',
});

export class PlaylistClient {
  constructor(private readonly api: YouTubeApi) {}

  /** One page of 50 (1 unit). */
  async page(account: string, playlistId: string, pageToken?: string): Promise<ItemsPage> {
    const res = await this.api.call(account, 'playlistItems.list', (yt, o) =>
      yt.playlistItems.list({ part: ['snippet'], playlistId, maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, o));
    const d = res.data;
    const entries = (d.items ?? []).map((it) => entryOf(it as ItemResource));
    return { entries, total: Number(d.pageInfo?.totalResults ?? entries.length), nextPageToken: d.nextPageToken ?? null };
  }

  /** Add a video at `position` (50 units). Returns the new entry and where YouTube says it went. */
  async insert(account: string, playlistId: string, videoId: string, position: number): Promise<{ entry: MirrorEntry; position: number }> {
    const res = await this.api.call(account, 'playlistItems.insert', (yt, o) => yt.playlistItems.insert({
      part: ['snippet'],
      requestBody: { snippet: { playlistId, resourceId: { kind: 'youtube#video', videoId }, position } },
    }, o));
    const it = res.data as ItemResource;
    return { entry: { itemId: it.id ?? '', videoId }, position: Number(it.snippet?.position ?? position) };
  }

  /** Move an entry to `position` (50 units; playlistId and resourceId must be sent again). */
  async move(account: string, playlistId: string, entry: MirrorEntry, position: number): Promise<number> {
    const res = await this.api.call(account, 'playlistItems.update', (yt, o) => yt.playlistItems.update({
      part: ['snippet'],
      requestBody: { id: entry.itemId, snippet: { playlistId, resourceId: { kind: 'youtube#video', videoId: entry.videoId }, position } },
    }, o));
    return Number((res.data as ItemResource).snippet?.position ?? position);
  }

  /** Remove an entry (50 units). */
  async delete(account: string, itemId: string): Promise<void> {
    await this.api.call(account, 'playlistItems.delete', (yt, o) => yt.playlistItems.delete({ id: itemId }, o));
  }
}
