/**
 * YouTube settings (proposed `youtube` section of NodeConfig) and the one function that builds the
 * client stack from them. No credentials here: client secrets and refresh tokens are in the
 * SecretStore, accounts in DATA/youtube/accounts.json.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { openSecretStore } from '../secrets/index.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { YouTubeAccounts } from './accounts.ts';
import { YouTubeApi, type YouTubeApiOptions } from './api.ts';
import { endpointsAt, GOOGLE_OAUTH_ENDPOINTS } from './oauth.ts';
import { QuotaLedger } from './quota.ts';
import { CHUNK_GRANULARITY, DEFAULT_CHUNK_SIZE, ResumableUploader, type ResumableUploaderOptions } from './resumable.ts';
import { FairScheduler } from './scheduler.ts';

export const YouTubeConfig = z.object({
  /** Data API root (JSON calls, thumbnails). Tests: the fake's URL. */
  apiRoot: z.string().url().default('https://youtube.googleapis.com/'),
  /** resumable upload root */
  uploadRoot: z.string().url().default('https://www.googleapis.com/'),
  /** OAuth server root; unset = Google's real endpoints. Tests: the fake's URL. */
  oauthRoot: z.string().url().optional(),
  /** which videos.insert price list the projects are on (protocols.md B8) */
  quotaProfile: z.enum(['shared-1600', 'separate-100']).default('shared-1600'),
  dailyUnits: z.number().int().positive().default(10_000),
  dailyUploads: z.number().int().positive().default(100),
  /** minimum spacing of API calls made by one process (seed 003: bursts get throttled) */
  minCallIntervalMs: z.number().int().nonnegative().default(250),
  chunkSizeBytes: z.number().int().positive().refine((n) => n % CHUNK_GRANULARITY === 0, 'must be a multiple of 262144 (256 KiB)')
    .default(DEFAULT_CHUNK_SIZE),
  /** 'keychain' (default) or the explicit opt-in 0600 file for headless nodes */
  secretStore: z.enum(['keychain', 'file']).default('keychain'),
});
export type YouTubeConfig = z.infer<typeof YouTubeConfig>;

export interface YouTubeStack {
  secrets: SecretStore;
  accounts: YouTubeAccounts;
  ledger: QuotaLedger;
  scheduler: FairScheduler;
  uploader: ResumableUploader;
  api: YouTubeApi;
  close(): void;
}

/** Everything the cutter / playlist sync / settings API need, over one data dir. */
export interface YouTubeOverrides {
  secrets?: SecretStore;
  clock?: () => number;
  /** retry/backoff tuning (tests use millisecond backoffs) */
  uploader?: Partial<Pick<ResumableUploaderOptions, 'maxRetries' | 'maxSessionRestarts' | 'backoff' | 'idleTimeoutMs' | 'random'>>;
  api?: Partial<Pick<YouTubeApiOptions, 'maxAttempts' | 'backoff'>>;
}

export function openYouTube(dataDir: string, config: Partial<YouTubeConfig> = {}, overrides: YouTubeOverrides = {}): YouTubeStack {
  const c = YouTubeConfig.parse(config);
  const secrets = overrides.secrets ?? openSecretStore(c.secretStore, dataDir);
  const ledger = new QuotaLedger({
    path: join(dataDir, 'youtube', 'quota.sqlite'),
    profile: c.quotaProfile, dailyUnits: c.dailyUnits, dailyUploads: c.dailyUploads, clock: overrides.clock,
  });
  const scheduler = new FairScheduler({ minIntervalMs: c.minCallIntervalMs });
  const accounts = new YouTubeAccounts({
    dataDir, secrets, ledger, apiRoot: c.apiRoot, clock: overrides.clock,
    endpoints: c.oauthRoot ? endpointsAt(c.oauthRoot) : GOOGLE_OAUTH_ENDPOINTS,
  });
  const uploader = new ResumableUploader({
    tokens: accounts, ledger, scheduler, uploadRoot: c.uploadRoot, chunkSize: c.chunkSizeBytes,
    journalDir: join(dataDir, 'youtube', 'uploads'), ...overrides.uploader,
  });
  const api = new YouTubeApi({ accounts, ledger, scheduler, apiRoot: c.apiRoot, ...overrides.api });
  return { secrets, accounts, ledger, scheduler, uploader, api, close: () => ledger.close() };
}
