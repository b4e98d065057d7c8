/**
 * The playlist sync worker process (started by the playlists subsystem through the supervisor).
 * Gets the data dir, node config and sync settings from its environment; publishes
 * `playlist.status`; a `sync` command makes it run at once.
 *
 * TAPEDECK_PLAYLISTS_CRASH_AFTER=insert|move|delete is a test hook: the process kills itself with
 * SIGKILL right after YouTube accepted that kind of change and before it is recorded locally (the
 * crash-safety tests use it to hit exactly that window).
 */
import { NodeConfig } from '../core/config.ts';
import { runWorker } from '../core/supervisor/worker-runtime.ts';
import { createPlaylistSync } from './setup.ts';

await runWorker(async (ctx) => {
  const dataDir = process.env.TAPEDECK_DATA;
  if (!dataDir) throw new Error('TAPEDECK_DATA is not set');
  const config = NodeConfig.parse(JSON.parse(process.env.TAPEDECK_CONFIG ?? '{}'));
  const settings = JSON.parse(process.env.TAPEDECK_PLAYLISTS ?? '{}') as Record<string, unknown>;
  const crashAfter = process.env.TAPEDECK_PLAYLISTS_CRASH_AFTER;
  const rt = await createPlaylistSync(dataDir, config, {
    publish: ctx.publish, log: ctx.log, settings,
    afterMutation: crashAfter ? (op) => {
      if (op === crashAfter) process.kill(process.pid, 'SIGKILL');
    } : undefined,
  });
  ctx.onCommand((name) => {
    if (name === 'sync') rt.sync.wake();
  });
  rt.sync.start();
  ctx.log('info', 'playlist sync running');
  return { stop: () => rt.close() };
});
