/**
 * The recorder as a plain in-process API: one ChannelRecorder per configured channel (+ the demo
 * channel), leftover temp files handled at start. The worker entry (worker.ts) runs this inside the
 * recorder process; integration tests may call it directly.
 */
import { dirname, join } from 'node:path';
import type { ChannelConfig, NodeConfig } from '../core/config.ts';
import type { SegmentStore } from '../media/segments/store.ts';
import { ChannelRecorder } from './channel-recorder.ts';
import type { Log, Publish } from './messages.ts';
import { providerFor } from './providers.ts';
import { recoverTempFiles, type RecoveryReport } from './recovery.ts';
import { resolveTimings, type RecorderTimings } from './timings.ts';
import { errorMessage, sleep } from './util.ts';

export const DEMO_CHANNEL = 'demo';

export interface RecorderOptions {
  store: SegmentStore;
  config: NodeConfig;
  publish: Publish;
  timings?: Partial<RecorderTimings>;
  log?: Log;
  /** where the demo origin keeps its files (default DATA/demo, next to DATA/segments) */
  demoDir?: string;
}

export interface RunningRecorder {
  stop(): Promise<void>;
  channels: ChannelRecorder[];
  /** the start-up temp-file recovery */
  recovered: Promise<RecoveryReport>;
  /** segment downloads in flight across all channels */
  inflight(): number;
  /** resolves once nothing has been in flight for `quietMs` (tests) */
  idle(quietMs?: number): Promise<void>;
}

const defaultLog: Log = (level, message) => (level === 'error' ? console.error : console.log)(`[recorder] ${message}`);

interface DemoOrigin {
  url: string;
  close(): Promise<void>;
}

/** The demo origin lives in ./demo (another module); loaded lazily so the recorder works without it. */
async function startDemo(dir: string): Promise<DemoOrigin> {
  const specifier = './demo/index.ts';
  const mod = (await import(specifier)) as { startDemoOrigin?: (o: { dir: string }) => Promise<DemoOrigin> };
  if (typeof mod.startDemoOrigin !== 'function') throw new Error('demo module has no startDemoOrigin()');
  return mod.startDemoOrigin({ dir });
}

export async function startRecorder(opts: RecorderOptions): Promise<RunningRecorder> {
  const timings = resolveTimings(opts.timings);
  const log = opts.log ?? defaultLog;
  const channels: ChannelConfig[] = [];
  for (const c of opts.config.channels) if (!channels.some((x) => x.name === c.name)) channels.push(c);

  let demo: DemoOrigin | null = null;
  if (opts.config.demo && !channels.some((c) => c.name === DEMO_CHANNEL)) {
    try {
      demo = await startDemo(opts.demoDir ?? join(dirname(opts.store.root), 'demo'));
      channels.push({ name: DEMO_CHANNEL, important: true, url: demo.url });
      log('info', `demo origin serving ${demo.url}`);
    } catch (e) {
      log('error', `cannot start the demo stream: ${errorMessage(e)}`);
      opts.publish('recorder.error', { channel: DEMO_CHANNEL, quality: null, message: `demo origin: ${errorMessage(e)}`, at: Date.now() }, DEMO_CHANNEL);
    }
  }

  // Crash leftovers: in the background, so recording starts at once (files being written by this
  // process are recognised by pid and left alone).
  const recovered = recoverTempFiles(opts.store, { channels: channels.map((c) => c.name), staleTempMs: timings.staleTempMs })
    .then((r) => {
      if (r.partial.length || r.deleted.length) {
        log('info', `leftover temp files: ${r.partial.length} kept as partial, ${r.deleted.length} deleted`);
      }
      return r;
    })
    .catch((e) => {
      log('error', `temp file recovery failed: ${errorMessage(e)}`);
      return { deleted: [], partial: [], skipped: [] } as RecoveryReport;
    });

  const recorders = channels.map((c) => {
    const provider = providerFor(c, opts.config.twitch, opts.config.qualities, {
      twitch: timings.maxWorkerAgeTwitchMs, generic: timings.maxWorkerAgeGenericMs,
    });
    if (provider.kind === 'generic' && opts.config.qualities.some((q) => q !== 'source')) {
      log('info', `[${c.name}] generic HLS channel: recording quality "source" only`);
    }
    return new ChannelRecorder(c, provider, opts.store, timings, opts.publish, log);
  });
  for (const r of recorders) r.start();
  log('info', `recording ${recorders.map((r) => `${r.channel.name}${r.channel.important ? '!' : ''}`).join(', ') || 'no channels'}`);

  const inflight = () => recorders.reduce((n, r) => n + r.inflight(), 0);
  let stopped: Promise<void> | null = null;
  return {
    channels: recorders,
    recovered,
    inflight,
    idle: async (quietMs = 200) => {
      let quietSince = performance.now();
      for (;;) {
        if (inflight() > 0) quietSince = performance.now();
        else if (performance.now() - quietSince >= quietMs) return;
        await sleep(20);
      }
    },
    stop: () => {
      stopped ??= (async () => {
        await Promise.all(recorders.map((r) => r.stop()));
        await recovered;
        await demo?.close().catch((e) => log('warn', `demo origin close failed: ${errorMessage(e)}`));
      })();
      return stopped;
    },
  };
}
