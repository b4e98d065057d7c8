/**
 * Fake YouTube (Data API v3 + Google OAuth) for offline tests.
 *
 * One node:http server on 127.0.0.1 (random port by default) serving, at its ROOT:
 *
 *   OAuth (installed app, loopback + PKCE) — oauth.ts
 *     GET  /o/oauth2/v2/auth            302 → redirect_uri?state&code&scope, or ?error=access_denied
 *     POST /token                       authorization_code (PKCE S256/plain) | refresh_token
 *     POST /revoke?token=               revoke a grant
 *     GET|POST /tokeninfo
 *   Uploads — upload.ts, thumbnails.ts
 *     POST /upload/youtube/v3/videos?uploadType=resumable|multipart|media&part=…
 *     PUT|POST <session URI> (…&upload_id=…)  chunks / status queries
 *     POST /upload/youtube/v3/thumbnails/set?videoId=…&uploadType=media
 *   Data API — videos.ts, playlists.ts, channels.ts
 *     GET|PUT|DELETE /youtube/v3/videos
 *     GET|POST|PUT|DELETE /youtube/v3/playlistItems
 *     GET|POST /youtube/v3/playlists, GET /youtube/v3/channels, GET /youtube/v3/videoCategories
 *   Admin over HTTP (optional) — admin.ts: /__admin/*
 *
 * Pointing the real libraries at it (protocols.md B9):
 *   const fake = await startFakeYouTube();
 *   const auth = new OAuth2Client({ clientId: fake.clientId, clientSecret: fake.clientSecret,
 *                                   redirectUri: 'http://127.0.0.1:PORT', endpoints: fake.oauthEndpoints });
 *   const yt = google.youtube({ version: 'v3', auth, rootUrl: fake.url + '/' });
 *   await yt.videos.insert({...}, { rootUrl: fake.url + '/' });   // uploads need the per-call rootUrl
 *
 * Every API call needs `Authorization: Bearer <access token issued by this fake>`
 * (401 authError otherwise), is checked for scopes (403 insufficientPermissions)
 * and is charged to the quota of the project that owns the token's OAuth client.
 *
 * ---------------------------------------------------------------------------
 * API of the returned FakeYouTube object
 *
 * Basics
 *   url, port                        base URL "http://127.0.0.1:PORT" (no trailing slash) and port
 *   close()                          stop the server (destroys open connections, releases hung requests)
 *   clientId, clientSecret, project  the default OAuth client and its project
 *   oauthEndpoints                   `endpoints` object for google-auth-library's OAuth2Client
 *   defaultChannelId                 the channel tokens are issued for by default
 *   clock()                          the injected clock
 *
 * OAuth
 *   addClient({clientId, clientSecret, project?})
 *   setConsent({grant?, scopes?, channelId?})   how the simulated user answers the consent screen
 *   issueTokens({clientId?, channelId?, scopes?, accessTtlSec?})  skip the browser dance: returns
 *                                    {access_token, refresh_token, expires_in, expiry_date, scope, token_type}
 *   revokeToken(token) / revokeAllTokens()      later refreshes get 400 invalid_grant, API calls 401
 *   expireAccessTokens()             every current access token becomes expired (401 until refreshed)
 *   grants()                         issued refresh-token grants (revoked flag, refreshCount, …)
 *
 * Quota (per project; Pacific-time day)
 *   quotaSpent(project?)             {day, units, uploads, unitsLimit, uploadsLimit}
 *   quotaLedger(project?)            every billed request: {op, units, bucket, outcome, status, day, at}
 *   setQuotaSpent(project, {units?, uploads?})
 *   quotaResetsAt()                  epoch ms of the next 00:00 America/Los_Angeles
 *
 * Faults (faults.ts has the full list of actions)
 *   injectFault(rule) → {id, fired, cancel()}
 *   clearFaults(), pendingFaults(), firedFaults()
 *   expireUploadSession(uploadId)    the session URI answers 404 from now on
 *
 * Videos
 *   addVideo(seed?) → id             seed an existing video (processed by default)
 *   getVideo(id), listVideos()       VideoView: metadata, lifecycle state, media {sha256,size}, thumbnail
 *   uploadedMedia(videoId)           {sha256, size, mimeType, path?} of the uploaded bytes
 *   setNextProcessing(...scripts)    processing outcomes for the next uploads, in order
 *   setProcessing(videoId, script)   re-script (and restart) a video's processing
 *   finishProcessing(videoId?)       jump to the outcome now (all videos if no id)
 *   deleteVideo(id)
 *   addChannel({title?, thumbnailsAllowed?}) → channel id;  setThumbnailsAllowed(allowed, channelId?)
 *
 * Playlists
 *   addPlaylist(seed?) → id          {title, channelId, privacyStatus, manualSort, inaccessible, videoIds}
 *   getPlaylist(id)                  PlaylistView with ordered items
 *   playlistVideoIds(id)             video ids in playlist order
 *   setPlaylistOptions(id, {manualSort?, inaccessible?, privacyStatus?})
 *
 * Uploads and requests
 *   getUpload(uploadId), listUploads()  UploadSnapshot: persisted bytes, sha256, chunks, videoId, …
 *   requests(), clearRequests()      request log {method, path, query, op, status, project, fault}
 *   snapshot()                       everything above as one JSON-able object
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ctx, FakeYouTubeOptions, OAuthClientConfig, RequestLogEntry, ResolvedOptions } from './context.ts';
import { FaultQueue, type FaultHandle, type FaultRule, type FiredFault } from './faults.ts';
import { OAuthState, SCOPES, type ConsentBehaviour, type GrantRecord, type TokenResponse } from './oauth.ts';
import { QuotaLedger, type LedgerEntry, type QuotaSpent } from './quota.ts';
import { ChannelStore } from './channels.ts';
import { VideoStore, type MediaInfo, type ProcessingScript, type ThumbnailInfo, type VideoSeed } from './videos.ts';
import { PlaylistStore, type PlaylistSeed } from './playlists.ts';
import { UploadStore, type UploadSnapshot } from './upload.ts';
import { handleRequest } from './router.ts';
import { makeAdminHandler } from './admin.ts';
import type { PrivacyStatus } from './metadata.ts';

export { createManualClock, nextPacificMidnight, pacificDayKey, type ManualClock } from './clock.ts';
export { SCOPES, makePkcePair } from './oauth.ts';
export { CHUNK_GRANULARITY } from './upload.ts';
export type { FakeYouTubeOptions, OAuthClientConfig, RequestLogEntry, OpName } from './context.ts';
export type { FaultAction, FaultRule, FaultHandle, PersistMode, FiredFault } from './faults.ts';
export type { ConsentBehaviour, GrantRecord, TokenResponse } from './oauth.ts';
export type { LedgerEntry, QuotaSpent, BilledOp, UploadBucketProfile } from './quota.ts';
export type { ProcessingScript, ProcessingOutcome, VideoSeed, MediaInfo, ThumbnailInfo } from './videos.ts';
export type { PlaylistSeed } from './playlists.ts';
export type { UploadSnapshot, ChunkRecord } from './upload.ts';

export const DEFAULT_CLIENT: Required<OAuthClientConfig> = {
  clientId: 'test-client.apps.googleusercontent.com',
  clientSecret: 'test-secret',
  project: 'test-project',
};

export interface VideoView {
  id: string;
  channelId: string;
  title: string;
  description: string;
  tags: string[];
  categoryId: string;
  privacyStatus: PrivacyStatus;
  publishAt?: string;
  selfDeclaredMadeForKids?: boolean;
  notifySubscribers: boolean;
  uploadStatus: string;
  processingStatus: string;
  failureReason?: string;
  rejectionReason?: string;
  /** True once the video no longer appears in videos.list (deleted, or a 'deleted' outcome). */
  gone: boolean;
  source: 'upload' | 'seed';
  uploadId?: string;
  media?: MediaInfo;
  thumbnail?: ThumbnailInfo;
  createdAt: number;
  updates: number;
}

export interface PlaylistView {
  id: string;
  channelId: string;
  title: string;
  privacyStatus: PrivacyStatus;
  manualSort: boolean;
  inaccessible: boolean;
  items: Array<{ id: string; videoId: string; position: number; note?: string }>;
}

export interface IssueTokensOptions {
  clientId?: string;
  channelId?: string;
  scopes?: string[];
  accessTtlSec?: number;
}

export interface FakeYouTube {
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly project: string;
  readonly defaultChannelId: string;
  readonly oauthEndpoints: {
    oauth2AuthBaseUrl: string;
    oauth2TokenUrl: string;
    oauth2RevokeUrl: string;
    tokenInfoUrl: string;
  };
  clock(): number;
  close(): Promise<void>;

  addClient(client: OAuthClientConfig): void;
  setConsent(consent: Partial<ConsentBehaviour>): void;
  issueTokens(opts?: IssueTokensOptions): TokenResponse & { refresh_token: string; expiry_date: number };
  revokeToken(token: string): boolean;
  revokeAllTokens(): void;
  expireAccessTokens(): void;
  grants(): GrantRecord[];

  quotaSpent(project?: string): QuotaSpent;
  quotaLedger(project?: string): LedgerEntry[];
  setQuotaSpent(project: string, spent: { units?: number; uploads?: number }): void;
  quotaResetsAt(): number;

  injectFault(rule: FaultRule): FaultHandle;
  clearFaults(): void;
  pendingFaults(): FaultRule[];
  firedFaults(): FiredFault[];
  expireUploadSession(uploadId: string): void;

  addVideo(seed?: VideoSeed): string;
  getVideo(id: string): VideoView | undefined;
  listVideos(): VideoView[];
  uploadedMedia(videoId: string): MediaInfo | undefined;
  setNextProcessing(...scripts: ProcessingScript[]): void;
  setProcessing(videoId: string, script: ProcessingScript): void;
  finishProcessing(videoId?: string): void;
  deleteVideo(id: string): void;
  addChannel(init?: { title?: string; thumbnailsAllowed?: boolean }): string;
  setThumbnailsAllowed(allowed: boolean, channelId?: string): void;

  addPlaylist(seed?: PlaylistSeed): string;
  getPlaylist(id: string): PlaylistView | undefined;
  playlistVideoIds(id: string): string[];
  setPlaylistOptions(id: string, opts: { manualSort?: boolean; inaccessible?: boolean; privacyStatus?: PrivacyStatus }): void;

  getUpload(uploadId: string): UploadSnapshot | undefined;
  listUploads(): UploadSnapshot[];
  requests(): RequestLogEntry[];
  clearRequests(): void;
  snapshot(): Record<string, unknown>;
}

function resolveOptions(o: FakeYouTubeOptions): ResolvedOptions {
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    uploadBucket: o.uploadBucket ?? 'shared-1600',
    dailyQuota: o.dailyQuota ?? 10_000,
    dailyUploads: o.dailyUploads ?? 100,
    costs: o.costs ?? {},
    invalidRequestCost: o.invalidRequestCost ?? 1,
    accessTokenTtlSec: o.accessTokenTtlSec ?? 3599,
    refreshTokenTtlMs: o.refreshTokenTtlMs,
    authCodeTtlMs: o.authCodeTtlMs ?? 10 * 60_000,
    requirePkce: o.requirePkce ?? true,
    maxRefreshTokensPerClient: o.maxRefreshTokensPerClient ?? 100,
    channelTitle: o.channelTitle ?? 'Tapedeck Test Channel',
    processingMs: o.processingMs ?? 30_000,
    sessionTtlMs: o.sessionTtlMs ?? 7 * 24 * 3600_000,
    chunkRule: o.chunkRule ?? 'reject',
    chunkAuth: o.chunkAuth ?? 'if-present',
    finalUploadStatus: o.finalUploadStatus ?? 200,
    storageDir: o.storageDir,
    maxThumbnailBytes: o.maxThumbnailBytes ?? 2 * 1024 * 1024,
    forcePrivateUploads: o.forcePrivateUploads ?? false,
    channelUploadLimitPerDay: o.channelUploadLimitPerDay ?? Number.POSITIVE_INFINITY,
    rangeErrorReason: o.rangeErrorReason ?? 'invalidParameter',
    maxPlaylistItems: o.maxPlaylistItems ?? 5000,
  };
}

export async function startFakeYouTube(options: FakeYouTubeOptions = {}): Promise<FakeYouTube> {
  const clock = options.clock ?? Date.now;
  const opts = resolveOptions(options);
  const ctx = {} as Ctx;
  const getCtx = () => ctx;
  Object.assign(ctx, {
    clock,
    opts,
    baseUrl: '',
    oauth: new OAuthState(getCtx),
    quota: new QuotaLedger(clock, {
      profile: opts.uploadBucket,
      dailyQuota: opts.dailyQuota,
      dailyUploads: opts.dailyUploads,
      costs: opts.costs,
      invalidRequestCost: opts.invalidRequestCost,
    }),
    faults: new FaultQueue(clock),
    channels: new ChannelStore(clock, opts.channelTitle),
    videos: new VideoStore(getCtx),
    playlists: new PlaylistStore(getCtx),
    uploads: new UploadStore(getCtx),
    log: [],
    hanging: new Set(),
  } satisfies Omit<Ctx, 'admin'>);
  const clients = options.clients ?? [DEFAULT_CLIENT];
  for (const c of clients) ctx.oauth.addClient(c);
  const primary = ctx.oauth.clients.get(clients[0]!.clientId)!;

  const server: Server = createServer((req, res) => {
    void handleRequest(ctx, req, res);
  });
  // Multi-gigabyte single-request uploads must not hit Node's 5-minute default request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}`;
  ctx.baseUrl = url;

  const videoView = (id: string): VideoView | undefined => {
    const v = ctx.videos.byId.get(id);
    if (!v) return undefined;
    const lc = ctx.videos.lifecycle(v);
    const view: VideoView = {
      id: v.id,
      channelId: v.channelId,
      title: v.snippet.title,
      description: v.snippet.description,
      tags: [...v.snippet.tags],
      categoryId: v.snippet.categoryId,
      privacyStatus: v.status.privacyStatus,
      notifySubscribers: v.notifySubscribers,
      uploadStatus: lc.uploadStatus,
      processingStatus: lc.processingStatus,
      gone: lc.gone,
      source: v.source,
      createdAt: v.createdAt,
      updates: v.updates,
    };
    if (v.status.publishAt) view.publishAt = v.status.publishAt;
    if (v.status.selfDeclaredMadeForKids !== undefined) view.selfDeclaredMadeForKids = v.status.selfDeclaredMadeForKids;
    if (lc.failureReason) view.failureReason = lc.failureReason;
    if (lc.rejectionReason) view.rejectionReason = lc.rejectionReason;
    if (v.uploadId) view.uploadId = v.uploadId;
    if (v.media) view.media = { ...v.media };
    if (v.thumbnail) view.thumbnail = { ...v.thumbnail };
    return view;
  };

  const playlistView = (id: string): PlaylistView | undefined => {
    const p = ctx.playlists.byId.get(id) ?? ctx.playlists.uploadsPlaylist(id);
    if (!p) return undefined;
    return {
      id: p.id,
      channelId: p.channelId,
      title: p.title,
      privacyStatus: p.privacyStatus,
      manualSort: p.manualSort,
      inaccessible: p.inaccessible,
      items: p.items.map((i, position) => ({ id: i.id, videoId: i.videoId, position, ...(i.note ? { note: i.note } : {}) })),
    };
  };

  const mustVideo = (id: string) => {
    const v = ctx.videos.byId.get(id);
    if (!v) throw new Error(`fake-youtube: no video ${id}`);
    return v;
  };

  const fake: FakeYouTube = {
    url,
    port,
    clientId: primary.clientId,
    clientSecret: primary.clientSecret,
    project: primary.project,
    defaultChannelId: ctx.channels.defaultChannelId,
    oauthEndpoints: {
      oauth2AuthBaseUrl: `${url}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${url}/token`,
      oauth2RevokeUrl: `${url}/revoke`,
      tokenInfoUrl: `${url}/tokeninfo`,
    },
    clock,

    close: async () => {
      for (const res of ctx.hanging) res.destroy();
      ctx.hanging.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },

    addClient: (c) => ctx.oauth.addClient(c),
    setConsent: (c) => {
      ctx.oauth.consent = { ...ctx.oauth.consent, ...c };
    },
    issueTokens: (o = {}) => {
      const clientId = o.clientId ?? primary.clientId;
      if (!ctx.oauth.clients.has(clientId)) throw new Error(`fake-youtube: unknown client ${clientId}`);
      const t = ctx.oauth.issueGrant(
        clientId,
        o.channelId ?? ctx.channels.defaultChannelId,
        o.scopes ?? [SCOPES.upload, SCOPES.youtube],
        o.accessTtlSec,
      );
      return { ...t, refresh_token: t.refresh_token!, expiry_date: clock() + t.expires_in * 1000 };
    },
    revokeToken: (t) => ctx.oauth.revokeToken(t),
    revokeAllTokens: () => {
      for (const g of ctx.oauth.grants.values()) if (!g.revoked) ctx.oauth.revokeGrant(g, 'admin');
      for (const t of ctx.oauth.tokens.values()) t.revoked = true;
    },
    expireAccessTokens: () => ctx.oauth.expireAccessTokens(),
    grants: () => [...ctx.oauth.grants.values()].map((g) => ({ ...g })),

    quotaSpent: (project = primary.project) => ctx.quota.spent(project),
    quotaLedger: (project) => ctx.quota.entries.filter((e) => project === undefined || e.project === project).map((e) => ({ ...e })),
    setQuotaSpent: (project, spent) => ctx.quota.setSpent(project, spent),
    quotaResetsAt: () => ctx.quota.resetsAt(),

    injectFault: (rule) => ctx.faults.add(rule),
    clearFaults: () => ctx.faults.clear(),
    pendingFaults: () => ctx.faults.pending(),
    firedFaults: () => [...ctx.faults.history],
    expireUploadSession: (id) => {
      const s = ctx.uploads.sessions.get(id);
      if (!s) throw new Error(`fake-youtube: no upload session ${id}`);
      s.expired = true;
    },

    addVideo: (seed) => ctx.videos.add(seed).id,
    getVideo: videoView,
    listVideos: () => [...ctx.videos.byId.keys()].map((id) => videoView(id)!),
    uploadedMedia: (id) => {
      const m = ctx.videos.byId.get(id)?.media;
      return m ? { ...m } : undefined;
    },
    setNextProcessing: (...scripts) => {
      ctx.videos.nextScripts.push(...scripts);
    },
    setProcessing: (id, script) => {
      const v = mustVideo(id);
      v.processing = {
        outcome: script.outcome ?? 'succeeded',
        durationMs: script.durationMs ?? opts.processingMs,
        failureReason: script.failureReason ?? 'codec',
        rejectionReason: script.rejectionReason ?? 'duplicate',
        processingFailureReason: script.processingFailureReason ?? 'transcodeFailed',
        startedAt: clock(),
        forcedDone: false,
      };
    },
    finishProcessing: (id) => {
      const list = id ? [mustVideo(id)] : [...ctx.videos.byId.values()];
      for (const v of list) v.processing.forcedDone = true;
    },
    deleteVideo: (id) => {
      mustVideo(id).deleted = true;
    },
    addChannel: (init = {}) => ctx.channels.add(init).id,
    setThumbnailsAllowed: (allowed, channelId = ctx.channels.defaultChannelId) => {
      const c = ctx.channels.get(channelId);
      if (!c) throw new Error(`fake-youtube: no channel ${channelId}`);
      c.thumbnailsAllowed = allowed;
    },

    addPlaylist: (seed) => ctx.playlists.add(seed).id,
    getPlaylist: playlistView,
    playlistVideoIds: (id) => playlistView(id)?.items.map((i) => i.videoId) ?? [],
    setPlaylistOptions: (id, o) => {
      const p = ctx.playlists.byId.get(id);
      if (!p) throw new Error(`fake-youtube: no playlist ${id}`);
      if (o.manualSort !== undefined) p.manualSort = o.manualSort;
      if (o.inaccessible !== undefined) p.inaccessible = o.inaccessible;
      if (o.privacyStatus !== undefined) p.privacyStatus = o.privacyStatus;
    },

    getUpload: (id) => {
      const s = ctx.uploads.sessions.get(id);
      return s ? ctx.uploads.snapshot(s) : ctx.uploads.oneShot.find((u) => u.id === id);
    },
    listUploads: () => [...[...ctx.uploads.sessions.values()].map((s) => ctx.uploads.snapshot(s)), ...ctx.uploads.oneShot],
    requests: () => ctx.log.map((e) => ({ ...e })),
    clearRequests: () => {
      ctx.log.length = 0;
    },
    snapshot: () => ({
      url,
      now: clock(),
      channels: [...ctx.channels.byId.values()],
      videos: fake.listVideos(),
      playlists: [...ctx.playlists.byId.keys()].map((id) => playlistView(id)),
      uploads: fake.listUploads(),
      quota: {
        resetsAt: ctx.quota.resetsAt(),
        projects: Object.fromEntries(
          [...new Set([...ctx.oauth.clients.values()].map((c) => c.project))].map((p) => [p, ctx.quota.spent(p)]),
        ),
        ledger: ctx.quota.entries,
      },
      grants: fake.grants().map((g) => ({ id: g.id, clientId: g.clientId, channelId: g.channelId, revoked: g.revoked, refreshCount: g.refreshCount })),
      faults: { pending: ctx.faults.pending().length, fired: ctx.faults.history },
      requests: ctx.log,
    }),
  };
  ctx.admin = makeAdminHandler(() => fake);
  return fake;
}
