/**
 * The recorder subsystem (issue 3): records the configured channels (+ the demo channel with
 * config.demo) in its own worker process under the supervisor, keeps their health from the worker's
 * bus messages, serves GET /api/streams, publishes `stream.status` / `stream.transition`, and maintains
 * the Prometheus metrics (segments_downloaded, latest_segment, ad_segments_ignored, stream_delay_seconds,
 * ...) on the node's registry.
 *
 *   GET /api/streams → { streams: StreamStatus[] }   (schema: health.ts StreamsResponse)
 *
 * `startRecorder` is the same recorder as a plain in-process API (the worker entry uses it).
 */
import { Hono } from 'hono';
import { fileURLToPath } from 'node:url';
import type { Subsystem, SubsystemFactory } from '../core/subsystem.ts';
import { RecorderHealth, StreamsResponse } from './health.ts';
import { DEMO_CHANNEL } from './recorder.ts';
import { resolveTimings, type RecorderTimings } from './timings.ts';

export { startRecorder, DEMO_CHANNEL, type RecorderOptions, type RunningRecorder } from './recorder.ts';
export { RecorderHealth, StreamStatus, StreamsResponse, StreamState, STREAM_STATUS_TOPIC, STREAM_TRANSITION_TOPIC, type StreamTransition } from './health.ts';
export { DEFAULT_TIMINGS, resolveTimings, type RecorderTimings } from './timings.ts';

export const RECORDER_WORKER = 'recorder';
export const RECORDER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface RecorderSubsystemOptions {
  /** timing overrides, for the worker and for health (tests shrink them) */
  timings?: Partial<RecorderTimings>;
  /** worker entry (default ./worker.ts next to this file; a packaged build passes its bundle) */
  entry?: string;
}

export function createRecorderSubsystem(options: RecorderSubsystemOptions = {}): SubsystemFactory {
  return (ctx): Subsystem => {
    const timings = resolveTimings(options.timings);
    const channels = ctx.config.channels.map((c) => ({ name: c.name, important: c.important }));
    if (ctx.config.demo && !channels.some((c) => c.name === DEMO_CHANNEL)) channels.push({ name: DEMO_CHANNEL, important: true });
    const health = new RecorderHealth({
      publish: (topic, data, key) => ctx.bus.publish(topic, data, key),
      registry: ctx.metrics.registry,
      channels,
      stalledAfterMs: timings.stalledAfterMs,
      statusThrottleMs: timings.statusThrottleMs,
    });
    const unsubscribe = ctx.bus.subscribe((m) => {
      if (m.topic.startsWith('recorder.')) health.handle(m.topic, m.data);
      else if (m.topic === 'worker.status' && m.key === RECORDER_WORKER) {
        const state = (m.data as { state?: string } | null)?.state;
        if (state === 'backoff' || state === 'stopped') health.recorderDown();
      }
    });
    health.start();

    const api = new Hono();
    api.get('/streams', (c) => c.json(StreamsResponse.parse({ streams: health.list() })));

    let workerStarted = false;
    const startWorker = () => {
      const wanted = ctx.config.channels.length > 0 || ctx.config.demo;
      if (!wanted) return;
      ctx.supervisor.start({
        name: RECORDER_WORKER,
        entry: options.entry ?? RECORDER_ENTRY,
        env: {
          TAPEDECK_DATA_DIR: ctx.dataDir,
          TAPEDECK_RECORDER_CONFIG: JSON.stringify(ctx.config),
          TAPEDECK_RECORDER_TIMINGS: JSON.stringify(options.timings ?? {}),
        },
      });
      workerStarted = true;
    };
    startWorker();
    // Channels edited in the settings screen: restart the worker with the new list. Segments already
    // written are complete files; an in-flight download becomes a partial and recovery handles it.
    let restarting: Promise<void> = Promise.resolve();
    const unsubscribeSettings = ctx.bus.subscribe((m) => {
      if (m.topic !== 'settings.changed') return;
      restarting = restarting.then(async () => {
        if (workerStarted) await ctx.supervisor.stop(RECORDER_WORKER);
        workerStarted = false;
        startWorker();
      }).catch((e) => console.error('[recorder] restart after settings change failed', e));
    });

    return {
      name: 'recorder',
      api,
      close: async () => {
        unsubscribeSettings();
        await restarting;
        if (workerStarted) await ctx.supervisor.stop(RECORDER_WORKER);
        unsubscribe();
        health.stop();
      },
    };
  };
}

export const recorderSubsystem: SubsystemFactory = createRecorderSubsystem();
