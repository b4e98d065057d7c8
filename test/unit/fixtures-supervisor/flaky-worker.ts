/**
 * Crashes on its first FLAKY_CRASHES runs (counted in FIXTURE_STATE_DIR/runs), then runs normally:
 * a transient failure the supervisor must recover from by itself.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWorker } from '../../../main/core/supervisor/worker-runtime.ts';

const file = join(process.env.FIXTURE_STATE_DIR!, 'runs');
appendFileSync(file, 'x');
const run = readFileSync(file, 'utf8').length;

await runWorker(async (ctx) => {
  if (run <= Number(process.env.FLAKY_CRASHES ?? 3)) setTimeout(() => process.exit(2), 10);
  else ctx.publish('fixture.recovered', { run });
  const keepAlive = setInterval(() => {}, 1000);
  return {
    stop: async () => {
      clearInterval(keepAlive);
    },
  };
});
