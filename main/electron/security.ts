/**
 * The Electron security checklist (electron.md §2) applied to the app and its session. Every decision
 * is a pure function in main/desktop/web-policy.ts; this file only attaches them to Electron's hooks.
 *
 *   - sandbox for every renderer (app.enableSandbox, before ready), contextIsolation, no nodeIntegration
 *     (set on the window in window.ts as well, explicitly);
 *   - navigation (will-navigate, will-frame-navigate, will-redirect) kept on the core's origin;
 *     allowlisted external links go to the system browser, everything else is dropped;
 *   - window.open never creates an Electron window;
 *   - <webview> refused;
 *   - permission requests and checks denied except fullscreen + clipboard write for our origin;
 *   - a CSP header added to every response from the core's origin;
 *   - IPC senders validated in ipc.ts.
 */
import { app, shell, type Session, type WebContents } from 'electron';
import { contentSecurityPolicy, isAppUrl, navigationDecision, permissionAllowed, windowOpenDecision, withCsp } from '../desktop/web-policy.ts';

/** Opens an allowlisted URL in the system browser; logs (never throws) on failure. */
export function openExternalSafely(url: string): void {
  shell.openExternal(url).catch((e: unknown) => console.error('[security] openExternal failed', e));
}

function guardNavigation(contents: WebContents, appOrigin: () => string | null) {
  const onNavigate = (e: { preventDefault(): void; url: string }) => {
    const origin = appOrigin();
    const decision = origin ? navigationDecision(e.url, origin) : 'deny';
    if (decision === 'allow') return;
    e.preventDefault();
    if (decision === 'external') openExternalSafely(e.url);
    else console.warn(`[security] blocked navigation to ${e.url.slice(0, 200)}`);
  };
  contents.on('will-navigate', (e) => onNavigate(e));
  contents.on('will-frame-navigate', (e) => onNavigate(e));
  contents.on('will-redirect', (e) => {
    const origin = appOrigin();
    // A redirect away from our origin is never followed inside the window (no external hand-off either:
    // the user did not click that URL).
    if (!origin || navigationDecision(e.url, origin) !== 'allow') e.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (windowOpenDecision(url) === 'external') openExternalSafely(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

/**
 * App-wide hooks; call before 'ready'. `appOrigin` returns the core's origin once it is listening
 * (null before: then nothing may navigate anywhere).
 */
export function hardenApp(appOrigin: () => string | null): void {
  app.enableSandbox();
  app.on('web-contents-created', (_e, contents) => guardNavigation(contents, appOrigin));
}

/** Session hooks; call once the core's origin is known. */
export function hardenSession(ses: Session, appOrigin: string): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl, appOrigin));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, appOrigin));
  // No WebHID/WebUSB/serial devices for the console.
  ses.setDevicePermissionHandler(() => false);
  const csp = contentSecurityPolicy();
  // The URL filter is only a pre-selection (match patterns are loose about ports); the origin is compared exactly.
  const { protocol, hostname } = new URL(appOrigin);
  ses.webRequest.onHeadersReceived({ urls: [`${protocol}//${hostname}/*`] }, (details, callback) => {
    callback(isAppUrl(details.url, appOrigin) ? { responseHeaders: withCsp(details.responseHeaders, csp) } : {});
  });
}
