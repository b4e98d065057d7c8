/**
 * The published videos the playlist sync reasons about, read from the events database (local reads
 * only, no quota): every event with a YouTube video id in a published state, on one of the node's
 * YouTube upload locations or linked by hand to a YouTube video ('youtube-manual').
 */
import type { EventState, EventView } from '../core/events/model.ts';
import type { EventsRepository } from '../core/events/repository.ts';
import type { NodeConfig } from '../core/config.ts';
import type { Catalog, CatalogVideo } from './order.ts';

/** States in which an event has a video on YouTube. Only DONE ones are added; the others are left alone. */
export const PUBLISHED_STATES: EventState[] = ['DONE', 'MODIFIED', 'TRANSCODING'];

/** Where manual-link puts events linked to an existing YouTube video. */
export const MANUAL_YOUTUBE_LOCATION = 'youtube-manual';

export function youtubeLocations(config: Pick<NodeConfig, 'uploadLocations'>): string[] {
  return [...config.uploadLocations.filter((l) => l.type === 'youtube').map((l) => l.name), MANUAL_YOUTUBE_LOCATION];
}

/** YouTube locations that upload everything unlisted, whatever the event says: never public. */
export function unlistedLocations(config: Pick<NodeConfig, 'uploadLocations'>): string[] {
  return config.uploadLocations.filter((l) => l.type === 'youtube' && l.unlistedOnly).map((l) => l.name);
}

export function catalogVideo(e: EventView, unlisted: ReadonlySet<string> = new Set()): CatalogVideo | null {
  if (!e.video_id) return null;
  return {
    videoId: e.video_id,
    eventId: e.id,
    state: e.state,
    public: e.public && !unlisted.has(e.upload_location ?? ''),
    tags: (e.video_tags ?? e.tags).map((t) => t.trim().toLowerCase()),
    start: e.video_ranges?.[0]?.start ?? e.event_start,
  };
}

export async function loadCatalog(repo: EventsRepository, locations: readonly string[], unlistedOnly: readonly string[] = []): Promise<Catalog> {
  const allowed = new Set(locations);
  const unlisted = new Set(unlistedOnly);
  const out = new Map<string, CatalogVideo>();
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const { events } = await repo.list({ states: PUBLISHED_STATES, limit: pageSize, offset, order: 'event_start' });
    for (const e of events) {
      if (!e.upload_location || !allowed.has(e.upload_location)) continue;
      const v = catalogVideo(e, unlisted);
      if (v) out.set(v.videoId, v);
    }
    if (events.length < pageSize) break;
  }
  return out;
}
