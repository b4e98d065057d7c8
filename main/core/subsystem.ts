/**
 * A subsystem is one capability of the node (recorder, events + cutter, playlists, ...). Each gets the
 * shared context, may mount routes under /api and start workers through the supervisor, and is closed
 * in reverse order on shutdown. node.ts knows nothing about any particular one.
 */
import type { Hono } from 'hono';
import type { EventBus } from './bus/event-bus.ts';
import type { NodeConfig } from './config.ts';
import type { NodeMetrics } from './metrics.ts';
import type { Supervisor } from './supervisor/supervisor.ts';
import type { SegmentStore } from '../media/segments/store.ts';

export interface SubsystemContext {
  dataDir: string;
  config: NodeConfig;
  store: SegmentStore;
  bus: EventBus;
  metrics: NodeMetrics;
  supervisor: Supervisor;
}

export interface Subsystem {
  name: string;
  /** routes mounted under /api (e.g. a Hono app with .get('/streams', ...) is served at /api/streams) */
  api?: Hono;
  close?(): Promise<void>;
}

export type SubsystemFactory = (ctx: SubsystemContext) => Promise<Subsystem> | Subsystem;
