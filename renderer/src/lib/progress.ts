/**
 * What the UI shows for an event's `upload.progress` messages (from the cutter: stage cutting with bytes
 * cut so far, uploading with bytes/total/rate/eta, finalizing, transcoding, done). Pure, unit-tested.
 */
export interface UploadProgress {
  stage?: string;
  bytes?: number;
  total?: number;
  rate?: number;
  eta?: number | null;
}

export interface ProgressView {
  label: string;
  /** 0..100, or null when no amount is known */
  pct: number | null;
  /** something is being worked on but how much is done is unknown (show a busy bar) */
  busy?: boolean;
  detail: string;
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** Stages in order; the event's state is authoritative when a late message names an earlier stage. */
const AFTER_UPLOAD: Record<string, string> = { FINALIZING: 'finalizing', TRANSCODING: 'transcoding', DONE: 'done' };

export function progressView(p: UploadProgress | undefined, state: string): ProgressView | null {
  if (state === 'EDITED' && !p?.stage) return { label: 'waiting for a cutter', pct: null, detail: '' };
  if (!p?.stage) return null;
  const floor = AFTER_UPLOAD[state];
  const stage = floor && (p.stage === 'cutting' || p.stage === 'uploading') ? floor : p.stage;
  switch (stage) {
    case 'cutting':
      return { label: 'cutting', pct: null, busy: true, detail: p.bytes ? `${mb(p.bytes)} cut` : '' };
    case 'uploading': {
      const pct = p.total ? Math.min(100, (100 * (p.bytes ?? 0)) / p.total) : 0;
      const parts = [p.total ? `${mb(p.bytes ?? 0)} / ${mb(p.total)}` : '', p.rate ? `${mb(p.rate)}/s` : '', p.eta != null ? `ETA ${Math.max(0, Math.round(p.eta))} s` : ''];
      return { label: 'uploading', pct, detail: parts.filter(Boolean).join(' · ') };
    }
    case 'finalizing':
      return { label: 'finishing the upload', pct: 100, detail: '' };
    case 'transcoding':
      return { label: 'YouTube is processing the video', pct: 100, detail: '' };
    case 'done':
      return { label: 'done', pct: 100, detail: '' };
    default:
      return { label: stage, pct: p.total ? Math.min(100, (100 * (p.bytes ?? 0)) / p.total) : null, detail: '' };
  }
}
