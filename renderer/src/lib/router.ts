/** Hash routing (#/streams, #/editor/ID...): works from any static server and survives reloads. */
import { useEffect, useState } from 'react';

export function useRoute(): string[] {
  const parse = () => (location.hash.replace(/^#\/?/, '') || 'streams').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
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
