/** The part of the recording the editor loads for an event (pure; unit-tested). */
import type { EventView } from '../lib/events.ts';
import { US } from '../lib/time.ts';
import type { Draft } from './model.ts';

export const PAD_BEFORE = 60 * US;
export const PAD_AFTER = 120 * US;
/** How far past its last known time an open event (a mark with no end yet) looks, at most. */
export const OPEN_LOOKAHEAD = 10 * 60 * US;

/**
 * The part of the recording the player loads: the event and every range, padded (1 min before, 2 after,
 * like wubloader). An open event (a live mark) reaches to now, but at most OPEN_LOOKAHEAD past its
 * last known time, so an old mark does not load hours. Whole seconds, so the URL is stable.
 */
export function windowFor(ev: Pick<EventView, 'eventStart' | 'eventEnd'>, d: Pick<Draft, 'ranges'>, nowUs: number): [number, number] {
  const times = [ev.eventStart, ev.eventEnd, ...d.ranges.flatMap((r) => [r.start, r.end])].filter((t): t is number => t !== null);
  if (times.length === 0) times.push(nowUs - 10 * 60 * US);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const open = ev.eventEnd === null && d.ranges.every((r) => r.end === null);
  const end = open ? Math.max(last + PAD_AFTER, Math.min(nowUs, last + OPEN_LOOKAHEAD)) : last + PAD_AFTER;
  return [Math.floor((first - PAD_BEFORE) / US) * US, Math.ceil(end / US) * US];
}
