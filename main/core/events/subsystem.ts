/**
 * The events subsystem: opens DATA/events.sqlite3 (migrating it), serves the operator events API under
 * /api and publishes `event.changed` on the bus. Settings come from `events` in the node config when
 * the config schema carries it, overridden by the options passed to createEventsSubsystem().
 */
import type { Subsystem, SubsystemContext, SubsystemFactory } from '../subsystem.ts';
import { eventsDbPath, openEventsDb } from './db.ts';
import { EventOperations } from './operations.ts';
import type { DescriptionPlaylist } from './playlist-lines.ts';
import { EventChangePublisher } from './publisher.ts';
import { EventsRepository } from './repository.ts';
import { eventsRoutes } from './routes.ts';
import { EventsSettings } from './settings.ts';

export { EventsSettings };

export interface EventsSubsystem extends Subsystem {
  repo: EventsRepository;
  ops: EventOperations;
}

/** Optional collaborators from other subsystems (issue 5: the playlists listed in descriptions). */
export interface EventsHooks {
  /** opened when the subsystem starts, closed with it (main/playlists: openDescriptionPlaylists) */
  descriptionPlaylists?: (ctx: SubsystemContext) => {
    list(): Promise<DescriptionPlaylist[]>;
    /** upload locations whose videos go into playlists (absent = all) */
    locations?: readonly string[];
    close(): Promise<void>;
  };
}

export function createEventsSubsystem(overrides: Partial<EventsSettings> = {}, hooks: EventsHooks = {}): SubsystemFactory {
  return async (ctx: SubsystemContext): Promise<EventsSubsystem> => {
    const fromConfig = (ctx.config as { events?: unknown }).events;
    const parsed = EventsSettings.safeParse({ ...(typeof fromConfig === 'object' && fromConfig ? fromConfig : {}), ...overrides });
    if (!parsed.success) throw new Error(`Invalid events settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const settings = parsed.data;

    const handle = await openEventsDb(eventsDbPath(ctx.dataDir));
    const publisher = new EventChangePublisher(ctx.bus);
    const repo = new EventsRepository(handle.db, { onChange: (e) => publisher.publish(e) });
    const described = hooks.descriptionPlaylists?.(ctx);
    const ops = new EventOperations(repo, described
      ? { ...settings, descriptionPlaylists: () => described.list(), descriptionPlaylistLocations: described.locations }
      : settings);
    const stopWatching = publisher.watch(repo, { intervalMs: settings.changePollMs, lookbackUs: 30_000_000 });
    return {
      name: 'events',
      api: eventsRoutes(ops),
      repo,
      ops,
      close: async () => {
        await stopWatching();
        await described?.close();
        await handle.close();
      },
    };
  };
}

/** The events subsystem with settings from the node config (or defaults). */
export const eventsSubsystem: SubsystemFactory = createEventsSubsystem();
