/**
 * The cutter worker process (started by the cutter subsystem through the supervisor). Gets the data dir
 * and the node config from its environment; talks to the node only through bus messages.
 */
import { NodeConfig } from '../core/config.ts';
import { runWorker } from '../core/supervisor/worker-runtime.ts';
import { createCutter } from './setup.ts';

await runWorker(async (ctx) => {
  const dataDir = process.env.TAPEDECK_DATA;
  if (!dataDir) throw new Error('TAPEDECK_DATA is not set');
  const config = NodeConfig.parse(JSON.parse(process.env.TAPEDECK_CONFIG ?? '{}'));
  const intervals = process.env.TAPEDECK_CUTTER_INTERVALS ? JSON.parse(process.env.TAPEDECK_CUTTER_INTERVALS) : undefined;
  const rt = await createCutter(dataDir, config, { publish: ctx.publish, log: ctx.log, intervals });
  // 'wake': the node saw an event become EDITED or MODIFIED (index.ts)
  ctx.onCommand((name) => {
    if (name === 'wake') rt.cutter.wake();
  });
  await rt.cutter.start();
  ctx.log('info', `cutter ${config.nodeName} running for ${config.uploadLocations.map((l) => l.name).join(', ')}`);
  return { stop: () => rt.close() };
});
