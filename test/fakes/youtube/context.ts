/**
 * Shared types: server options, the per-server state bag and the per-request context.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultAction, FaultQueue } from './faults.ts';
import type { OAuthState, AccessTokenRecord } from './oauth.ts';
import type { QuotaLedger, Reservation, UploadBucketProfile, BilledOp } from './quota.ts';
import type { VideoStore } from './videos.ts';
import type { PlaylistStore } from './playlists.ts';
import type { UploadStore } from './upload.ts';
import type { ChannelStore } from './channels.ts';

/** Every operation the fake distinguishes (used for fault targeting, logging and quota). */
export type OpName =
  | 'oauth.authorize'
  | 'oauth.token'
  | 'oauth.refresh'
  | 'oauth.revoke'
  | 'oauth.tokeninfo'
  | 'videos.insert'
  | 'upload.chunk'
  | 'upload.status'
  | 'videos.list'
  | 'videos.update'
  | 'videos.delete'
  | 'thumbnails.set'
  | 'playlistItems.list'
  | 'playlistItems.insert'
  | 'playlistItems.update'
  | 'playlistItems.delete'
  | 'playlists.list'
  | 'playlists.insert'
  | 'channels.list'
  | 'videoCategories.list'
  | 'admin'
  | 'unknown';

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  /** Google Cloud project the client belongs to (quota is per project). Defaults to the client id. */
  project?: string;
}

export interface FakeYouTubeOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Bind address; loopback by default. */
  host?: string;
  /** Injectable clock (epoch ms). Drives token expiry, processing, quota days, session expiry. */
  clock?: () => number;
  /** videos.insert cost model: 1600 shared units (default) or the separate 100-uploads/day bucket. */
  uploadBucket?: UploadBucketProfile;
  /** Shared daily units per project (default 10,000). */
  dailyQuota?: number;
  /** Daily videos.insert calls in the 'separate-100' profile (default 100). */
  dailyUploads?: number;
  /** Per-method cost overrides. */
  costs?: Partial<Record<BilledOp, number>>;
  /** Units charged for a request rejected with a client error (default 1). */
  invalidRequestCost?: number;
  /** OAuth clients; default one client `test-client.apps.googleusercontent.com` / `test-secret`, project `test-project`. */
  clients?: OAuthClientConfig[];
  /** Access-token lifetime returned as expires_in (default 3599 s). */
  accessTokenTtlSec?: number;
  /** Refresh-token lifetime; unset = never. 7 days simulates a consent screen in "Testing" status. */
  refreshTokenTtlMs?: number;
  /** Authorization-code lifetime (default 10 min). */
  authCodeTtlMs?: number;
  /** Reject authorization requests without a PKCE code_challenge (default true). */
  requirePkce?: boolean;
  /** Live refresh tokens per client+account before the oldest is invalidated (default 100). */
  maxRefreshTokensPerClient?: number;
  /** Title of the default channel. */
  channelTitle?: string;
  /** Default processing time after an upload completes (default 30 s of clock time). */
  processingMs?: number;
  /** Resumable session lifetime (default 7 days; [UNSURE] for YouTube). */
  sessionTtlMs?: number;
  /**
   * Non-final chunks whose size is not a multiple of 256 KiB: 'reject' (default) answers
   * 400 without persisting; 'truncate' persists only the largest 256 KiB multiple.
   */
  chunkRule?: 'reject' | 'truncate';
  /** Authorization on session-URI requests: validate when present (default), require, or ignore. */
  chunkAuth?: 'if-present' | 'required' | 'ignored';
  /** Status of the final upload response: 200 (default) or 201. */
  finalUploadStatus?: 200 | 201;
  /** If set, uploaded media bytes are also written to files in this directory. */
  storageDir?: string;
  /** thumbnails.set size limit (default 2 MiB). */
  maxThumbnailBytes?: number;
  /** Lock uploads to private, like unverified API projects (default false). */
  forcePrivateUploads?: boolean;
  /** Per-channel uploads per Pacific day before 400 uploadLimitExceeded (default unlimited). */
  channelUploadLimitPerDay?: number;
  /** Reason used for out-of-range maxResults (default 'invalidParameter'; reference says [UNSURE] 'invalidValue'). */
  rangeErrorReason?: string;
  /** Videos have at most this many playlist items per playlist (default 5000). */
  maxPlaylistItems?: number;
}

export type ResolvedOptions = Required<
  Omit<FakeYouTubeOptions, 'port' | 'refreshTokenTtlMs' | 'storageDir' | 'clock' | 'clients'>
> & {
  port: number;
  refreshTokenTtlMs: number | undefined;
  storageDir: string | undefined;
};

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  query: string;
  op: OpName;
  status?: number;
  clientId?: string;
  project?: string;
  /** Type of the injected fault that fired for this request, if any. */
  fault?: string;
}

/** The server-wide state bag every handler receives. */
export interface Ctx {
  clock: () => number;
  opts: ResolvedOptions;
  baseUrl: string;
  oauth: OAuthState;
  quota: QuotaLedger;
  faults: FaultQueue;
  channels: ChannelStore;
  videos: VideoStore;
  playlists: PlaylistStore;
  uploads: UploadStore;
  log: RequestLogEntry[];
  /** Requests held open by a 'hang' fault, released on close(). */
  hanging: Set<ServerResponse>;
  /** Handler for /__admin/* (installed by index.ts). */
  admin?: (rc: Rc) => Promise<void>;
}

/** Per-request context. */
export interface Rc {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  op: OpName;
  log: RequestLogEntry;
  /** Set after authentication on API routes. */
  token?: AccessTokenRecord;
  /** Quota reservation for billed routes. */
  bill?: Reservation;
  /** How the request should be billed if the handler decides explicitly. */
  billAs?: 'full' | 'invalid' | 'none';
  /** A byte-level fault the handler must apply while streaming the body. */
  fault?: FaultAction;
  /** Base URL as seen by the client (from the Host header), for Location headers. */
  publicBase: string;
}
