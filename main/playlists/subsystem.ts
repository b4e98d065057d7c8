/**
 * The playlists subsystem: the operator API (routes.ts) over DATA/playlists.sqlite3, and the sync
 * worker (worker.ts) run through the supervisor.
 *
 * Why a worker process and not a loop in the node: DESIGN §2 runs each long-lived job (recorder,
 * cutter, playlists, backfill) as its own process so a crash or a stuck network call never takes the
 * operator's node down, and the supervisor restarts it with backoff. The worker is started only once
 * a playlist exists (nothing to do otherwise); definition changes and "sync now" wake it through a
 * supervisor command, and it reports back with `playlist.status` bus messages (key = playlist id).
 * Status is also persisted in the playlists database, which is what GET /api/playlists shows.
 */
import { fileURLToPath } from 'node:url';
import { eventsDbPath, openEventsDb } from '../core/events/db.ts';
import { EventsRepository } from '../core/events/repository.ts';
import type { Subsystem, SubsystemFactory } from '../core/subsystem.ts';
import { TemplateStore } from '../core/templates/store.ts';
import { openYouTube, type YouTubeStack } from '../youtube/index.ts';
import { unlistedLocations, youtubeLocations } from './catalog.ts';
import { openPlaylistsDb } from './db.ts';
import { playlistsRoutes } from './routes.ts';
import { PlaylistStore } from './store.ts';
import { SyncSettings } from './sync.ts';

export const PLAYLISTS_WORKER = 'playlists';
const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface PlaylistsSubsystemOptions {
  /** sync settings for the worker (intervals, budgets) */
  settings?: Partial<SyncSettings>;
  /** extra environment for the worker (tests) */
  workerEnv?: Record<string, string>;
  /** false: serve the API only (another process or node syncs) */
  worker?: boolean;
}

export interface PlaylistsSubsystem extends Subsystem {
  store: PlaylistStore;
  /** whether the sync worker has been started */
  workerStarted(): boolean;
}

export function createPlaylistsSubsystem(opts: PlaylistsSubsystemOptions = {}): SubsystemFactory {
  return async (ctx): Promise<PlaylistsSubsystem> => {
    const settings = SyncSettings.parse(opts.settings ?? {});
    const playlists = await openPlaylistsDb(ctx.dataDir);
    const events = await openEventsDb(eventsDbPath(ctx.dataDir)).catch(async (e) => {
      await playlists.close();
      throw e;
    });
    const store = new PlaylistStore(playlists.db);
    const templates = new TemplateStore(ctx.dataDir);
    let youtube: YouTubeStack | null = null;
    const yt = () => (youtube ??= openYouTube(ctx.dataDir, ctx.config.youtube));

    let started = false;
    const ensureWorker = async () => {
      if (started || opts.worker === false) return;
      if (!(await store.listDefs()).some((d) => d.enabled)) return;
      started = true;
      ctx.supervisor.start({
        name: PLAYLISTS_WORKER, entry: WORKER_ENTRY,
        env: {
          TAPEDECK_DATA: ctx.dataDir, TAPEDECK_CONFIG: JSON.stringify(ctx.config), TAPEDECK_PLAYLISTS: JSON.stringify(settings),
          ...opts.workerEnv,
        },
      });
    };
    await ensureWorker();

    const api = playlistsRoutes({
      store,
      events: new EventsRepository(events.db),
      config: ctx.config,
      locations: youtubeLocations(ctx.config),
      unlistedLocations: unlistedLocations(ctx.config),
      accountExists: (id) => !!yt().accounts.get(id),
      templateExists: async (name) => templates.meta(name) !== null,
      dailyUnitBudget: settings.dailyUnitBudget,
      onChange: () => {
        if (started) ctx.supervisor.send(PLAYLISTS_WORKER, 'sync');
        else void ensureWorker().catch((e) => console.error('[playlists] could not start the sync worker', e));
      },
    });
    return {
      name: 'playlists',
      api,
      store,
      workerStarted: () => started,
      close: async () => {
        if (started) await ctx.supervisor.stop(PLAYLISTS_WORKER);
        youtube?.close();
        await events.close();
        await playlists.close();
      },
    };
  };
}

/** The playlists subsystem with default sync settings. */
export const playlistsSubsystem: SubsystemFactory = createPlaylistsSubsystem();
