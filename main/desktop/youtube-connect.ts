/**
 * "Connect YouTube" from the desktop shell. The OAuth loopback flow with PKCE is implemented in
 * main/youtube (another module): starting it opens a one-shot listener on 127.0.0.1 and yields Google's
 * consent URL. The shell only has to open that URL in the system browser (Google blocks embedded
 * webviews), after checking it really points at Google's consent screen.
 *
 * The flow is reached through the function type below, so the shell does not depend on how main/youtube
 * is wired; the default implementation calls the core's HTTP API in-process with the node's token.
 */
import { z } from 'zod';
import { isAllowedExternal } from './web-policy.ts';

/**
 * What the console sends to start a connection: the fields of main/youtube's ConnectRequest (label,
 * clientId, clientSecret, project?, accountId? to reconnect). The shell passes it through untouched;
 * the flow validates it.
 */
export type YouTubeConnectRequest = Record<string, string | number | boolean>;

/**
 * Starts the loopback OAuth flow and resolves with the consent URL to open. Completion (or failure) is
 * reported asynchronously by the flow itself, e.g. as `account.connected` on the bus.
 */
export type StartYouTubeConnect = (request: YouTubeConnectRequest) => Promise<{ authUrl: string }>;

/**
 * The API route the default implementation calls: POST with the request as JSON, answers
 * 200 {authUrl} (4xx {error} when the request is refused). To be served by main/youtube's routes.
 */
export const YOUTUBE_CONNECT_ROUTE = '/api/accounts/youtube/connect';

const ConnectResponse = z.object({ authUrl: z.string().url() });

/** Only Google's consent screen may be opened from this button. */
export const CONSENT_HOSTS = ['accounts.google.com'] as const;

export function isConsentUrl(url: string): boolean {
  return isAllowedExternal(url, CONSENT_HOSTS);
}

export function httpStartYouTubeConnect(baseUrl: string, token: string, fetchImpl: typeof fetch = fetch): StartYouTubeConnect {
  return async (request) => {
    const res = await fetchImpl(new URL(YOUTUBE_CONNECT_ROUTE, baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? message;
      } catch {
        /* not JSON: keep the text */
      }
      throw new Error(`Could not start the YouTube connection (HTTP ${res.status}): ${message}`);
    }
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      /* reported below */
    }
    const parsed = ConnectResponse.safeParse(body);
    if (!parsed.success) throw new Error('The YouTube connection flow returned no consent URL');
    return parsed.data;
  };
}

/** Run the flow and hand the consent URL to `open` (shell.openExternal) if it is Google's. */
export async function connectYouTube(
  start: StartYouTubeConnect, request: YouTubeConnectRequest, open: (url: string) => Promise<void>,
): Promise<{ opened: boolean }> {
  const { authUrl } = await start(request);
  if (!isConsentUrl(authUrl)) throw new Error(`Refusing to open an unexpected consent URL (${new URL(authUrl).origin})`);
  await open(authUrl);
  return { opened: true };
}
