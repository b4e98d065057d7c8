/** Building the playlist sync from a data dir and the node config (shared by the worker and tests). */
import type { NodeConfig } from '../core/config.ts';
import { eventsDbPath, openEventsDb } from '../core/events/db.ts';
import { EventsRepository } from '../core/events/repository.ts';
import { openYouTube, type YouTubeOverrides, type YouTubeStack } from '../youtube/index.ts';
import { unlistedLocations, youtubeLocations } from './catalog.ts';
import { openPlaylistsDb } from './db.ts';
import type { PlaylistDef } from './model.ts';
import { PlaylistStore } from './store.ts';
import { PlaylistSync, SyncSettings, type SyncDeps } from './sync.ts';
import { PlaylistClient } from './youtube.ts';

export interface PlaylistSyncRuntime {
  sync: PlaylistSync;
  store: PlaylistStore;
  youtube: YouTubeStack;
  close(): Promise<void>;
}

export interface PlaylistSyncIo {
  publish?: SyncDeps['publish'];
  log?: SyncDeps['log'];
  settings?: Partial<SyncSettings>;
  youtube?: YouTubeOverrides;
  clock?: () => number;
  afterMutation?: SyncDeps['afterMutation'];
}

/** Which connected account manages a playlist: its own, else its upload location's. */
export function accountResolver(config: Pick<NodeConfig, 'uploadLocations'>, youtube: Pick<YouTubeStack, 'accounts'>) {
  return (def: PlaylistDef): { account: string } | { error: string } => {
    let account = def.account;
    if (!account && def.location) {
      const loc = config.uploadLocations.find((l) => l.name === def.location);
      if (!loc || loc.type !== 'youtube') return { error: `upload location ${JSON.stringify(def.location)} is not a YouTube location of this node` };
      if (!loc.account) return { error: `upload location ${JSON.stringify(def.location)} has no YouTube account` };
      account = loc.account;
    }
    if (!account) return { error: 'no YouTube account or location is set for this playlist' };
    if (!youtube.accounts.get(account)) return { error: `YouTube account ${JSON.stringify(account)} is not connected on this node` };
    return { account };
  };
}

export async function createPlaylistSync(dataDir: string, config: NodeConfig, io: PlaylistSyncIo = {}): Promise<PlaylistSyncRuntime> {
  const settings = SyncSettings.parse(io.settings ?? {});
  const playlists = await openPlaylistsDb(dataDir);
  const events = await openEventsDb(eventsDbPath(dataDir)).catch(async (e) => {
    await playlists.close();
    throw e;
  });
  const youtube = openYouTube(dataDir, config.youtube, { ...io.youtube, ...(io.clock ? { clock: io.clock } : {}) });
  const store = new PlaylistStore(playlists.db, io.clock);
  const sync = new PlaylistSync({
    store,
    events: new EventsRepository(events.db),
    client: new PlaylistClient(youtube.api),
    costOf: (op) => youtube.ledger.costOf(op).cost,
    accountFor: accountResolver(config, youtube),
    locations: youtubeLocations(config),
    unlistedLocations: unlistedLocations(config),
    publish: io.publish, log: io.log, clock: io.clock, afterMutation: io.afterMutation,
  }, settings);
  return {
    sync, store, youtube,
    close: async () => {
      await sync.stop();
      youtube.close();
      await events.close();
      await playlists.close();
    },
  };
}
