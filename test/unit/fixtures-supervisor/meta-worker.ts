/**
 * A worker that reports where it thinks it lives (import.meta.url) and the app version (which core
 * reads from package.json relative to its own import.meta.url). Used to prove the desktop bundle keeps
 * source locations intact after esbuild moves the code into dist/electron/workers/.
 */
import { VERSION } from '../../../main/core/version.ts';
import { runWorker } from '../../../main/core/supervisor/worker-runtime.ts';

await runWorker(async (ctx) => {
  const keepAlive = setInterval(() => {}, 1000);
  ctx.publish('fixture.meta', { selfUrl: import.meta.url, version: VERSION, sibling: new URL('./harness.ts', import.meta.url).href });
  return {
    stop: async () => {
      clearInterval(keepAlive);
    },
  };
});
