/**
 * Hash routing (#/streams, #/editor/ID...): works from any static server and survives reloads. Path
 * routes (what the desktop shell's notifications and tray ask for: /streams/CHANNEL, /events/ID,
 * /uploads) are translated to hash routes.
 */
import { useEffect, useState } from 'react';

const SCREENS = ['streams', 'events', 'editor', 'uploads', 'tombstones', 'settings'];

/** The hash route for a console path, or null if it names no screen. Pure; unit-tested. */
export function hashForPath(path: string): string | null {
  let parts: string[];
  try {
    parts = path.split(/[?#]/)[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  const [head, arg] = parts;
  if (!head || !SCREENS.includes(head)) return null;
  if (head === 'events' && arg) return `#/editor/${encodeURIComponent(arg)}`;
  return `#/${[head, ...(arg ? [arg] : [])].map(encodeURIComponent).join('/')}`;
}

export function useRoute(): string[] {
  const parse = () => (location.hash.replace(/^#\/?/, '') || 'streams').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(() => {
    // Loaded at a path route (e.g. /events/ID from a desktop notification): show it as a hash route.
    if (!location.hash && location.pathname !== '/') {
      const h = hashForPath(location.pathname);
      history.replaceState(null, '', `/${h ?? ''}`);
    }
    return parse();
  });
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(...parts: string[]) {
  location.hash = '#/' + parts.map(encodeURIComponent).join('/');
}

/** What the desktop preload exposes (absent in a browser). */
export interface DesktopApi {
  connectYouTube(request?: Record<string, string | number | boolean>): Promise<void>;
  onNavigate(listener: (route: string) => void): () => void;
}

export function desktop(): DesktopApi | undefined {
  return (window as unknown as { tapedeck?: DesktopApi }).tapedeck;
}
