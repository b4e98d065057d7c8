/**
 * Tapedeck's YouTube client: accounts (OAuth loopback + PKCE, refresh tokens in the SecretStore),
 * our own resumable uploader with a crash-safe journal, googleapis for JSON calls, a per-project quota
 * ledger, and a fair paced scheduler. Consumers (cutter, transcode checker, updater, playlist sync,
 * settings API) import from here.
 */
export { openYouTube, YouTubeConfig, type YouTubeStack, type YouTubeOverrides } from './config.ts';
export {
  YouTubeAccounts, YouTubeAccount, AccountStatus, refreshTokenKey, clientSecretKey,
  type TokenProvider, type YouTubeAccountsOptions, type ConnectRequest, type PendingConnect,
} from './accounts.ts';
export {
  startLoopbackAuthorization, createOAuthClient, endpointsAt, GOOGLE_OAUTH_ENDPOINTS, YOUTUBE_SCOPES,
  type OAuthEndpoints, type OAuthClientConfig, type GrantedTokens, type LoopbackAuthorization, type LoopbackOptions,
} from './oauth.ts';
export {
  ResumableUploader, CHUNK_GRANULARITY, DEFAULT_CHUNK_SIZE, parseRange,
  type UploadRequest, type UploadProgress, type UploadResult, type ResumableUploaderOptions, type UploadCallOptions,
} from './resumable.ts';
export { UploadJournal, type JournalEntry, type JournalSession } from './journal.ts';
export {
  YouTubeApi, MAX_THUMBNAIL_BYTES,
  type YouTubeApiOptions, type VideoState, type Playlist, type PlaylistItem, type youtube_v3,
} from './api.ts';
export { QuotaLedger, type QuotaLedgerOptions, type QuotaCharge, type QuotaStatus } from './quota.ts';
export {
  costOf, BASE_COSTS, DEFAULT_DAILY_UNITS, DEFAULT_DAILY_UPLOADS,
  type QuotaProfile, type QuotaBucket, type YouTubeOp,
} from './quota-costs.ts';
export { FairScheduler, type FairSchedulerOptions } from './scheduler.ts';
export { pacificDay, nextPacificMidnight, formatPacific, QUOTA_TIME_ZONE } from './pacific.ts';
export { toResource, type VideoMetadata, type PrivacyStatus, type VideoResourceBody } from './metadata.ts';
export {
  YouTubeError, UploadError, YouTubeApiError, QuotaParkedError, AccountNeedsReconnectError, OAuthFlowError,
  parseGoogleError, isQuotaReason, isRateLimitReason, type ParkInfo, type GoogleErrorInfo,
} from './errors.ts';
