/**
 * Settings of the events subsystem, as a zod schema with no heavy imports so the node config schema
 * can embed it (`events: EventsSettings.default({})` in NodeConfig) without loading SQLite.
 */
import { z } from 'zod';

/** YouTube's title limit; the prefix must leave room for a title. */
const MAX_TITLE_CHARS = 100;

export const EventsSettings = z.object({
  /** e.g. "DB2026 - "; counts towards YouTube's 100-character title limit */
  titlePrefix: z.string().refine((s) => [...s].length < MAX_TITLE_CHARS, 'titlePrefix must leave room for a title').default(''),
  /** appended to every description after a blank line; counts towards the 5000 bytes */
  descriptionFooter: z.string().max(4000).default(''),
  /** upload locations (cutter backends); the first is the default for new events */
  locations: z.array(z.string().min(1).max(100)).min(1).default(['youtube']),
  /** tags the cutter adds to every video; count towards the 500-character tag budget */
  staticTags: z.array(z.string().min(1)).default([]),
  /** a live marker's event starts this long before the marked moment, seconds */
  leadInSeconds: z.number().min(0).max(3600).default(30),
  /** poll for changes made by other processes (cutter workers, other nodes), ms */
  changePollMs: z.number().int().min(50).max(60_000).default(1000),
});
export type EventsSettings = z.infer<typeof EventsSettings>;
