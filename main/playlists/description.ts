/**
 * The playlists listed in video descriptions, for the events subsystem's description hook
 * (createEventsSubsystem(settings, { descriptionPlaylists: (ctx) => openDescriptionPlaylists(ctx.dataDir, ctx.config) })).
 * Opens DATA/playlists.sqlite3 on first use, so it does not matter which subsystem starts first.
 */
import type { NodeConfig } from '../core/config.ts';
import type { DescriptionPlaylist } from '../core/events/playlist-lines.ts';
import { unlistedLocations, youtubeLocations } from './catalog.ts';
import { openPlaylistsDb, type PlaylistsDb } from './db.ts';
import type { PlaylistDef } from './model.ts';
import { PlaylistStore } from './store.ts';

/** Enabled playlists with show-in-description, by name. */
export function describedPlaylists(defs: readonly PlaylistDef[]): DescriptionPlaylist[] {
  return defs.filter((d) => d.enabled && d.show_in_description).map((d) => ({ id: d.id, name: d.name, tags: d.tags }));
}

/**
 * `config` (the node config): only events on its YouTube upload locations that are not unlisted-only
 * get the block, since only their videos are ever added to playlists.
 */
export function openDescriptionPlaylists(dataDir: string, config?: Pick<NodeConfig, 'uploadLocations'>): {
  list(): Promise<DescriptionPlaylist[]>;
  locations?: readonly string[];
  close(): Promise<void>;
} {
  let opened: Promise<PlaylistsDb> | null = null;
  const unlisted = config ? new Set(unlistedLocations(config)) : null;
  return {
    ...(config ? { locations: youtubeLocations(config).filter((l) => !unlisted!.has(l)) } : {}),
    async list() {
      opened ??= openPlaylistsDb(dataDir);
      const h = await opened.catch((e) => {
        opened = null; // try again next time
        throw e;
      });
      return describedPlaylists(await new PlaylistStore(h.db).listDefs());
    },
    async close() {
      const h = await opened?.catch(() => null);
      await h?.close();
    },
  };
}
