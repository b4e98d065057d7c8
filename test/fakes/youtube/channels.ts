/**
 * Channels (YouTube accounts). Tokens are issued for a channel; videos and
 * playlists belong to one. Having more than one channel lets tests exercise the
 * "not yours" paths (playlistItemsNotAccessible, forbidden, processingDetails
 * hidden from non-owners).
 */
import type { Ctx, Rc } from './context.ts';
import { ApiError } from './errors.ts';
import { etagOf, newChannelId } from './ids.ts';
import { isoSeconds, listParam, sendJson } from './http.ts';

export interface ChannelRecord {
  id: string;
  title: string;
  createdAt: number;
  /** The virtual "uploads" playlist: "UU" + the channel id without "UC". */
  uploadsPlaylistId: string;
  /** Whether custom thumbnails are allowed (phone-verified channel). */
  thumbnailsAllowed: boolean;
}

export class ChannelStore {
  readonly byId = new Map<string, ChannelRecord>();
  readonly defaultChannelId: string;

  constructor(
    private readonly clock: () => number,
    defaultTitle: string,
  ) {
    this.defaultChannelId = this.add({ title: defaultTitle }).id;
  }

  add(init: { id?: string; title?: string; thumbnailsAllowed?: boolean }): ChannelRecord {
    const id = init.id ?? newChannelId();
    const rec: ChannelRecord = {
      id,
      title: init.title ?? `Channel ${id.slice(2, 8)}`,
      createdAt: this.clock(),
      uploadsPlaylistId: 'UU' + id.slice(2),
      thumbnailsAllowed: init.thumbnailsAllowed ?? true,
    };
    this.byId.set(id, rec);
    return rec;
  }

  get(id: string): ChannelRecord | undefined {
    return this.byId.get(id);
  }

  /** The channel whose virtual uploads playlist has this id, if any. */
  byUploadsPlaylist(playlistId: string): ChannelRecord | undefined {
    if (!playlistId.startsWith('UU')) return undefined;
    return this.byId.get('UC' + playlistId.slice(2));
  }
}

const CHANNEL_PARTS = new Set([
  'id',
  'snippet',
  'contentDetails',
  'status',
  'statistics',
  'brandingSettings',
  'topicDetails',
  'localizations',
  'contentOwnerDetails',
  'auditDetails',
]);

/** GET /youtube/v3/channels?part=…&mine=true|id=… */
export function handleChannelsList(ctx: Ctx, rc: Rc): void {
  const parts = listParam(rc.url, 'part');
  if (parts.length === 0) throw new ApiError(400, 'required', 'Required parameter: part', { billable: true });
  for (const p of parts) {
    if (!CHANNEL_PARTS.has(p)) {
      throw new ApiError(400, 'unknownPart', `'${p}'`, { domain: 'youtube.part', billable: true });
    }
  }
  const mine = rc.url.searchParams.get('mine') === 'true';
  const ids = listParam(rc.url, 'id');
  let list: ChannelRecord[];
  if (mine) list = [ctx.channels.get(rc.token!.channelId)].filter((c): c is ChannelRecord => !!c);
  else if (ids.length) list = ids.map((i) => ctx.channels.get(i)).filter((c): c is ChannelRecord => !!c);
  else
    throw new ApiError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: mine, id, forHandle, forUsername, managedByMe, categoryId', {
      domain: 'youtube.parameter',
      billable: true,
    });
  const items = list.map((c) => {
    const item: Record<string, unknown> = { kind: 'youtube#channel', etag: '', id: c.id };
    if (parts.includes('snippet')) {
      item.snippet = {
        title: c.title,
        description: '',
        publishedAt: isoSeconds(c.createdAt),
        thumbnails: {},
        localized: { title: c.title, description: '' },
      };
    }
    if (parts.includes('contentDetails')) {
      item.contentDetails = { relatedPlaylists: { likes: '', uploads: c.uploadsPlaylistId } };
    }
    if (parts.includes('status')) {
      item.status = { privacyStatus: 'public', isLinked: true, longUploadsStatus: 'allowed' };
    }
    item.etag = etagOf(item);
    return item;
  });
  const body = {
    kind: 'youtube#channelListResponse',
    etag: etagOf(items),
    pageInfo: { totalResults: items.length, resultsPerPage: 5 },
    items,
  };
  sendJson(rc.res, 200, body);
}
