/** Prometheus metrics (prom-client). One registry per node so several nodes can share a test process. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface NodeMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpLatency: Histogram<'route'>;
  playlistComputations: Counter;
}

export function createMetrics(): NodeMetrics {
  const registry = new Registry();
  // prom-client samples event-loop delay with a timer of this period; its default (10 ms) woke an
  // otherwise idle node 100 times a second, which showed up as a large share of the main process's
  // CPU while recording. Half a second still catches every stall that matters to an operator.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 500 });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'], registers: [registry],
    }),
    httpLatency: new Histogram({
      name: 'http_request_latency_seconds', help: 'HTTP request latency (time to response headers)', labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    playlistComputations: new Counter({
      name: 'playlist_computations_total', help: 'Media playlist segment selections actually computed (concurrent identical requests share one)', registers: [registry],
    }),
  };
}

/** Coarse route label (first path component) so labels stay bounded whatever clients request. */
export function routeLabel(path: string): string {
  const first = path.split('/')[1] ?? '';
  return /^[a-z]{1,20}$/.test(first) ? first : 'other';
}
