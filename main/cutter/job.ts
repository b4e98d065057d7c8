/**
 * One event's cut: find its segments (holes policy), make its thumbnail, and cut it to a work file.
 * The work file is keyed by the event and a hash of its edit inputs and kept until the upload is done,
 * so a cutter that is killed mid-upload resumes with the very same bytes (the resumable session only
 * applies to identical content).
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cutToFile, type CutKind } from '../media/cut/index.ts';
import type { SegmentOrHole } from '../media/segments/select.ts';
import type { SegmentStore } from '../media/segments/store.ts';
import { makeThumbnail, type ThumbnailRequest } from '../media/thumbnails/index.ts';
import { editInputsOf, type EditInputs, type EventRecord } from '../core/events/model.ts';

export class HolesError extends Error {}

export function editHash(e: EditInputs): string {
  const h = createHash('sha256');
  for (const k of Object.keys(e).sort()) {
    const v = (e as unknown as Record<string, unknown>)[k];
    h.update(`${k}=${Buffer.isBuffer(v) ? `buf:${createHash('sha256').update(v).digest('hex')}` : JSON.stringify(v)}\n`);
  }
  return h.digest('hex');
}

/** Segments for every range; HolesError unless the event allows holes. */
export async function segmentsFor(store: SegmentStore, e: EventRecord): Promise<SegmentOrHole[][]> {
  const channel = e.video_channel ?? e.channel;
  const out: SegmentOrHole[][] = [];
  for (const r of e.video_ranges ?? []) {
    const segs = await store.getBestSegments(channel, e.video_quality, r.start, r.end);
    if (segs.includes(null) && !e.allow_holes) throw new HolesError('range contains holes');
    if (segs.every((s) => s === null)) throw new HolesError('no video in range');
    out.push(segs);
  }
  if (out.length === 0) throw new HolesError('no ranges');
  return out;
}

export async function thumbnailFor(store: SegmentStore, e: EventRecord, templates: (name: string) => Promise<{ image: Buffer; crop: [number, number, number, number]; location: [number, number, number, number] } | null>): Promise<Buffer | null> {
  const channel = e.video_channel ?? e.channel;
  const source = { store, channel, quality: e.video_quality };
  let req: ThumbnailRequest;
  switch (e.thumbnail_mode) {
    case 'NONE':
      return null;
    case 'CUSTOM':
      if (!e.thumbnail_image) throw new Error('CUSTOM thumbnail mode but no image');
      req = { mode: 'CUSTOM', image: e.thumbnail_image };
      break;
    case 'BARE':
      req = { mode: 'BARE', source, time: e.thumbnail_time! };
      break;
    case 'TEMPLATE': {
      const t = await templates(e.thumbnail_template ?? '');
      if (!t) throw new Error(`Thumbnail template ${JSON.stringify(e.thumbnail_template)} does not exist`);
      req = { mode: 'TEMPLATE', source, time: e.thumbnail_time!, template: t.image, crop: e.thumbnail_crop ?? t.crop, location: e.thumbnail_location ?? t.location };
      break;
    }
  }
  return makeThumbnail(req);
}

export interface WorkFile {
  path: string;
  bytes: number;
  reused: boolean;
}

/** Cut (or reuse an identical earlier cut of) the event into DATA/cutter/work. */
export async function cutWorkFile(
  workDir: string, store: SegmentStore, e: EventRecord, kind: CutKind, segments: SegmentOrHole[][],
  onProgress: (bytes: number) => void, signal?: AbortSignal,
): Promise<WorkFile> {
  await fsp.mkdir(workDir, { recursive: true });
  const hash = editHash(editInputsOf(e)).slice(0, 16);
  const path = join(workDir, `${e.id}-${hash}.ts`);
  const marker = `${path}.done`;
  if (existsSync(marker) && existsSync(path)) {
    const bytes = Number(readFileSync(marker, 'utf8'));
    if ((await fsp.stat(path)).size === bytes) return { path, bytes, reused: true };
  }
  // Any older work file of this event is stale now.
  for (const n of await fsp.readdir(workDir)) if (n.startsWith(`${e.id}-`)) await fsp.rm(join(workDir, n), { force: true });
  const r = await cutToFile(kind, {
    store, segments,
    ranges: (e.video_ranges ?? []).map((x) => ({ start: x.start, end: x.end })),
    transitions: e.video_transitions ?? [],
  }, path, { allowHoles: e.allow_holes, onProgress, signal });
  await fsp.writeFile(marker, String(r.bytes));
  return { path, bytes: r.bytes, reused: false };
}

export async function removeWorkFiles(workDir: string, eventId: string): Promise<void> {
  if (!existsSync(workDir)) return;
  for (const n of await fsp.readdir(workDir)) if (n.startsWith(`${eventId}-`)) await fsp.rm(join(workDir, n), { force: true });
}
