/**
 * Upload journal: one small JSON file per job (DATA/youtube/uploads/<job>.json) recording the
 * resumable session URI, the last byte YouTube confirmed, and the video id once known.
 *
 * This is what makes "kill -9 mid-upload" safe (DESIGN §6): a restarted process asks the journaled
 * session where it stands and continues from there, and a job whose video id is recorded is never
 * uploaded again. Every save is write-temp, fsync, rename, fsync-dir, so after a crash the file holds
 * either the previous or the new state — never a torn one. The session URI is a capability (it
 * accepts bytes without OAuth), so the files are 0600.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface JournalSession {
  uri: string;
  startedAt: number;
  /**
   * Set (and fsynced) before the request carrying the last byte is sent; cleared when a status query
   * shows the session still incomplete. If the session is later gone (404) while this is set, the
   * video may exist and must not be uploaded a second time automatically.
   */
  finalSent: boolean;
}

export interface JournalEntry {
  version: 1;
  jobId: string;
  accountId: string;
  project: string;
  /** what was being uploaded; a different file or metadata means the session no longer applies */
  file: { path: string; size: number; mtimeMs: number };
  metadataHash: string;
  session?: JournalSession;
  /** bytes YouTube confirmed in the current session (the next byte to send) */
  confirmed: number;
  abandoned: Array<{ uri: string; at: number; why: string }>;
  videoId?: string;
  video?: Record<string, unknown>;
  completedAt?: number;
}

export class UploadJournal {
  constructor(readonly dir: string) {}

  private fileOf(jobId: string): string {
    // Job ids are ours (event ids), but never let one become a path.
    const name = /^[A-Za-z0-9_-]{1,120}$/.test(jobId) ? jobId : `b64-${Buffer.from(jobId).toString('base64url').slice(0, 200)}`;
    return join(this.dir, `${name}.json`);
  }

  load(jobId: string): JournalEntry | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(jobId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const j = JSON.parse(text) as JournalEntry;
    if (j.version !== 1 || j.jobId !== jobId) throw new Error(`upload journal ${this.fileOf(jobId)} does not belong to job ${jobId}`);
    return j;
  }

  save(entry: JournalEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.fileOf(entry.jobId);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(entry));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  remove(jobId: string): void {
    rmSync(this.fileOf(jobId), { force: true });
  }

  list(): JournalEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: JournalEntry[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as JournalEntry);
      } catch {
        // a foreign or damaged file; ignored by listings, reported by load() for its job
      }
    }
    return out;
  }
}
