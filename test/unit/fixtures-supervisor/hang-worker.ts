/**
 * A worker whose stop never finishes: it acknowledges the stop message (and SIGTERM, through the worker
 * runtime) but keeps running, so only the supervisor's SIGKILL after the grace period ends it.
 */
import { runWorker } from '../../../main/core/supervisor/worker-runtime.ts';

await runWorker(async (ctx) => {
  setInterval(() => {}, 1000);
  return {
    stop: () => {
      ctx.log('warn', 'asked to stop; hanging on purpose');
      return new Promise<void>(() => {});
    },
  };
});
