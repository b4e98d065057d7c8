/**
 * The cutter (wubloader §5.3–5.5): claims EDITED events for its upload locations, cuts them, uploads,
 * and moves them through FINALIZING to TRANSCODING or DONE; a transcode checker finishes TRANSCODING
 * rows; an updater applies MODIFIED metadata. Errors follow wubloader's meaning: retryable → EDITED
 * (any cutter tries again), non-retryable → UNEDITED with the reason for the operator.
 *
 * Crash safety: uploads go through a journal (main/youtube), so on start-up a CLAIMED or FINALIZING row
 * of ours that has a journal is resumed, never released to another node (which could upload it twice).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ContainsHoles } from '../media/segments/select.ts';
import type { SegmentStore } from '../media/segments/store.ts';
import type { EventRecord } from '../core/events/model.ts';
import { editInputsOf } from '../core/events/model.ts';
import { finalDescription, finalTags, finalTitle } from '../core/events/validation.ts';
import type { EventsRepository } from '../core/events/repository.ts';
import type { UploadLocationConfig } from '../core/config.ts';
import { thumbnailHash } from '../media/thumbnails/index.ts';
import { AccountNeedsReconnectError, QuotaParkedError, YouTubeError } from '../youtube/errors.ts';
import type { UploadJournal } from '../youtube/journal.ts';
import type { VideoMetadata } from '../youtube/metadata.ts';
import { BackendError, type UploadBackend } from './backends.ts';
import { cutWorkFile, HolesError, removeWorkFiles, segmentsFor, thumbnailFor } from './job.ts';

export interface CutterOptions {
  name: string;
  /** description footer and static tags appended at upload (events settings) */
  descriptionFooter?: string;
  staticTags?: string[];
  repo: EventsRepository;
  store: SegmentStore;
  backends: UploadBackend[];
  workDir: string;
  titlePrefix: string;
  journal?: UploadJournal;
  templates: Parameters<typeof thumbnailFor>[2];
  publish: (topic: string, data: unknown, key?: string) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  intervals?: Partial<{ idleMs: number; errorMs: number; retryMs: number; transcodeMs: number; updateMs: number }>;
}

class JobCancelled extends Error {}

/**
 * Sleep that ends early on shutdown, or when a function of `wakers` is called (Waker); listeners are
 * removed again so loops don't pile them up.
 */
const sleep = (ms: number, signal: AbortSignal, wakers?: Set<() => void>) => new Promise<void>((resolve) => {
  const done = () => {
    clearTimeout(t);
    signal.removeEventListener('abort', done);
    wakers?.delete(done);
    resolve();
  };
  const t = setTimeout(done, ms);
  signal.addEventListener('abort', done, { once: true });
  wakers?.add(done);
});

/**
 * Wake-ups for the loops' idle sleeps. A loop takes a ticket when a pass starts; a wake-up that comes
 * during the pass (while it queries) is not lost: the sleep after that pass is skipped.
 */
class Waker {
  private count = 0;
  private readonly sleepers = new Set<() => void>();

  ticket(): number {
    return this.count;
  }

  wake(): void {
    this.count++;
    for (const end of [...this.sleepers]) end();
  }

  sleep(ms: number, signal: AbortSignal, ticket: number): Promise<void> {
    return ticket === this.count ? sleep(ms, signal, this.sleepers) : Promise.resolve();
  }
}

export class Cutter {
  private ctl = new AbortController();
  private loops: Promise<void>[] = [];
  /** location → time it may be used again (quota parked, account needs reconnecting) */
  private parked = new Map<string, { until: number; why: string }>();
  private readonly i: { idleMs: number; errorMs: number; retryMs: number; transcodeMs: number; updateMs: number };
  /** ends the claim and update loops' idle sleeps */
  private readonly waker = new Waker();

  /**
   * Decision: an idle cutter looks for EDITED and MODIFIED events every 10 s, and at once when woken
   * (wake(): the node's API changed an event, see index.ts). Polling every second (wubloader) cost an
   * idle node a query a second for nothing; the slow poll stays for what no wake-up announces
   * (another writer of the database, a quota park ending).
   */
  constructor(private o: CutterOptions) {
    this.i = { idleMs: 10_000, errorMs: 5000, retryMs: 5000, transcodeMs: 5000, updateMs: 10_000, ...o.intervals };
  }

  /** Something may be waiting: end the idle sleeps of the claim and update loops now. */
  wake(): void {
    this.waker.wake();
  }

  private backend(location: string | null): UploadBackend | undefined {
    return this.o.backends.find((b) => b.location.name === location);
  }

  private activeLocations(): string[] {
    const now = Date.now();
    return this.o.backends.map((b) => b.location.name).filter((n) => (this.parked.get(n)?.until ?? 0) <= now);
  }

  metadataOf(e: EventRecord, loc: UploadLocationConfig): VideoMetadata {
    return {
      title: finalTitle(e.video_title ?? '', { titlePrefix: this.o.titlePrefix }),
      description: finalDescription(e.video_description ?? '', { descriptionFooter: this.o.descriptionFooter ?? '' }),
      tags: finalTags(e.video_tags ?? [], { staticTags: this.o.staticTags ?? [] }),
      categoryId: loc.categoryId,
      language: loc.language,
      privacyStatus: e.public && !loc.unlistedOnly ? 'public' : 'unlisted',
    };
  }

  async start(): Promise<void> {
    await this.recover();
    const signal = this.ctl.signal;
    this.loops.push(this.claimLoop(signal), this.transcodeLoop(signal), this.updateLoop(signal));
  }

  async stop(): Promise<void> {
    this.ctl.abort();
    await Promise.allSettled(this.loops);
  }

  /** Start-up: resume our journaled uploads; release other CLAIMED rows; flag unknown FINALIZING ones. */
  async recover(): Promise<void> {
    const mine = (await this.o.repo.list({ states: ['CLAIMED', 'FINALIZING'], limit: 1000, offset: 0 })).events
      .filter((e) => e.uploader === this.o.name);
    const resumable = new Set<string>();
    for (const v of mine) if (this.o.journal?.load(v.id)) resumable.add(v.id);
    for (const id of resumable) {
      const e = await this.o.repo.get(id);
      if (!e) continue;
      this.o.log('info', `resuming upload of ${id} after a restart`);
      await this.runJob(e, e.state === 'FINALIZING').catch((err) => this.o.log('error', `resume of ${id} failed: ${(err as Error).message}`));
    }
    const r = await this.o.repo.rollbackOwned(this.o.name);
    if (r.released || r.flagged) this.o.log('info', `start-up: released ${r.released} claimed event(s), flagged ${r.flagged} finalizing`);
  }

  private progress(e: EventRecord, stage: string, p: { bytes?: number; total?: number; rate?: number; eta?: number | null } = {}) {
    this.o.publish('upload.progress', { eventId: e.id, stage, ...p, time: Date.now() }, e.id);
  }

  private async claimLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let worked = false;
      const ticket = this.waker.ticket();
      try {
        const candidates = await this.o.repo.listCandidates(this.o.name, this.activeLocations());
        // Shuffle so several cutters do not all fight over the same first row.
        candidates.sort(() => Math.random() - 0.5);
        for (const c of candidates) {
          if (signal.aborted) break;
          try {
            await segmentsFor(this.o.store, c);
          } catch (err) {
            if (err instanceof HolesError || err instanceof ContainsHoles) {
              await this.o.repo.setCandidateError(c.id, `Node ${this.o.name} does not have all the video needed to cut this event (${(err as Error).message}). Another node may, or set "allow holes".`);
              continue;
            }
            throw err;
          }
          if (!(await this.o.repo.claimEvent(c.id, this.o.name, editInputsOf(c)))) continue;
          const claimed = await this.o.repo.get(c.id);
          if (!claimed) continue;
          worked = true;
          const outcome = await this.runJob(claimed, false);
          // A retryable failure put the event back to EDITED: do not claim it again at once. Not a
          // wakeable sleep: the node sees that very EDITED row and would wake us straight away.
          if (outcome === 'retry') await sleep(this.i.retryMs, signal);
          break;
        }
      } catch (err) {
        this.o.log('error', `cutter loop error: ${(err as Error).message}`);
        await sleep(this.i.errorMs, signal);
        continue;
      }
      if (!worked) await this.waker.sleep(this.i.idleMs, signal, ticket);
    }
  }

  /**
   * Cut, thumbnail, upload and record one claimed event. Never throws for job failures; 'retry' when
   * it failed retryably (the event is EDITED again).
   */
  async runJob(e: EventRecord, alreadyFinalizing: boolean): Promise<'retry' | undefined> {
    const backend = this.backend(e.upload_location);
    const fail = async (msg: string, retryable: boolean, from: 'CLAIMED' | 'FINALIZING' = 'CLAIMED'): Promise<'retry' | undefined> => {
      const text = `${retryable ? 'Retryable' : 'Non-retryable'} error: ${msg}`;
      this.o.log('warn', `${e.id}: ${text}`);
      const n = retryable ? await this.o.repo.failRetryable(e.id, this.o.name, text, from) : await this.o.repo.failNonRetryable(e.id, this.o.name, text, from);
      this.o.publish('upload.failed', { eventId: e.id, title: e.video_title, retryable, message: text }, e.id);
      if (n === 0) this.o.log('warn', `${e.id}: could not record the error (the event was changed meanwhile)`);
      return retryable && n > 0 ? 'retry' : undefined;
    };
    if (!backend) return fail(`no upload location ${JSON.stringify(e.upload_location)} on node ${this.o.name}`, false);
    let thumb: Buffer | null = null;
    try {
      thumb = await thumbnailFor(this.o.store, e, this.o.templates);
    } catch (err) {
      return fail(`thumbnail: ${(err as Error).message}`, false);
    }
    let work;
    try {
      const segments = await segmentsFor(this.o.store, e);
      const kind = backend.location.cutType;
      work = await cutWorkFile(this.o.workDir, this.o.store, e, kind, segments, (bytes) => this.progress(e, 'cutting', { bytes }), this.ctl.signal);
    } catch (err) {
      if (this.ctl.signal.aborted) return;
      if (err instanceof HolesError || err instanceof ContainsHoles) return fail(`the recording has holes: ${(err as Error).message}`, true);
      return fail(`Unhandled exception while cutting: ${(err as Error).message}`, false);
    }
    // Still ours? An editor may have pulled the event back while we were cutting.
    if (!alreadyFinalizing && (await this.o.repo.setRowIfOwned(e.id, this.o.name, { error: null }, 'CLAIMED')) === 0) {
      this.o.log('info', `${e.id}: cancelled by an operator while cutting`);
      return;
    }
    let video;
    let finalizing = alreadyFinalizing;
    try {
      video = await backend.upload({
        eventId: e.id, filePath: work.path, metadata: this.metadataOf(e, backend.location), signal: this.ctl.signal,
        onProgress: (p) => this.progress(e, 'uploading', p),
        beforeFinal: async () => {
          if (finalizing) return;
          if ((await this.o.repo.markFinalizing(e.id, this.o.name)) === 0) throw new JobCancelled('the event was changed by an operator during the upload');
          finalizing = true;
          this.progress(e, 'finalizing');
        },
      });
    } catch (err) {
      if (this.ctl.signal.aborted) return; // shutting down: the journal resumes it next start
      if (err instanceof JobCancelled || (err as { cause?: unknown }).cause instanceof JobCancelled) {
        this.o.log('info', `${e.id}: cancelled by an operator during the upload; nothing was published`);
        return;
      }
      if (err instanceof QuotaParkedError || (err instanceof YouTubeError && err.parked)) {
        const until = (err as YouTubeError).parked?.until ?? Date.now() + 3600_000;
        this.parked.set(backend.location.name, { until: typeof until === 'number' ? until : Date.parse(String(until)), why: err.message });
        this.o.publish('quota.parked', { location: backend.location.name, until, message: err.message }, backend.location.name);
        return fail(err.message, true, finalizing ? 'FINALIZING' : 'CLAIMED');
      }
      const reconnect = err instanceof AccountNeedsReconnectError ? err
        : (err as { cause?: unknown }).cause instanceof AccountNeedsReconnectError ? (err as { cause: AccountNeedsReconnectError }).cause
          : null;
      if (reconnect || (err as Error).name === 'AccountNeedsReconnectError') {
        const accountId = reconnect?.accountId ?? backend.location.account ?? '';
        this.parked.set(backend.location.name, { until: Date.now() + 60_000, why: (err as Error).message });
        this.o.publish('account.needs_reconnect', { account: accountId, location: backend.location.name, message: (err as Error).message }, accountId);
        return fail((err as Error).message, true, finalizing ? 'FINALIZING' : 'CLAIMED');
      }
      const retryable = err instanceof BackendError || err instanceof YouTubeError ? err.retryable : true;
      return fail((err as Error).message, retryable, finalizing ? 'FINALIZING' : 'CLAIMED');
    }
    // The video exists now; FINALIZING was normally set just before the final bytes.
    if (!finalizing && (await this.o.repo.markFinalizing(e.id, this.o.name)) === 0) {
      this.o.log('error', `${e.id}: uploaded as ${video.videoId} but the event changed meanwhile; recording the link anyway`);
    }
    let thumbSha: string | null = e.thumbnail_last_written;
    if (thumb && backend.setThumbnail) {
      try {
        await backend.setThumbnail(video.videoId, thumb, null);
        thumbSha = thumbnailHash(thumb);
      } catch (err) {
        await this.o.repo.markUploadedThumbnailFailed(e.id, this.o.name, { videoId: video.videoId, videoLink: video.videoLink, error: `Error setting thumbnail: ${(err as Error).message}` });
        this.o.journal?.remove(e.id);
        await removeWorkFiles(this.o.workDir, e.id);
        return;
      }
    }
    const n = await this.o.repo.markUploaded(e.id, this.o.name, { videoId: video.videoId, videoLink: video.videoLink, thumbnailLastWritten: thumbSha, needsTranscode: video.needsTranscode });
    if (n === 0) this.o.log('error', `${e.id}: could not record upload ${video.videoId}`);
    this.progress(e, video.needsTranscode ? 'transcoding' : 'done', { bytes: work.bytes, total: work.bytes });
    // Done with this job: a later force-reset + resubmit is a deliberate new upload.
    this.o.journal?.remove(e.id);
    await removeWorkFiles(this.o.workDir, e.id);
  }

  private async transcodeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let found = false;
      for (const b of this.o.backends) {
        if (!b.checkTranscoded) continue;
        try {
          const rows = await this.o.repo.listTranscoding(b.location.name);
          if (!rows.length) continue;
          found = true;
          const r = await b.checkTranscoded(rows.map((x) => x.video_id!).filter(Boolean));
          const ids = rows.filter((x) => r.done.includes(x.video_id!)).map((x) => x.id);
          if (ids.length) await this.o.repo.markTranscoded(ids);
          for (const f of r.failed) this.o.log('warn', `video ${f.id} failed processing: ${f.reason}`);
        } catch (err) {
          this.o.log('warn', `transcode check for ${b.location.name}: ${(err as Error).message}`);
        }
      }
      await sleep(found ? this.i.transcodeMs : this.i.transcodeMs * 2, signal);
    }
  }

  private async updateLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ticket = this.waker.ticket();
      for (const b of this.o.backends) {
        if (!b.updateVideo) continue;
        try {
          for (const e of await this.o.repo.listModified(b.location.name)) {
            if (!e.video_id) continue;
            try {
              await b.updateVideo(e.video_id, this.metadataOf(e, b.location));
              let extra = {};
              const thumb = await thumbnailFor(this.o.store, e, this.o.templates);
              if (thumb && b.setThumbnail) {
                const sha = thumbnailHash(thumb);
                if (sha !== e.thumbnail_last_written) {
                  await b.setThumbnail(e.video_id, thumb, e.thumbnail_last_written);
                  extra = { thumbnail_last_written: sha };
                }
              }
              await this.o.repo.markUpdated(e.id, e, extra);
            } catch (err) {
              await this.o.repo.setUpdateError(e.id, `Failed to update video: ${(err as Error).message}`);
            }
          }
        } catch (err) {
          this.o.log('warn', `updater for ${b.location.name}: ${(err as Error).message}`);
        }
      }
      await this.waker.sleep(this.i.updateMs, signal, ticket);
    }
  }
}

export function workDirOf(dataDir: string): string {
  return join(dataDir, 'cutter', 'work');
}

