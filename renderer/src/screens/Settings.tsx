/**
 * Settings: channels and qualities (DATA/config.json through /api/settings), upload locations,
 * YouTube accounts, playlists and thumbnail templates. Sections whose API is not on this node say so.
 */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';

interface Settings { channels: { name: string; important: boolean; url?: string }[]; qualities: string[] }

function Section({ title, path, render }: { title: string; path: string; render: (data: unknown) => React.ReactNode }) {
  const [data, setData] = useState<unknown>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api(path).then(setData, (e) => setError((e as Error).message));
  }, [path]);
  return (
    <div className="settings-section">
      <h3>{title}</h3>
      {error ? <p className="muted">{error}</p> : data === undefined ? <p className="muted">Loading…</p> : render(data)}
    </div>
  );
}

export function SettingsScreen() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [text, setText] = useState('');
  const [qualities, setQualities] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    api<Settings>('/api/settings').then((s) => {
      setSettings(s);
      setText(s.channels.map((c) => `${c.name}${c.important ? '!' : ''}${c.url ? `=${c.url}` : ''}`).join('\n'));
      setQualities(s.qualities.join(','));
    }, (e) => setMsg((e as Error).message));
  }, []);
  const save = async () => {
    try {
      const s = await api<Settings>('/api/settings', { method: 'PUT', body: { channels: text.split('\n').map((l) => l.trim()).filter(Boolean), qualities: qualities.split(',').map((q) => q.trim()).filter(Boolean) } });
      setSettings(s);
      setMsg('Saved. The recorder picks up the change within seconds.');
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  return (
    <section data-testid="settings">
      <h2>Settings</h2>
      <div className="settings-section">
        <h3>Channels</h3>
        <p className="muted">One per line: <code>name</code> (Twitch), <code>name!</code> (important: alerts), <code>name=https://…m3u8</code> (any HLS).</p>
        <textarea aria-label="Channels" rows={5} value={text} onChange={(e) => setText(e.target.value)} disabled={!settings} />
        <label>Qualities <input aria-label="Qualities" value={qualities} onChange={(e) => setQualities(e.target.value)} disabled={!settings} /></label>
        <button type="button" onClick={() => void save()} disabled={!settings}>Save channels</button>
        {msg && <p role="status">{msg}</p>}
      </div>
      <Section title="Upload locations" path="/api/locations" render={(d) => <pre className="small">{JSON.stringify(d, null, 2)}</pre>} />
      <Section title="YouTube accounts" path="/api/accounts" render={(d) => <pre className="small">{JSON.stringify(d, null, 2)}</pre>} />
      <Section title="Playlists" path="/api/playlists" render={(d) => <pre className="small">{JSON.stringify(d, null, 2)}</pre>} />
      <Section title="Thumbnail templates" path="/api/templates" render={(d) => <pre className="small">{JSON.stringify(d, null, 2)}</pre>} />
    </section>
  );
}
