import { useEffect, useState } from 'react';

type Health = { ok: boolean; version: string } | { error: string };

/** Operator console shell. Screens (streams, editor, uploads...) arrive with the UI issue. */
export function App() {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    fetch('/api/health').then((r) => r.json()).then(setHealth, (e) => setHealth({ error: String(e) }));
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>Tapedeck</h1>
      {health === null && <p>Connecting…</p>}
      {health && 'ok' in health && <p data-testid="status">Node is up (version {health.version}).</p>}
      {health && 'error' in health && <p data-testid="status">Not signed in: open the login link printed by <code>tapedeck serve</code>.</p>}
    </main>
  );
}
