/**
 * The event model (wubloader's `events` row, reference §5.1), as plain TypeScript values. Times are
 * epoch microseconds everywhere inside the node (like the segment store); the HTTP API converts them
 * to ISO-8601 text at its edge. This module has no I/O so the cutter, the UI API and tests share it.
 */

export const EVENT_STATES = ['UNEDITED', 'EDITED', 'CLAIMED', 'FINALIZING', 'TRANSCODING', 'DONE', 'MODIFIED'] as const;
export type EventState = (typeof EVENT_STATES)[number];

export const THUMBNAIL_MODES = ['NONE', 'BARE', 'TEMPLATE', 'CUSTOM'] as const;
export type ThumbnailMode = (typeof THUMBNAIL_MODES)[number];

/** One piece of the recording to keep, epoch µs, start < end. */
export interface VideoRange {
  start: number;
  end: number;
}

/** How two consecutive ranges are joined: an ffmpeg xfade type and its length in seconds; null = hard cut. */
export interface VideoTransition {
  type: string;
  duration: number;
}

/** left, top, right, bottom in pixels (thumbnail crop of the frame / where it goes on the template). */
export type Box = [number, number, number, number];

/**
 * Everything the cutter reads to produce a video. Claiming compares all of these with what the cutter
 * saw (optimistic concurrency): if an editor changed any of them in between, the claim fails.
 */
export interface EditInputs {
  allow_holes: boolean;
  uploader_whitelist: string[] | null;
  upload_location: string | null;
  public: boolean;
  video_ranges: VideoRange[] | null;
  video_transitions: (VideoTransition | null)[] | null;
  video_title: string | null;
  video_description: string | null;
  video_tags: string[] | null;
  video_channel: string | null;
  video_quality: string;
  thumbnail_mode: ThumbnailMode;
  thumbnail_time: number | null;
  thumbnail_template: string | null;
  thumbnail_image: Buffer | null;
  thumbnail_crop: Box | null;
  thumbnail_location: Box | null;
}

export const EDIT_INPUT_FIELDS = [
  'allow_holes', 'uploader_whitelist', 'upload_location', 'public', 'video_ranges', 'video_transitions',
  'video_title', 'video_description', 'video_tags', 'video_channel', 'video_quality', 'thumbnail_mode',
  'thumbnail_time', 'thumbnail_template', 'thumbnail_image', 'thumbnail_crop', 'thumbnail_location',
] as const satisfies readonly (keyof EditInputs)[];

/** What can change on an already published video (reference §5.2 "state=MODIFIED"). */
export const MODIFIABLE_FIELDS = [
  'video_title', 'video_description', 'video_tags', 'public', 'thumbnail_mode', 'thumbnail_time',
  'thumbnail_template', 'thumbnail_image', 'thumbnail_crop', 'thumbnail_location',
] as const satisfies readonly (keyof EditInputs)[];
export type ModifiableField = (typeof MODIFIABLE_FIELDS)[number];
export type ModifiableInputs = Pick<EditInputs, ModifiableField>;

/** The loosely structured, spreadsheet-like description of what happened. */
export interface SheetInputs {
  /** for a live marker: marker time minus lead-in */
  event_start: number;
  /** null = a point-in-time mark, not yet a range */
  event_end: number | null;
  category: string;
  notes: string;
  description: string;
  tags: string[];
}

export interface EventOutputs {
  state: EventState;
  uploader: string | null;
  error: string | null;
  video_id: string | null;
  video_link: string | null;
  editor: string | null;
  edit_time: number | null;
  upload_time: number | null;
  last_modified: number | null;
  /** sha256 hex of the thumbnail last sent to the upload backend (avoids re-uploading an identical one) */
  thumbnail_last_written: string | null;
}

export interface EventRecord extends SheetInputs, EditInputs, EventOutputs {
  id: string;
  /** the recorded stream the event was marked on */
  channel: string;
  quality: string;
  /** sha256 hex of thumbnail_image, maintained alongside it (so listings need not load images) */
  thumbnail_image_sha256: string | null;
  /** +1 on every write, by anyone: the token for optimistic concurrency */
  revision: number;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

/** An event without the thumbnail bytes (listings, bus messages). */
export type EventView = Omit<EventRecord, 'thumbnail_image'>;

export function editInputsOf(e: EditInputs): EditInputs {
  const out = {} as Record<string, unknown>;
  for (const f of EDIT_INPUT_FIELDS) out[f] = e[f];
  return out as unknown as EditInputs;
}

export function modifiableInputsOf(e: ModifiableInputs): ModifiableInputs {
  const out = {} as Record<string, unknown>;
  for (const f of MODIFIABLE_FIELDS) out[f] = e[f];
  return out as unknown as ModifiableInputs;
}

export const US_PER_SECOND = 1_000_000;

/** Current time in epoch µs. */
export const nowUs = (): number => Date.now() * 1000;
