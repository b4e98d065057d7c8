/**
 * Public surface of the events database for the rest of Tapedeck: the cutter worker (claiming and
 * owned transitions via EventsRepository), the UI API (routes), and node wiring (eventsSubsystem).
 */
export { editInputsOf, modifiableInputsOf, EDIT_INPUT_FIELDS, EVENT_STATES, MODIFIABLE_FIELDS, THUMBNAIL_MODES } from './model.ts';
export type {
  Box, EditInputs, EventRecord, EventState, EventView, ModifiableInputs, ThumbnailMode, VideoRange, VideoTransition,
} from './model.ts';
export { EVENTS_DB_FILE, eventsDbPath, openEventsDb, type EventsDb } from './db.ts';
export { EventsRepository, FINALIZING_DIED_ERROR, type ListFilter, type OwnedPatch } from './repository.ts';
export { EventOperations, NotFoundError, StaleEditError, StateConflictError, type FieldChange } from './operations.ts';
export { isoFromUs, sha256Hex, toJson, type EventJson } from './codec.ts';
export {
  checkPng, finalDescription, finalTags, finalTitle, MAX_DESCRIPTION_BYTES, MAX_TAGS_CHARS, MAX_THUMBNAIL_BYTES,
  MAX_TITLE_CHARS, validateEvent, ValidationError, youtubeTagsLength, type EventRules,
} from './validation.ts';
export { EVENT_CHANGED_TOPIC } from './publisher.ts';
export { EVENTS_BASE } from './routes.ts';
export { EventsSettings } from './settings.ts';
export { createEventsSubsystem, eventsSubsystem, type EventsHooks, type EventsSubsystem } from './subsystem.ts';
export {
  PLAYLIST_BLOCK_HEADER, playlistBlock, playlistLine, playlistsForTags, playlistUrl, splitPlaylistBlock, withPlaylistBlock,
  type DescriptionPlaylist,
} from './playlist-lines.ts';
