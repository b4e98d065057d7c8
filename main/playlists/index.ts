/**
 * YouTube playlist sync by tags (issue 5). Wiring for the node:
 *   - playlistsSubsystem (API under /api/playlists + the sync worker), and
 *   - openDescriptionPlaylists(dataDir) for the events subsystem's description hook.
 */
export { createPlaylistsSubsystem, playlistsSubsystem, PLAYLISTS_WORKER, type PlaylistsSubsystem, type PlaylistsSubsystemOptions } from './subsystem.ts';
export { openDescriptionPlaylists, describedPlaylists } from './description.ts';
export { openPlaylistsDb, playlistsDbPath, PLAYLISTS_DB_FILE, type PlaylistsDb } from './db.ts';
export { PLAYLISTS_MIGRATIONS } from './migrations.ts';
export { PlaylistStore, PlaylistExistsError, StalePlaylistError } from './store.ts';
export { PlaylistSync, SyncSettings, PLAYLIST_STATUS_TOPIC, type RunReport, type SyncDeps } from './sync.ts';
export { createPlaylistSync, accountResolver, type PlaylistSyncRuntime, type PlaylistSyncIo } from './setup.ts';
export { PlaylistClient, PAGE_SIZE } from './youtube.ts';
export { loadCatalog, youtubeLocations, unlistedLocations, PUBLISHED_STATES, MANUAL_YOUTUBE_LOCATION } from './catalog.ts';
export {
  planPlaylist, expectedOrder, classify, insertIndex, longestSortedRun, compareRanks, rankOf, isDesired, matchesTags,
  type Action, type Catalog, type CatalogVideo, type Plan, type Rank, type EntryKind,
} from './order.ts';
export {
  defaultTemplateFor, normalizeTags, playlistJson, statusJson, CreatePlaylistBody, UpdatePlaylistBody,
  type PlaylistDef, type PlaylistJson, type PlaylistStatusJson, type MirrorEntry, type SyncState,
} from './model.ts';
export { PLAYLISTS_BASE, playlistsRoutes } from './routes.ts';
