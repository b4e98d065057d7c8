/**
 * A well-behaved worker: says hello on the bus, echoes commands back, logs, and stops promptly.
 * Used by the supervisor tests through the real NodeWorkerHost (child_process.fork + tsx).
 */
import { runWorker } from '../../../main/core/supervisor/worker-runtime.ts';

await runWorker(async (ctx) => {
  const keepAlive = setInterval(() => {}, 1000);
  ctx.onCommand((name, payload) => {
    if (name === 'echo') ctx.publish('fixture.echo', payload, 'echo');
  });
  ctx.publish('fixture.hello', { pid: process.pid, worker: process.env.TAPEDECK_WORKER, tag: process.env.FIXTURE_TAG ?? null }, String(process.pid));
  ctx.log('info', `normal worker ${process.pid} up`);
  return {
    stop: async () => {
      clearInterval(keepAlive);
    },
  };
});
