/**
 * The recorder worker process entry (started by the supervisor; same file under child_process.fork and
 * Electron's utilityProcess). Configuration comes from the environment set by the recorder subsystem:
 *   TAPEDECK_DATA_DIR            the node's data directory (segments in DATA/segments)
 *   TAPEDECK_RECORDER_CONFIG     the NodeConfig as JSON
 *   TAPEDECK_RECORDER_TIMINGS    optional Partial<RecorderTimings> as JSON
 * Everything the main process learns, it learns from bus messages (messages.ts).
 */
import { join } from 'node:path';
import type { NodeConfig } from '../core/config.ts';
import { runWorker } from '../core/supervisor/worker-runtime.ts';
import { SegmentStore } from '../media/segments/store.ts';
import { startRecorder } from './recorder.ts';
import type { RecorderTimings } from './timings.ts';

const dataDir = process.env.TAPEDECK_DATA_DIR;
if (!dataDir) throw new Error('TAPEDECK_DATA_DIR is not set');
// Validated by the main process already; not re-parsed here, so the worker starts without loading zod
// (recording must resume within seconds of a crash).
const config = JSON.parse(process.env.TAPEDECK_RECORDER_CONFIG || '{}') as NodeConfig;
if (!Array.isArray(config.channels) || !Array.isArray(config.qualities) || !config.twitch) throw new Error('TAPEDECK_RECORDER_CONFIG is not a node config');
const timings = JSON.parse(process.env.TAPEDECK_RECORDER_TIMINGS || '{}') as Partial<RecorderTimings>;

/**
 * Bus messages leave in bursts, at most every PUBLISH_EVERY_MS (a message waits for the next one after
 * that, or at most PUBLISH_LATEST_MS): the main process then wakes up a few times a second rather than
 * for each of 20 channels' segments, and this process does not wake up just to send (each message
 * stays its own bus message; health throttles what it derives to one status per second anyway).
 */
const PUBLISH_EVERY_MS = 250;
const PUBLISH_LATEST_MS = 1000;

await runWorker(async (ctx) => {
  const pending: [topic: string, data: unknown, key: string | undefined][] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushedAt = -Infinity;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    flushedAt = performance.now();
    for (const [topic, data, key] of pending.splice(0)) ctx.publish(topic, data, key);
  };
  const recorder = await startRecorder({
    store: new SegmentStore(join(dataDir, 'segments')),
    config,
    publish: (topic, data, key) => {
      pending.push([topic, data, key]);
      if (performance.now() - flushedAt >= PUBLISH_EVERY_MS) flush();
      else timer ??= setTimeout(flush, PUBLISH_LATEST_MS);
    },
    log: ctx.log,
    timings,
  });
  return {
    stop: async () => {
      try {
        await recorder.stop();
      } finally {
        flush();
      }
    },
  };
});
