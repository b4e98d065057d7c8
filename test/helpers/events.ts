/** Creating and submitting events through the real operator API (as the editor does). */
import type { TestNode } from './node.ts';
import { isoOf } from '../fixtures/segments.ts';

export interface SubmitOptions {
  ranges: [number, number][];
  transitions?: ({ type: string; duration: number } | null)[];
  title?: string;
  location: string;
  thumbnailTime?: number;
  thumbnailMode?: 'NONE' | 'BARE' | 'TEMPLATE' | 'CUSTOM';
  thumbnailTemplate?: string;
  tags?: string[];
  allowHoles?: boolean;
}

export async function apiJson<T = Record<string, unknown>>(node: TestNode, path: string, method: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await node.get(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: r.status, body: (await r.json()) as T };
}

/** A new UNEDITED event on `channel` covering [start, end] (µs), as the streams screen creates one. */
export async function createEvent<T extends { id: string; revision: number } = { id: string; revision: number }>(node: TestNode, channel: string, start: number, end: number): Promise<T> {
  const created = await apiJson<{ event: T }>(node, '/api/db/events', 'POST', { channel, start: isoOf(start), end: isoOf(end) });
  if (created.status !== 201) throw new Error(`create failed ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.event;
}

export async function createAndSubmit(node: TestNode, channel: string, o: SubmitOptions): Promise<{ id: string; revision: number }> {
  const ev = await createEvent(node, channel, o.ranges[0]![0], o.ranges[o.ranges.length - 1]![1]);
  const mode = o.thumbnailMode ?? 'BARE';
  const submitted = await apiJson<{ event: { id: string; revision: number } }>(node, `/api/db/events/${ev.id}/submit`, 'POST', {
    baseRevision: ev.revision,
    video_title: o.title ?? 'Test video',
    video_description: 'Made by a test',
    video_tags: o.tags ?? ['test'],
    video_ranges: o.ranges.map(([s, e]) => ({ start: isoOf(s), end: isoOf(e) })),
    video_transitions: o.transitions ?? o.ranges.slice(1).map(() => null),
    upload_location: o.location,
    thumbnail_mode: mode,
    ...(mode === 'BARE' || mode === 'TEMPLATE' ? { thumbnail_time: isoOf(o.thumbnailTime ?? o.ranges[0]![0] + 500_000) } : {}),
    ...(mode === 'TEMPLATE' ? { thumbnail_template: o.thumbnailTemplate } : {}),
    allow_holes: o.allowHoles ?? false,
    public: true,
  });
  if (submitted.status !== 200) throw new Error(`submit failed ${submitted.status} ${JSON.stringify(submitted.body)}`);
  return submitted.body.event;
}

export async function waitForState(node: TestNode, id: string, states: string[], timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  let last: Record<string, unknown> = {};
  while (Date.now() - t0 < timeoutMs) {
    last = (await apiJson<{ event: Record<string, unknown> }>(node, `/api/db/events/${id}`, 'GET')).body.event;
    if (states.includes(String(last.state))) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`event ${id} did not reach ${states.join('/')} in ${timeoutMs} ms; last: ${JSON.stringify({ state: last.state, error: last.error })}`);
}
