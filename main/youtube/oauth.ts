/**
 * Connecting a YouTube account: the OAuth 2.0 installed-app flow with a loopback redirect and PKCE
 * (protocols.md B5), through google-auth-library's OAuth2Client.
 *
 *  1. listen on 127.0.0.1:<random port> (loopback only: the redirect carries the authorization code);
 *  2. build the consent URL with a fresh PKCE verifier/challenge (S256) and a random `state`;
 *  3. the operator's browser (or, in tests, an HTTP client) follows it; Google redirects back to the
 *     listener with ?code&state, or ?error=access_denied;
 *  4. `state` must match (anything else is answered 400 and ignored: a stray or forged request must
 *     not end the flow); the code is exchanged with the verifier; the listener closes.
 *
 * The refresh token that comes back is handed to the caller and never printed; the caller stores it in
 * the SecretStore only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { describeError, registerSecret } from '../secrets/redact.ts';
import { OAuthFlowError } from './errors.ts';

export const YOUTUBE_SCOPES = [
  'https://www.googleapis.com/auth/youtube.upload',
  // videos.list of our own private videos, videos.update and playlists need the broad scope (B5).
  'https://www.googleapis.com/auth/youtube',
];

export interface OAuthEndpoints {
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  tokenInfoUrl: string;
}

export const GOOGLE_OAUTH_ENDPOINTS: OAuthEndpoints = {
  authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  revokeUrl: 'https://oauth2.googleapis.com/revoke',
  tokenInfoUrl: 'https://oauth2.googleapis.com/tokeninfo',
};

/** Endpoints of a Google-compatible server mounted at `base` (the fake YouTube in tests). */
export function endpointsAt(base: string): OAuthEndpoints {
  const b = base.replace(/\/+$/, '');
  return { authUrl: `${b}/o/oauth2/v2/auth`, tokenUrl: `${b}/token`, revokeUrl: `${b}/revoke`, tokenInfoUrl: `${b}/tokeninfo` };
}

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  endpoints?: OAuthEndpoints;
}

export function createOAuthClient(cfg: OAuthClientConfig, redirectUri?: string): OAuth2Client {
  registerSecret(cfg.clientSecret);
  const e = cfg.endpoints ?? GOOGLE_OAUTH_ENDPOINTS;
  return new OAuth2Client({
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    redirectUri,
    endpoints: { oauth2AuthBaseUrl: e.authUrl, oauth2TokenUrl: e.tokenUrl, oauth2RevokeUrl: e.revokeUrl, tokenInfoUrl: e.tokenInfoUrl },
    // Refresh a little ahead of expiry so a long chunk PUT never starts with a token about to die.
    eagerRefreshThresholdMillis: 5 * 60_000,
  });
}

export interface GrantedTokens {
  refreshToken: string;
  accessToken: string;
  expiryDate?: number;
  scopes: string[];
}

export interface LoopbackAuthorization {
  /** open this in the operator's browser */
  authUrl: string;
  redirectUri: string;
  /** settles once: tokens, or OAuthFlowError (declined, timeout, cancelled, exchange failed) */
  result: Promise<GrantedTokens>;
  cancel(): void;
  /**
   * Finish with the URL the browser was redirected to, pasted by the operator (headless node: the
   * browser on another machine cannot reach this node's 127.0.0.1 listener). Same state check.
   */
  completeWithRedirect(url: string): Promise<void>;
}

export interface LoopbackOptions {
  scopes?: string[];
  /** give up if the browser never comes back (default 10 minutes) */
  timeoutMs?: number;
  /** pre-select the Google account on the consent screen */
  loginHint?: string;
}

const PAGE_STYLE = 'font-family:system-ui,sans-serif;max-width:36em;margin:4em auto';

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // the URL of this page holds the authorization code
    'referrer-policy': 'no-referrer',
  });
  res.end(`<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><body style="${PAGE_STYLE}"><h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

/** Start the loopback flow. The listener is bound before the URL is returned. */
export async function startLoopbackAuthorization(cfg: OAuthClientConfig, opts: LoopbackOptions = {}): Promise<LoopbackAuthorization> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = `http://127.0.0.1:${port}/oauth2callback`;
  const client = createOAuthClient(cfg, redirectUri);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = randomBytes(24).toString('base64url');
  const scopes = opts.scopes ?? YOUTUBE_SCOPES;
  const authUrl = client.generateAuthUrl({
    access_type: 'offline',
    // Forces a new refresh token even if the user consented before (reconnecting an account).
    prompt: 'consent',
    scope: scopes,
    state,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge,
    ...(opts.loginHint ? { login_hint: opts.loginHint } : {}),
  });

  let settle!: { resolve: (t: GrantedTokens) => void; reject: (e: Error) => void };
  const result = new Promise<GrantedTokens>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => undefined); // the caller may cancel without awaiting; never an unhandled rejection
  let done = false;
  const finish = (outcome: GrantedTokens | Error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    server.close();
    server.closeAllConnections?.();
    if (outcome instanceof Error) settle.reject(outcome);
    else settle.resolve(outcome);
  };
  const timer = setTimeout(
    () => finish(new OAuthFlowError('Timed out waiting for the browser to come back from Google sign-in', 'timeout')),
    opts.timeoutMs ?? 10 * 60_000,
  );
  timer.unref();

  /**
   * Handle the redirect Google sent the browser to (from the listener, or pasted by the operator when
   * the browser runs on another machine than a headless node and could not reach 127.0.0.1).
   */
  let exchanging = false;
  type Handled = { status: number; title: string; text: string; outcome?: GrantedTokens | Error };
  // Returns the page to show and the outcome; the caller settles the flow after answering the browser
  // (settling closes the listener and its connections).
  const handleRedirect = async (url: URL): Promise<Handled> => {
    if (done) return { status: 410, title: 'Already finished', text: 'This sign-in attempt is over; start a new one from Tapedeck.' };
    if (url.searchParams.get('state') !== state) {
      return { status: 400, title: 'Sign-in not recognised', text: 'The state parameter does not match the sign-in Tapedeck started. Ignored.' };
    }
    if (exchanging) return { status: 409, title: 'Already signing in', text: 'This sign-in is being completed.' };
    const error = url.searchParams.get('error');
    if (error) {
      return {
        status: 200, title: 'Not connected',
        text: error === 'access_denied' ? 'Access was declined. You can close this tab.' : `Google answered: ${error}`,
        outcome: new OAuthFlowError(error === 'access_denied' ? 'The Google account owner declined access to YouTube' : `Google sign-in failed: ${error}`, error),
      };
    }
    const code = url.searchParams.get('code');
    if (!code) return { status: 400, title: 'Sign-in incomplete', text: 'No authorization code in the redirect.' };
    registerSecret(code);
    exchanging = true;
    try {
      const { tokens } = await client.getToken({ code, codeVerifier, redirect_uri: redirectUri });
      if (!tokens.refresh_token || !tokens.access_token) {
        throw new OAuthFlowError('Google did not return a refresh token (is the OAuth client of type "Desktop app"?)', 'no_refresh_token');
      }
      registerSecret(tokens.refresh_token);
      registerSecret(tokens.access_token);
      const granted = (tokens.scope ?? scopes.join(' ')).split(/\s+/).filter(Boolean);
      const missing = scopes.filter((sc) => !granted.includes(sc));
      if (missing.length) {
        throw new OAuthFlowError(`Google granted only part of the access Tapedeck needs; missing: ${missing.join(', ')}. Connect again and tick every box.`, 'insufficient_scope');
      }
      return {
        status: 200, title: 'YouTube account connected', text: 'Tapedeck can now upload to this channel. You can close this tab.',
        outcome: { refreshToken: tokens.refresh_token, accessToken: tokens.access_token, expiryDate: tokens.expiry_date ?? undefined, scopes: granted },
      };
    } catch (e) {
      const err = e instanceof OAuthFlowError ? e : new OAuthFlowError(`Exchanging the authorization code failed: ${describeError(e)}`, 'exchange_failed');
      return { status: 502, title: 'Not connected', text: err.message, outcome: err };
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (req.method !== 'GET' || url.pathname !== '/oauth2callback') return page(res, 404, 'Not found', 'This is Tapedeck\'s sign-in listener.');
    void handleRedirect(url).then((r) => {
      if (!r.outcome) return page(res, r.status, r.title, r.text);
      // Answer the browser completely before the listener (and this connection) is closed.
      res.once('finish', () => finish(r.outcome!));
      page(res, r.status, r.title, r.text);
    });
  });

  return {
    authUrl,
    redirectUri,
    result,
    cancel: () => finish(new OAuthFlowError('Sign-in cancelled', 'cancelled')),
    completeWithRedirect: async (pasted: string) => {
      let url: URL;
      try {
        url = new URL(pasted.trim());
      } catch {
        throw new OAuthFlowError('That is not a URL: paste the whole address from the browser\'s address bar', 'bad_redirect');
      }
      const r = await handleRedirect(url);
      if (r.outcome) finish(r.outcome);
      else throw new OAuthFlowError(r.text, 'bad_redirect');
      await result;
    },
  };
}
