/**
 * Connected YouTube accounts.
 *
 * What lives where:
 *  - DATA/youtube/accounts.json (0600): id, label, OAuth client id, Google project, channel, status.
 *    No tokens. Several processes read it (cutter, playlist sync) and may mark an account
 *    needs_reconnect, so every change is a read-modify-write of the whole file via rename.
 *  - SecretStore: the refresh token ("youtube-refresh:<accountId>") and the OAuth client secret
 *    ("oauth-client:<clientId>"; Desktop-app secrets are not really secret, but they are credentials
 *    and do not belong in config files).
 *  - Access tokens: memory only, per process (each worker refreshes its own).
 *
 * Any invalid_grant from Google's token endpoint marks the account needs_reconnect with the reason and
 * throws AccountNeedsReconnectError; from then on the account is refused locally (no request to
 * Google) until the operator connects it again.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { describeError, registerSecret } from '../secrets/redact.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { AccountNeedsReconnectError, YouTubeError } from './errors.ts';
import type { QuotaLedger } from './quota.ts';
import {
  createOAuthClient, startLoopbackAuthorization, YOUTUBE_SCOPES,
  type GrantedTokens, type LoopbackOptions, type OAuthEndpoints,
} from './oauth.ts';

export const AccountStatus = z.enum(['connected', 'needs_reconnect']);
export type AccountStatus = z.infer<typeof AccountStatus>;

export const YouTubeAccount = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  label: z.string().max(200),
  clientId: z.string().min(1),
  /** Google Cloud project of the OAuth client: the unit quota is counted in */
  project: z.string().min(1),
  status: AccountStatus,
  /** why the account needs reconnecting, for the operator */
  statusReason: z.string().optional(),
  channelId: z.string().optional(),
  channelTitle: z.string().optional(),
  scopes: z.array(z.string()),
  connectedAt: z.string(),
  updatedAt: z.string(),
  /** bumped on every (re)connect so other processes notice the refresh token changed */
  generation: z.number().int().nonnegative(),
});
export type YouTubeAccount = z.infer<typeof YouTubeAccount>;

const AccountsFile = z.object({ version: z.literal(1), accounts: z.array(YouTubeAccount) });

export const refreshTokenKey = (accountId: string) => `youtube-refresh:${accountId}`;
export const clientSecretKey = (clientId: string) => `oauth-client:${clientId}`;

/** What the uploader and the API wrapper need from the accounts (tests may provide their own). */
export interface TokenProvider {
  /** A valid access token; `forceRefresh` after a 401. Throws AccountNeedsReconnectError. */
  getAccessToken(accountId: string, opts?: { forceRefresh?: boolean }): Promise<string>;
  /** Quota project the account's calls are charged to. */
  projectOf(accountId: string): string;
}

export interface YouTubeAccountsOptions {
  dataDir: string;
  secrets: SecretStore;
  /** OAuth endpoints (default: Google's). Tests point them at the fake. */
  endpoints?: OAuthEndpoints;
  /** Data API root for looking up the connected channel (default https://youtube.googleapis.com/) */
  apiRoot?: string;
  /** charge the channels.list made when an account connects (1 unit) to the account's project */
  ledger?: QuotaLedger;
  clock?: () => number;
}

export interface ConnectRequest {
  label: string;
  clientId: string;
  clientSecret: string;
  /** Google project of the client (default: the client id) */
  project?: string;
  /** reconnect this existing account instead of adding a new one */
  accountId?: string;
}

export interface PendingConnect {
  authUrl: string;
  /** resolves with the stored account once the browser came back and the token is in the SecretStore */
  done: Promise<YouTubeAccount>;
  cancel(): void;
  /** headless nodes: finish with the redirect URL the operator copied from the browser */
  completeWithRedirect(url: string): Promise<YouTubeAccount>;
}

interface LiveClient {
  generation: number;
  client: OAuth2Client;
}

export class YouTubeAccounts implements TokenProvider {
  readonly file: string;
  private readonly secrets: SecretStore;
  private readonly endpoints?: OAuthEndpoints;
  private readonly apiRoot: string;
  private readonly clock: () => number;
  private readonly ledger?: QuotaLedger;
  private readonly clients = new Map<string, LiveClient>();
  private cache?: { mtimeMs: number; size: number; accounts: YouTubeAccount[] };

  constructor(opts: YouTubeAccountsOptions) {
    this.file = join(opts.dataDir, 'youtube', 'accounts.json');
    this.secrets = opts.secrets;
    this.endpoints = opts.endpoints;
    this.apiRoot = (opts.apiRoot ?? 'https://youtube.googleapis.com/').replace(/\/*$/, '/');
    this.clock = opts.clock ?? Date.now;
    this.ledger = opts.ledger;
  }

  list(): YouTubeAccount[] {
    return this.load().map((a) => ({ ...a }));
  }

  get(id: string): YouTubeAccount | undefined {
    const a = this.load().find((x) => x.id === id);
    return a && { ...a };
  }

  private must(id: string): YouTubeAccount {
    const a = this.get(id);
    if (!a) throw new YouTubeError(`No YouTube account "${id}" is connected on this node`, { retryable: false, reason: 'unknown_account' });
    return a;
  }

  projectOf(accountId: string): string {
    return this.must(accountId).project;
  }

  /**
   * Start connecting (or reconnecting) an account: returns the URL to open in a browser. The listener
   * waits on 127.0.0.1 until Google redirects back.
   */
  async beginConnect(req: ConnectRequest, opts: LoopbackOptions = {}): Promise<PendingConnect> {
    if (req.accountId) this.must(req.accountId);
    registerSecret(req.clientSecret);
    const flow = await startLoopbackAuthorization(
      { clientId: req.clientId, clientSecret: req.clientSecret, endpoints: this.endpoints },
      { scopes: YOUTUBE_SCOPES, ...opts },
    );
    const done = flow.result.then((tokens) => this.store(req, tokens));
    done.catch(() => undefined);
    return {
      authUrl: flow.authUrl, done, cancel: flow.cancel,
      completeWithRedirect: async (url) => {
        await flow.completeWithRedirect(url);
        return done;
      },
    };
  }

  private async store(req: ConnectRequest, tokens: GrantedTokens): Promise<YouTubeAccount> {
    const channel = await this.lookupChannel(req.project ?? req.clientId, tokens.accessToken).catch(() => undefined);
    const id = req.accountId ?? this.newId(req.label);
    // Secrets first: an account row without its token would be useless, a token without a row is harmless.
    await this.secrets.set(clientSecretKey(req.clientId), req.clientSecret);
    await this.secrets.set(refreshTokenKey(id), tokens.refreshToken);
    const now = new Date(this.clock()).toISOString();
    let saved!: YouTubeAccount;
    this.update((accounts) => {
      const old = accounts.find((a) => a.id === id);
      saved = YouTubeAccount.parse({
        id,
        label: req.label,
        clientId: req.clientId,
        project: req.project ?? req.clientId,
        status: 'connected',
        channelId: channel?.id ?? old?.channelId,
        channelTitle: channel?.title ?? old?.channelTitle,
        scopes: tokens.scopes,
        connectedAt: now,
        updatedAt: now,
        generation: (old?.generation ?? 0) + 1,
      });
      return [...accounts.filter((a) => a.id !== id), saved];
    });
    this.clients.delete(id);
    // Start with the access token we just got rather than refreshing it again on first use.
    const client = await this.authClient(id);
    client.setCredentials({ refresh_token: tokens.refreshToken, access_token: tokens.accessToken, expiry_date: tokens.expiryDate ?? null });
    return { ...saved };
  }

  /** Forget an account: revoke the grant at Google (best effort) and delete its refresh token. */
  async disconnect(id: string, opts: { revoke?: boolean } = {}): Promise<void> {
    const acct = this.must(id);
    const token = await this.secrets.get(refreshTokenKey(id));
    if (token && opts.revoke !== false) {
      try {
        const client = await this.oauthClient(acct);
        await client.revokeToken(token);
      } catch {
        // Revocation is a courtesy; the token is deleted locally either way.
      }
    }
    await this.secrets.delete(refreshTokenKey(id));
    this.update((accounts) => accounts.filter((a) => a.id !== id));
    this.clients.delete(id);
  }

  /** Mark an account as needing the operator to connect it again (e.g. invalid_grant). */
  markNeedsReconnect(id: string, reason: string, generation?: number): void {
    this.update((accounts) => accounts.map((a) => (a.id === id && (generation === undefined || a.generation === generation)
      // A stale failure of a token the operator has since replaced must not mark the new one.
      ? { ...a, status: 'needs_reconnect' as const, statusReason: reason, updatedAt: new Date(this.clock()).toISOString() }
      : a)));
    this.clients.delete(id);
  }

  /**
   * An OAuth2Client holding the account's refresh token, for googleapis. Throws
   * AccountNeedsReconnectError if the account is already known to be dead.
   */
  async authClient(id: string): Promise<OAuth2Client> {
    const acct = this.must(id);
    if (acct.status === 'needs_reconnect') throw new AccountNeedsReconnectError(id, acct.statusReason ?? 'the account was disconnected');
    const live = this.clients.get(id);
    if (live && live.generation === acct.generation) return live.client;
    const refreshToken = await this.secrets.get(refreshTokenKey(id));
    if (!refreshToken) {
      const reason = `its refresh token is missing from the ${this.secrets.description}`;
      this.markNeedsReconnect(id, reason);
      throw new AccountNeedsReconnectError(id, reason);
    }
    const client = await this.oauthClient(acct);
    client.setCredentials({ refresh_token: refreshToken });
    client.on('tokens', (t) => {
      registerSecret(t.access_token);
      // Google rarely rotates refresh tokens on refresh, but if it does the old one may stop working.
      if (t.refresh_token && t.refresh_token !== refreshToken && this.get(id)?.generation === acct.generation) {
        registerSecret(t.refresh_token);
        void this.secrets.set(refreshTokenKey(id), t.refresh_token).catch(() => undefined);
      }
    });
    this.clients.set(id, { generation: acct.generation, client });
    return client;
  }

  async getAccessToken(id: string, opts: { forceRefresh?: boolean } = {}): Promise<string> {
    const client = await this.authClient(id);
    if (opts.forceRefresh) {
      // Dropping the access token makes the next getAccessToken() go to the token endpoint.
      client.setCredentials({ refresh_token: client.credentials.refresh_token });
    }
    try {
      const { token } = await client.getAccessToken();
      if (!token) throw new Error('the token endpoint returned no access token');
      registerSecret(token);
      return token;
    } catch (e) {
      throw this.translateAuthError(id, e);
    }
  }

  /**
   * Turn a failure of a call that used the account's credentials into a typed error, marking the
   * account needs_reconnect on invalid_grant. Returns undefined if `e` is not an auth failure.
   */
  authFailure(id: string, e: unknown): AccountNeedsReconnectError | undefined {
    const data = (e as { response?: { data?: unknown } })?.response?.data as { error?: unknown; error_description?: unknown } | undefined;
    const isGrant = data?.error === 'invalid_grant' || (e instanceof Error && e.message === 'invalid_grant');
    if (!isGrant) return undefined;
    const desc = typeof data?.error_description === 'string' ? data.error_description : 'the refresh token was rejected';
    const reason = `Google refused the stored refresh token (invalid_grant: ${desc}). It was revoked, expired (7 days if the OAuth consent screen is in "Testing"), or unused for 6 months. Connect the account again.`;
    this.markNeedsReconnect(id, reason, this.clients.get(id)?.generation);
    return new AccountNeedsReconnectError(id, reason);
  }

  private translateAuthError(id: string, e: unknown): YouTubeError {
    if (e instanceof YouTubeError) return e;
    const grant = this.authFailure(id, e);
    if (grant) return grant;
    const status = (e as { response?: { status?: number } })?.response?.status;
    return new YouTubeError(`Refreshing the access token of YouTube account "${id}" failed: ${describeError(e)}`, {
      retryable: status === undefined || status >= 500 || status === 429 || status === 408,
      status,
      reason: 'token_refresh_failed',
    });
  }

  private async oauthClient(acct: YouTubeAccount): Promise<OAuth2Client> {
    const secret = await this.secrets.get(clientSecretKey(acct.clientId));
    if (secret === null) {
      throw new AccountNeedsReconnectError(acct.id, `the OAuth client secret of ${acct.clientId} is missing from the ${this.secrets.description}`);
    }
    return createOAuthClient({ clientId: acct.clientId, clientSecret: secret, endpoints: this.endpoints });
  }

  /** channels.list?mine=true, to show the operator which channel was connected (1 unit; best effort). */
  private async lookupChannel(project: string, accessToken: string): Promise<{ id: string; title?: string } | undefined> {
    this.ledger?.charge(project, 'channels.list'); // throws when the quota is parked: then we just skip it
    const r = await fetch(`${this.apiRoot}youtube/v3/channels?part=snippet&mine=true`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!r.ok) return undefined;
    const body = (await r.json()) as { items?: Array<{ id?: string; snippet?: { title?: string } }> };
    const item = body.items?.[0];
    return item?.id ? { id: item.id, title: item.snippet?.title } : undefined;
  }

  private newId(label: string): string {
    const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'account';
    const taken = new Set(this.load().map((a) => a.id));
    if (!taken.has(slug)) return slug;
    for (;;) {
      const id = `${slug}-${randomBytes(3).toString('hex')}`;
      if (!taken.has(id)) return id;
    }
  }

  private load(): YouTubeAccount[] {
    let st;
    try {
      st = statSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    if (this.cache && this.cache.mtimeMs === st.mtimeMs && this.cache.size === st.size) return this.cache.accounts;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new YouTubeError(`${this.file} is not valid JSON: ${(e as Error).message}`, { retryable: false });
    }
    const parsed = AccountsFile.safeParse(raw);
    if (!parsed.success) {
      throw new YouTubeError(`${this.file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { retryable: false });
    }
    this.cache = { mtimeMs: st.mtimeMs, size: st.size, accounts: parsed.data.accounts };
    return parsed.data.accounts;
  }

  private update(fn: (accounts: YouTubeAccount[]) => YouTubeAccount[]): void {
    this.cache = undefined;
    const next = fn(this.load());
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, accounts: next }, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    this.cache = undefined;
  }
}
