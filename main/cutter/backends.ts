/**
 * Upload backends (wubloader's upload locations): where a finished cut goes. Each location has its own
 * cut type and, for YouTube, its own account. Errors carry wubloader's retryable/non-retryable meaning.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { UploadLocationConfig } from '../core/config.ts';
import type { YouTubeStack } from '../youtube/index.ts';
import type { VideoMetadata } from '../youtube/metadata.ts';

export class BackendError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export interface UploadedVideo {
  videoId: string;
  videoLink: string;
  needsTranscode: boolean;
}

export interface UploadJob {
  eventId: string;
  filePath: string;
  metadata: VideoMetadata;
  onProgress(p: { bytes: number; total: number; rate: number; eta: number | null }): void;
  /**
   * Called just before the bytes that complete the upload are sent (after which the video may exist).
   * Throwing aborts the upload with nothing published: the cutter uses it to move the event to
   * FINALIZING, and to stop if an operator pulled the event back meanwhile.
   */
  beforeFinal?: () => Promise<void>;
  signal?: AbortSignal;
}

export interface UploadBackend {
  readonly location: UploadLocationConfig;
  upload(job: UploadJob): Promise<UploadedVideo>;
  /** returns true when the thumbnail was sent (false: unchanged, skipped) */
  setThumbnail?(videoId: string, png: Buffer, lastWrittenSha256: string | null): Promise<boolean>;
  /** which of these videos finished processing */
  checkTranscoded?(videoIds: string[]): Promise<{ done: string[]; failed: { id: string; reason: string }[] }>;
  /** bring title/description/tags/privacy to the given values; false when nothing changed */
  updateVideo?(videoId: string, metadata: VideoMetadata): Promise<boolean>;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'video';

/**
 * A folder on disk: the video plus a JSON sidecar of its metadata. The copy goes to a temp name and
 * is renamed, so a crash never leaves a half file under the final name. Disk errors are retryable.
 */
export class LocalBackend implements UploadBackend {
  readonly dir: string;

  constructor(readonly location: UploadLocationConfig, dataDir: string) {
    const p = location.path ?? 'videos';
    this.dir = isAbsolute(p) ? p : join(dataDir, p);
  }

  async upload(job: UploadJob): Promise<UploadedVideo> {
    await job.beforeFinal?.();
    try {
      await fsp.mkdir(this.dir, { recursive: true });
      const base = `${job.eventId}-${slug(job.metadata.title)}`;
      const final = join(this.dir, `${base}.ts`);
      const tmp = `${final}.partial`;
      const total = (await fsp.stat(job.filePath)).size;
      const t0 = Date.now();
      const src = await fsp.open(job.filePath, 'r');
      const dst = await fsp.open(tmp, 'w');
      try {
        const buf = Buffer.alloc(4 * 1024 * 1024);
        let done = 0;
        for (;;) {
          const { bytesRead } = await src.read(buf, 0, buf.length, done);
          if (bytesRead === 0) break;
          await dst.write(buf, 0, bytesRead, done);
          done += bytesRead;
          const rate = done / Math.max(0.001, (Date.now() - t0) / 1000);
          job.onProgress({ bytes: done, total, rate, eta: rate > 0 ? (total - done) / rate : null });
        }
        await dst.sync();
      } finally {
        await src.close();
        await dst.close();
      }
      await fsp.rename(tmp, final);
      const sidecar = { ...job.metadata, eventId: job.eventId, file: `${base}.ts`, bytes: total, uploadedAt: new Date().toISOString() };
      await fsp.writeFile(join(this.dir, `${base}.json`), JSON.stringify(sidecar, null, 2) + '\n');
      return { videoId: job.eventId, videoLink: `file://${final}`, needsTranscode: false };
    } catch (e) {
      throw new BackendError(`Error writing to ${this.dir}: ${(e as Error).message}`, true);
    }
  }

  async setThumbnail(videoId: string, png: Buffer, lastWrittenSha256: string | null): Promise<boolean> {
    const sha = createHash('sha256').update(png).digest('hex');
    if (sha === lastWrittenSha256) return false;
    const names = (await fsp.readdir(this.dir)).filter((n) => n.startsWith(`${videoId}-`) && n.endsWith('.ts'));
    for (const n of names) await fsp.writeFile(join(this.dir, n.replace(/\.ts$/, '.png')), png);
    return true;
  }

  async updateVideo(videoId: string, metadata: VideoMetadata): Promise<boolean> {
    const names = (await fsp.readdir(this.dir)).filter((n) => n.startsWith(`${videoId}-`) && n.endsWith('.json'));
    let changed = false;
    for (const n of names) {
      const path = join(this.dir, n);
      const cur = JSON.parse(await fsp.readFile(path, 'utf8')) as Record<string, unknown>;
      const next = { ...cur, ...metadata };
      if (JSON.stringify(next) !== JSON.stringify(cur)) {
        await fsp.writeFile(path, JSON.stringify(next, null, 2) + '\n');
        changed = true;
      }
    }
    return changed;
  }
}

/** YouTube through our resumable uploader (crash-safe journal) and googleapis for the JSON calls. */
export class YouTubeBackend implements UploadBackend {
  constructor(readonly location: UploadLocationConfig, private yt: YouTubeStack) {
    if (!location.account) throw new Error(`upload location ${location.name} needs an "account"`);
  }

  private get account(): string {
    return this.location.account!;
  }

  async upload(job: UploadJob): Promise<UploadedVideo> {
    if (this.location.unlistedOnly && job.metadata.privacyStatus === 'public') {
      throw new BackendError('Public video but unlisted-only was requested', false);
    }
    const r = await this.yt.uploader.upload(
      { jobId: job.eventId, accountId: this.account, filePath: job.filePath, metadata: job.metadata },
      {
        signal: job.signal,
        beforeFinalChunk: job.beforeFinal,
        onProgress: (p) => job.onProgress({ bytes: p.bytesConfirmed, total: p.totalBytes, rate: p.bytesPerSecond, eta: p.etaSeconds }),
      },
    );
    return { videoId: r.videoId, videoLink: `https://youtu.be/${r.videoId}`, needsTranscode: true };
  }

  async setThumbnail(videoId: string, png: Buffer, lastWrittenSha256: string | null): Promise<boolean> {
    return (await this.yt.api.setThumbnail(this.account, videoId, { image: png, lastWrittenSha256 })).uploaded;
  }

  async checkTranscoded(videoIds: string[]): Promise<{ done: string[]; failed: { id: string; reason: string }[] }> {
    const done: string[] = [];
    const failed: { id: string; reason: string }[] = [];
    for (let i = 0; i < videoIds.length; i += 50) {
      for (const s of await this.yt.api.videoStates(this.account, videoIds.slice(i, i + 50))) {
        if (s.done) done.push(s.id);
        else if (s.failed) failed.push({ id: s.id, reason: s.failureReason ?? s.rejectionReason ?? s.processingFailureReason ?? (s.found ? 'processing failed' : 'video not found') });
      }
    }
    return { done, failed };
  }

  async updateVideo(videoId: string, m: VideoMetadata): Promise<boolean> {
    return (await this.yt.api.updateVideo(this.account, videoId, {
      title: m.title, description: m.description, tags: m.tags, privacyStatus: m.privacyStatus, categoryId: m.categoryId,
    })).changed;
  }
}
