/**
 * The desktop window's web security decisions (electron.md §2), as pure functions the Electron adapter
 * (main/electron/security.ts) calls: where the window may navigate, which links go to the system
 * browser, which permissions the console gets, which IPC senders are trusted, and the CSP.
 *
 * URLs are always parsed with `new URL()` and compared by origin; never by prefix or substring (an
 * `http://127.0.0.1:4740.evil.com` or `http://127.0.0.1:4740@evil.com` must not pass).
 */

/** Origin of a URL, or null when it is not a parseable absolute URL. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}

export function isAppUrl(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin;
}

/**
 * Sites the console may open in the system browser (stream pages, published videos, the Google
 * consent screen). A host matches itself and its subdomains.
 */
export const EXTERNAL_HOSTS = [
  'twitch.tv', 'youtube.com', 'youtu.be', 'accounts.google.com', 'myaccount.google.com', 'github.com',
] as const;

/** https only, no credentials in the URL, default port, host on the allowlist. */
export function isAllowedExternal(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  const host = u.hostname.toLowerCase();
  return hosts.some((h) => host === h || host.endsWith(`.${h}`));
}

export type NavigationDecision = 'allow' | 'external' | 'deny';

/**
 * In-window navigation: our own origin stays in the window; an allowlisted site opens in the system
 * browser; anything else (file:, javascript:, data:, other origins, other ports) is refused.
 */
export function navigationDecision(url: string, appOrigin: string, hosts: readonly string[] = EXTERNAL_HOSTS): NavigationDecision {
  if (isAppUrl(url, appOrigin)) return 'allow';
  return isAllowedExternal(url, hosts) ? 'external' : 'deny';
}

/** window.open / target=_blank: never a new Electron window; allowlisted links go to the system browser. */
export function windowOpenDecision(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): 'external' | 'deny' {
  return isAllowedExternal(url, hosts) ? 'external' : 'deny';
}

/**
 * Permissions the console needs: fullscreen for the player's fullscreen button, and writing to the
 * clipboard ("copy link" buttons). Everything else (camera, microphone, geolocation, notifications —
 * notifications come from the main process, not the page) is denied, and so is any request not made
 * by our own origin.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['fullscreen', 'clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined | null, appOrigin: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && !!requestingUrl && isAppUrl(requestingUrl, appOrigin);
}

export interface IpcSenderInfo {
  /** event.senderFrame?.url */
  frameUrl: string | undefined | null;
  /** event.senderFrame?.parent === null */
  isMainFrame: boolean;
  /** event.sender.id */
  webContentsId: number;
}

/** IPC is answered only for the main frame of our own window showing our own origin. */
export function isTrustedSender(s: IpcSenderInfo, appOrigin: string, trustedWebContentsIds: readonly number[]): boolean {
  return s.isMainFrame && !!s.frameUrl && isAppUrl(s.frameUrl, appOrigin) && trustedWebContentsIds.includes(s.webContentsId);
}

/** Extra image hosts the console shows (Twitch/YouTube thumbnails). */
export const IMAGE_HOSTS = ['https://static-cdn.jtvnw.net', 'https://i.ytimg.com', 'https://yt3.ggpht.com'] as const;

/**
 * The Content-Security-Policy added to every response from the core in the desktop window.
 * hls.js needs `media-src blob:` (MediaSource URLs) and `worker-src blob:` (its inline transmuxing
 * worker); playlists, segments, the API and SSE are same-origin (`connect-src 'self'`). React's style
 * attributes need `style-src 'unsafe-inline'`; scripts are only our own bundle.
 */
export function contentSecurityPolicy(imageHosts: readonly string[] = IMAGE_HOSTS): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${imageHosts.join(' ')}`.trim(),
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "font-src 'self' data:",
    "manifest-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Adds our CSP to a response's headers (Electron's onHeadersReceived shape). A CSP the core already
 * sent is kept: the browser enforces both, so ours can only tighten it.
 */
export function withCsp(headers: Record<string, string[]> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = { ...(headers ?? {}) };
  const key = Object.keys(out).find((k) => k.toLowerCase() === 'content-security-policy') ?? 'Content-Security-Policy';
  out[key] = [...(out[key] ?? []), csp];
  return out;
}
