/**
 * A worker that becomes ready and then dies with exit code 3 after CRASH_AFTER_MS (default 10 ms):
 * drives the supervisor's backoff and crash-loop logic with real process exits.
 */
import { runWorker } from '../../../main/core/supervisor/worker-runtime.ts';

await runWorker(async () => {
  setTimeout(() => process.exit(3), Number(process.env.CRASH_AFTER_MS ?? 10));
  return { stop: async () => {} };
});
