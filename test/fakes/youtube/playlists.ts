/**
 * Playlists and playlist items (protocols.md B7).
 *
 * Each playlist keeps a real ordered list; snippet.position is the zero-based
 * index and is renumbered after every insert, move and delete.
 *
 * Playlists created with `manualSort: false` model playlists sorted by date or
 * popularity: any request that sets snippet.position gets 400 manualSortRequired,
 * and new items are appended. `inaccessible: true` makes every items call on the
 * playlist answer 403 playlistItemsNotAccessible (as for a playlist the caller
 * may not read/modify); the same error is produced naturally for other
 * channels' private playlists and for writes to playlists the caller does not own.
 *
 * Each channel also has a read-only virtual "uploads" playlist ("UU…", from
 * channels.list contentDetails.relatedPlaylists.uploads) listing its videos,
 * newest first — handy for clients that look for an already-uploaded video
 * after a crash.
 *
 * Costs: list = 1, insert/update/delete = 50 (billed by the router).
 */
import { createHash } from 'node:crypto';
import type { Ctx, Rc } from './context.ts';
import { ApiError, errors } from './errors.ts';
import { etagOf, newPlaylistId, newPlaylistItemId } from './ids.ts';
import { isoSeconds, listParam, readJsonBody, sendEmpty, sendJson } from './http.ts';
import { requireParts, thumbnailUrls, type VideoRecord } from './videos.ts';
import { PRIVACY_STATUSES, type PrivacyStatus } from './metadata.ts';

export interface PlaylistItemRecord {
  id: string;
  videoId: string;
  addedAt: number;
  note?: string;
  startAt?: string;
  endAt?: string;
}

export interface PlaylistRecord {
  id: string;
  channelId: string;
  title: string;
  description: string;
  privacyStatus: PrivacyStatus;
  /** false = sorted automatically; setting a position gives 400 manualSortRequired. */
  manualSort: boolean;
  /** true = every items call answers 403 playlistItemsNotAccessible. */
  inaccessible: boolean;
  createdAt: number;
  items: PlaylistItemRecord[];
}

export interface PlaylistSeed {
  id?: string;
  channelId?: string;
  title?: string;
  description?: string;
  privacyStatus?: PrivacyStatus;
  manualSort?: boolean;
  inaccessible?: boolean;
  /** Initial items (the videos must exist, e.g. from addVideo). */
  videoIds?: string[];
}

const ITEM_PARTS = new Set(['id', 'snippet', 'contentDetails', 'status']);
const PLAYLIST_PARTS = new Set(['id', 'snippet', 'status', 'contentDetails', 'player', 'localizations']);
const MAX_NOTE_CHARS = 280;

const pi = (code: number, reason: string, message: string, extra: { location?: string } = {}) =>
  new ApiError(code, reason, message, {
    domain: 'youtube.playlistItem',
    ...(extra.location ? { location: extra.location, locationType: 'parameter' } : {}),
  });

export const playlistErrors = {
  playlistNotFound: (location = 'playlistId') =>
    pi(404, 'playlistNotFound', "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", { location }),
  notAccessible: () => pi(403, 'playlistItemsNotAccessible', 'The request is not properly authorized to retrieve the specified playlist.'),
  itemNotFound: () => pi(404, 'playlistItemNotFound', 'The playlist item identified with the request\'s <code>id</code> parameter cannot be found.', { location: 'id' }),
  videoNotFound: () => pi(404, 'videoNotFound', 'The video that you are trying to add to the playlist cannot be found.'),
  manualSortRequired: () =>
    pi(400, 'manualSortRequired', 'The request attempts to set the playlist item\'s position, but the playlist does not use manual sorting.'),
  invalidPosition: () =>
    pi(400, 'invalidPlaylistItemPosition', 'The request attempts to set the playlist item\'s position to an invalid or unsupported value.'),
  invalidResourceId: () => pi(400, 'invalidResourceId', 'The resource ID specified in the request is not valid; only youtube#video resources are supported.'),
  resourceIdRequired: () => pi(400, 'resourceIdRequired', 'The request must specify snippet.resourceId.'),
  playlistIdRequired: () => pi(400, 'playlistIdRequired', 'The request does not specify a value for the required snippet.playlistId property.'),
  invalidContentDetails: () => pi(400, 'invalidContentDetails', 'The contentDetails property in the request is not valid (e.g. the note is longer than 280 characters).'),
  full: () => pi(403, 'playlistContainsMaximumNumberOfVideos', 'The playlist already contains the maximum allowed number of items.'),
  operationUnsupported: () => pi(400, 'playlistOperationUnsupported', 'The API does not support this operation for the specified playlist.'),
  invalidPageToken: () =>
    new ApiError(400, 'invalidPageToken', 'The request specifies an invalid page token.', {
      domain: 'youtube.parameter',
      location: 'pageToken',
      locationType: 'parameter',
    }),
};

export class PlaylistStore {
  readonly byId = new Map<string, PlaylistRecord>();

  constructor(private readonly ctx: () => Ctx) {}

  add(seed: PlaylistSeed = {}): PlaylistRecord {
    const ctx = this.ctx();
    const id = seed.id ?? newPlaylistId();
    const rec: PlaylistRecord = {
      id,
      channelId: seed.channelId ?? ctx.channels.defaultChannelId,
      title: seed.title ?? `Playlist ${id.slice(2, 8)}`,
      description: seed.description ?? '',
      privacyStatus: seed.privacyStatus ?? 'public',
      manualSort: seed.manualSort ?? true,
      inaccessible: seed.inaccessible ?? false,
      createdAt: ctx.clock(),
      items: [],
    };
    for (const videoId of seed.videoIds ?? []) rec.items.push({ id: newPlaylistItemId(id), videoId, addedAt: ctx.clock() });
    this.byId.set(id, rec);
    return rec;
  }

  findItem(itemId: string): { playlist: PlaylistRecord; index: number } | undefined {
    for (const playlist of this.byId.values()) {
      const index = playlist.items.findIndex((i) => i.id === itemId);
      if (index >= 0) return { playlist, index };
    }
    return undefined;
  }

  /** A virtual uploads playlist, built on demand from the channel's videos. */
  uploadsPlaylist(playlistId: string): PlaylistRecord | undefined {
    const ctx = this.ctx();
    const channel = ctx.channels.byUploadsPlaylist(playlistId);
    if (!channel) return undefined;
    const videos = [...ctx.videos.byId.values()]
      .filter((v) => v.channelId === channel.id && !ctx.videos.lifecycle(v).gone)
      .sort((a, b) => b.createdAt - a.createdAt);
    return {
      id: playlistId,
      channelId: channel.id,
      title: 'Uploads from ' + channel.title,
      description: '',
      privacyStatus: 'public',
      manualSort: false,
      inaccessible: false,
      createdAt: channel.createdAt,
      items: videos.map((v) => ({
        id: Buffer.from(`${playlistId}.${createHash('sha1').update(v.id).digest('hex').slice(0, 16).toUpperCase()}`).toString('base64'),
        videoId: v.id,
        addedAt: v.createdAt,
      })),
    };
  }
}

// ---------------------------------------------------------------------------
// Paging

interface PageToken {
  o: number;
  k: string;
}

function listKey(url: URL, names: string[]): string {
  return createHash('sha1')
    .update(names.map((n) => `${n}=${listParam(url, n).join(',')}`).join('&'))
    .digest('base64url')
    .slice(0, 10);
}

function encodeToken(offset: number, key: string): string {
  return Buffer.from(JSON.stringify({ o: offset, k: key } satisfies PageToken)).toString('base64url');
}

function decodeToken(token: string, key: string): number {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageToken;
    if (typeof t.o === 'number' && Number.isInteger(t.o) && t.o >= 0 && t.k === key) return t.o;
  } catch {
    // fall through
  }
  throw playlistErrors.invalidPageToken();
}

function parseMaxResults(ctx: Ctx, url: URL): number {
  const raw = url.searchParams.get('maxResults');
  if (raw === null) return 5;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || n < 0 || n > 50) throw errors.outOfRange('maxResults', raw, 0, 50, ctx.opts.rangeErrorReason);
  return n;
}

/** Slice a list into a page, with next/prev tokens (absent on the last/first page). */
function paginate<T>(ctx: Ctx, url: URL, all: T[], key: string) {
  const max = parseMaxResults(ctx, url);
  const token = url.searchParams.get('pageToken');
  const offset = token ? decodeToken(token, key) : 0;
  const page = all.slice(offset, offset + max);
  const out: { nextPageToken?: string; prevPageToken?: string; page: T[]; max: number } = { page, max };
  if (max > 0 && offset + max < all.length) out.nextPageToken = encodeToken(offset + max, key);
  if (offset > 0) out.prevPageToken = encodeToken(Math.max(0, offset - Math.max(max, 1)), key);
  return out;
}

// ---------------------------------------------------------------------------
// Resources

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function itemResource(ctx: Ctx, pl: PlaylistRecord, item: PlaylistItemRecord, position: number, parts: string[], viewer: string) {
  const v: VideoRecord | undefined = ctx.videos.byId.get(item.videoId);
  const gone = !v || ctx.videos.lifecycle(v).gone;
  const visible = !!v && !gone && ctx.videos.visibleTo(v, viewer);
  const out: Record<string, unknown> = { kind: 'youtube#playlistItem', etag: '', id: item.id };
  if (parts.includes('snippet')) {
    const s: Record<string, unknown> = {
      publishedAt: isoSeconds(item.addedAt),
      channelId: pl.channelId,
      // Private and deleted videos stay in the list (and count in totalResults) under placeholder titles.
      title: gone ? 'Deleted video' : visible ? v!.snippet.title : 'Private video',
      description: gone ? 'This video is unavailable.' : visible ? v!.snippet.description : 'This video is private.',
      thumbnails: visible ? thumbnailUrls(item.videoId, !!v!.thumbnail) : {},
      channelTitle: ctx.channels.get(pl.channelId)?.title ?? '',
      playlistId: pl.id,
      position,
      resourceId: { kind: 'youtube#video', videoId: item.videoId },
    };
    if (visible) {
      s.videoOwnerChannelTitle = ctx.channels.get(v!.channelId)?.title ?? '';
      s.videoOwnerChannelId = v!.channelId;
    }
    out.snippet = s;
  }
  if (parts.includes('contentDetails')) {
    const c: Record<string, unknown> = { videoId: item.videoId };
    if (item.startAt) c.startAt = item.startAt;
    if (item.endAt) c.endAt = item.endAt;
    if (item.note) c.note = item.note;
    if (visible) c.videoPublishedAt = isoSeconds(v!.createdAt);
    out.contentDetails = c;
  }
  if (parts.includes('status')) {
    out.status = { privacyStatus: v && !gone ? v.status.privacyStatus : 'privacyStatusUnspecified' };
  }
  out.etag = etagOf(out);
  return out;
}

function playlistResource(ctx: Ctx, pl: PlaylistRecord, parts: string[]) {
  const out: Record<string, unknown> = { kind: 'youtube#playlist', etag: '', id: pl.id };
  if (parts.includes('snippet')) {
    out.snippet = {
      publishedAt: isoSeconds(pl.createdAt),
      channelId: pl.channelId,
      title: pl.title,
      description: pl.description,
      thumbnails: {},
      channelTitle: ctx.channels.get(pl.channelId)?.title ?? '',
      localized: { title: pl.title, description: pl.description },
    };
  }
  if (parts.includes('status')) out.status = { privacyStatus: pl.privacyStatus };
  if (parts.includes('contentDetails')) out.contentDetails = { itemCount: pl.items.length };
  out.etag = etagOf(out);
  return out;
}

/** Resolve a playlist for reading items: 404 if unknown, 403 if not readable by the caller. */
function readablePlaylist(ctx: Ctx, id: string, viewer: string): PlaylistRecord {
  const pl = ctx.playlists.byId.get(id) ?? ctx.playlists.uploadsPlaylist(id);
  if (!pl) throw playlistErrors.playlistNotFound();
  if (pl.inaccessible) throw playlistErrors.notAccessible();
  if (pl.privacyStatus === 'private' && pl.channelId !== viewer) throw playlistErrors.notAccessible();
  return pl;
}

/** Resolve a playlist for modification: also requires ownership; virtual playlists are read-only. */
function writablePlaylist(ctx: Ctx, id: string, viewer: string): PlaylistRecord {
  if (ctx.channels.byUploadsPlaylist(id)) throw playlistErrors.operationUnsupported();
  const pl = ctx.playlists.byId.get(id);
  if (!pl) throw playlistErrors.playlistNotFound();
  if (pl.inaccessible || pl.channelId !== viewer) throw playlistErrors.notAccessible();
  return pl;
}

function parsePosition(raw: unknown, pl: PlaylistRecord, maxInclusive: number): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!pl.manualSort) throw playlistErrors.manualSortRequired();
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > maxInclusive) throw playlistErrors.invalidPosition();
  return n;
}

function readContentDetails(body: Record<string, unknown>): Pick<PlaylistItemRecord, 'note' | 'startAt' | 'endAt'> {
  const cd = body.contentDetails;
  if (cd === undefined || cd === null) return {};
  if (!isObject(cd)) throw playlistErrors.invalidContentDetails();
  const out: Pick<PlaylistItemRecord, 'note' | 'startAt' | 'endAt'> = {};
  if (cd.note !== undefined) {
    if (typeof cd.note !== 'string' || [...cd.note].length > MAX_NOTE_CHARS) throw playlistErrors.invalidContentDetails();
    out.note = cd.note;
  }
  for (const k of ['startAt', 'endAt'] as const) {
    if (cd[k] !== undefined) {
      if (typeof cd[k] !== 'string') throw playlistErrors.invalidContentDetails();
      out[k] = cd[k] as string;
    }
  }
  return out;
}

function readResourceId(snippet: Record<string, unknown>): string {
  const r = snippet.resourceId;
  if (r === undefined || r === null) throw playlistErrors.resourceIdRequired();
  if (!isObject(r) || r.kind !== 'youtube#video' || typeof r.videoId !== 'string' || !r.videoId) {
    throw playlistErrors.invalidResourceId();
  }
  return r.videoId;
}

// ---------------------------------------------------------------------------
// Handlers

/** GET /youtube/v3/playlistItems?part=…&playlistId=…|id=…[&videoId=…][&maxResults=…][&pageToken=…] */
export function handlePlaylistItemsList(ctx: Ctx, rc: Rc): void {
  const parts = requireParts(rc.url, ITEM_PARTS);
  const viewer = rc.token!.channelId;
  const playlistId = rc.url.searchParams.get('playlistId');
  const ids = listParam(rc.url, 'id');
  if ((playlistId ? 1 : 0) + (ids.length ? 1 : 0) !== 1) {
    throw new ApiError(400, 'missingRequiredParameter', 'No filter selected. Expected exactly one of: id, playlistId', {
      domain: 'youtube.parameter',
    });
  }
  const videoFilter = listParam(rc.url, 'videoId');
  let rows: Array<{ pl: PlaylistRecord; item: PlaylistItemRecord; position: number }> = [];
  if (playlistId) {
    const pl = readablePlaylist(ctx, playlistId, viewer);
    rows = pl.items.map((item, position) => ({ pl, item, position }));
  } else {
    for (const id of ids) {
      const found = ctx.playlists.findItem(id);
      if (!found) continue;
      const { playlist, index } = found;
      if (playlist.inaccessible || (playlist.privacyStatus === 'private' && playlist.channelId !== viewer)) continue;
      rows.push({ pl: playlist, item: playlist.items[index]!, position: index });
    }
  }
  if (videoFilter.length) rows = rows.filter((r) => videoFilter.includes(r.item.videoId));
  const { page, nextPageToken, prevPageToken, max } = paginate(ctx, rc.url, rows, listKey(rc.url, ['playlistId', 'id', 'videoId']));
  const items = page.map((r) => itemResource(ctx, r.pl, r.item, r.position, parts, viewer));
  const body: Record<string, unknown> = { kind: 'youtube#playlistItemListResponse', etag: etagOf(items) };
  if (nextPageToken) body.nextPageToken = nextPageToken;
  if (prevPageToken) body.prevPageToken = prevPageToken;
  body.items = items;
  body.pageInfo = { totalResults: rows.length, resultsPerPage: max };
  sendJson(rc.res, 200, body);
}

/** POST /youtube/v3/playlistItems?part=snippet[,contentDetails] */
export async function handlePlaylistItemsInsert(ctx: Ctx, rc: Rc): Promise<void> {
  const parts = requireParts(rc.url, ITEM_PARTS);
  const body = await readJsonBody(rc.req);
  if (!isObject(body) || !isObject(body.snippet)) throw playlistErrors.playlistIdRequired();
  const snippet = body.snippet;
  if (typeof snippet.playlistId !== 'string' || !snippet.playlistId) throw playlistErrors.playlistIdRequired();
  const videoId = readResourceId(snippet);
  const viewer = rc.token!.channelId;
  const pl = writablePlaylist(ctx, snippet.playlistId, viewer);
  const v = ctx.videos.byId.get(videoId);
  if (!v || !ctx.videos.visibleTo(v, viewer)) throw playlistErrors.videoNotFound();
  if (pl.items.length >= ctx.opts.maxPlaylistItems) throw playlistErrors.full();
  const position = parsePosition(snippet.position, pl, pl.items.length);
  const details = parts.includes('contentDetails') ? readContentDetails(body) : {};
  // Note: the real API does not reliably reject a duplicate video; neither do we.
  const item: PlaylistItemRecord = { id: newPlaylistItemId(pl.id), videoId, addedAt: ctx.clock(), ...details };
  const index = position ?? pl.items.length;
  pl.items.splice(index, 0, item);
  sendJson(rc.res, 200, itemResource(ctx, pl, item, index, parts, viewer));
}

/**
 * PUT /youtube/v3/playlistItems?part=snippet[,contentDetails]
 * Body must carry id, snippet.playlistId and snippet.resourceId. Replace
 * semantics: with contentDetails listed, an omitted note/startAt/endAt is cleared.
 * An omitted snippet.position keeps the current position.
 */
export async function handlePlaylistItemsUpdate(ctx: Ctx, rc: Rc): Promise<void> {
  const parts = requireParts(rc.url, ITEM_PARTS);
  const body = await readJsonBody(rc.req);
  if (!isObject(body)) throw playlistErrors.itemNotFound();
  if (typeof body.id !== 'string' || !body.id) {
    throw new ApiError(400, 'required', 'The request must specify the playlist item id.', { location: 'id', locationType: 'other' });
  }
  if (!isObject(body.snippet) || typeof body.snippet.playlistId !== 'string' || !body.snippet.playlistId) {
    throw playlistErrors.playlistIdRequired();
  }
  const snippet = body.snippet;
  const videoId = readResourceId(snippet);
  const viewer = rc.token!.channelId;
  const pl = writablePlaylist(ctx, snippet.playlistId as string, viewer);
  const index = pl.items.findIndex((i) => i.id === body.id);
  if (index < 0) throw playlistErrors.itemNotFound();
  const item = pl.items[index]!;
  if (item.videoId !== videoId) throw playlistErrors.invalidResourceId();
  const position = parsePosition(snippet.position, pl, pl.items.length - 1);
  if (parts.includes('contentDetails')) {
    const d = readContentDetails(body);
    item.note = d.note;
    item.startAt = d.startAt;
    item.endAt = d.endAt;
  }
  let newIndex = index;
  if (position !== undefined && position !== index) {
    pl.items.splice(index, 1);
    pl.items.splice(position, 0, item);
    newIndex = position;
  }
  sendJson(rc.res, 200, itemResource(ctx, pl, item, newIndex, parts, viewer));
}

/** DELETE /youtube/v3/playlistItems?id=… → 204 No Content. */
export function handlePlaylistItemsDelete(ctx: Ctx, rc: Rc): void {
  const id = rc.url.searchParams.get('id');
  if (!id) throw errors.requiredParameter('id');
  const found = ctx.playlists.findItem(id);
  if (!found) throw playlistErrors.itemNotFound();
  const { playlist, index } = found;
  if (playlist.inaccessible || playlist.channelId !== rc.token!.channelId) throw playlistErrors.notAccessible();
  playlist.items.splice(index, 1);
  sendEmpty(rc.res, 204);
}

/** GET /youtube/v3/playlists?part=…&mine=true|id=…|channelId=… (paged). */
export function handlePlaylistsList(ctx: Ctx, rc: Rc): void {
  const parts = requireParts(rc.url, PLAYLIST_PARTS);
  const viewer = rc.token!.channelId;
  const q = rc.url.searchParams;
  const ids = listParam(rc.url, 'id');
  const mine = q.get('mine') === 'true';
  const channelId = q.get('channelId');
  if ((mine ? 1 : 0) + (ids.length ? 1 : 0) + (channelId ? 1 : 0) !== 1) {
    throw new ApiError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: channelId, id, mine', {
      domain: 'youtube.parameter',
    });
  }
  let list: PlaylistRecord[];
  if (ids.length) {
    list = ids
      .map((i) => ctx.playlists.byId.get(i))
      .filter((p): p is PlaylistRecord => !!p && (p.channelId === viewer || p.privacyStatus !== 'private'));
  } else {
    const owner = mine ? viewer : channelId!;
    list = [...ctx.playlists.byId.values()].filter(
      (p) => p.channelId === owner && (owner === viewer || p.privacyStatus === 'public'),
    );
  }
  const { page, nextPageToken, prevPageToken, max } = paginate(ctx, rc.url, list, listKey(rc.url, ['id', 'mine', 'channelId']));
  const items = page.map((p) => playlistResource(ctx, p, parts));
  const body: Record<string, unknown> = { kind: 'youtube#playlistListResponse', etag: etagOf(items) };
  if (nextPageToken) body.nextPageToken = nextPageToken;
  if (prevPageToken) body.prevPageToken = prevPageToken;
  body.pageInfo = { totalResults: list.length, resultsPerPage: max };
  body.items = items;
  sendJson(rc.res, 200, body);
}

/** POST /youtube/v3/playlists?part=snippet,status — creates a manually sorted playlist. */
export async function handlePlaylistsInsert(ctx: Ctx, rc: Rc): Promise<void> {
  const parts = requireParts(rc.url, PLAYLIST_PARTS);
  const body = await readJsonBody(rc.req);
  const snippet = isObject(body) && isObject(body.snippet) ? body.snippet : undefined;
  if (!snippet || typeof snippet.title !== 'string' || !snippet.title.trim()) {
    throw new ApiError(400, 'playlistTitleRequired', 'The request must specify a playlist title.', { domain: 'youtube.playlist' });
  }
  const status = isObject(body) && isObject(body.status) ? body.status : {};
  const privacy = status.privacyStatus ?? 'public';
  if (!PRIVACY_STATUSES.includes(privacy as PrivacyStatus)) {
    throw new ApiError(400, 'invalidPlaylistSnippet', `Invalid privacyStatus ${JSON.stringify(privacy)}`, { domain: 'youtube.playlist' });
  }
  const pl = ctx.playlists.add({
    channelId: rc.token!.channelId,
    title: snippet.title,
    description: typeof snippet.description === 'string' ? snippet.description : '',
    privacyStatus: privacy as PrivacyStatus,
  });
  sendJson(rc.res, 200, playlistResource(ctx, pl, parts));
}
