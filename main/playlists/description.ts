/**
 * The playlists listed in video descriptions, for the events subsystem's description hook
 * (createEventsSubsystem(settings, { descriptionPlaylists: (ctx) => openDescriptionPlaylists(ctx.dataDir) })).
 * Opens DATA/playlists.sqlite3 on first use, so it does not matter which subsystem starts first.
 */
import type { DescriptionPlaylist } from '../core/events/playlist-lines.ts';
import { openPlaylistsDb, type PlaylistsDb } from './db.ts';
import type { PlaylistDef } from './model.ts';
import { PlaylistStore } from './store.ts';

/** Enabled playlists with show-in-description, by name. */
export function describedPlaylists(defs: readonly PlaylistDef[]): DescriptionPlaylist[] {
  return defs.filter((d) => d.enabled && d.show_in_description).map((d) => ({ id: d.id, name: d.name, tags: d.tags }));
}

export function openDescriptionPlaylists(dataDir: string): { list(): Promise<DescriptionPlaylist[]>; close(): Promise<void> } {
  let opened: Promise<PlaylistsDb> | null = null;
  return {
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
