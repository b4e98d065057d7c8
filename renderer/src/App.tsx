/** Operator console shell: navigation, connection state, and the screens. */
import { useEffect, useState } from 'react';
import { api } from './lib/api.ts';
import { useConnected } from './lib/bus.ts';
import { navigate, useRoute } from './lib/router.ts';
import { Editor } from './screens/Editor.tsx';
import { Events } from './screens/Events.tsx';
import { SettingsScreen } from './screens/Settings.tsx';
import { Streams } from './screens/Streams.tsx';
import { Tombstones } from './screens/Tombstones.tsx';
import { Uploads } from './screens/Uploads.tsx';
import './styles.css';

const NAV: [string, string][] = [['streams', 'Streams'], ['events', 'Events'], ['uploads', 'Uploads'], ['tombstones', 'Tombstones'], ['settings', 'Settings']];

interface EditorConfig { titlePrefix?: string; locations?: string[] }

export function App() {
  const route = useRoute();
  const connected = useConnected();
  const [auth, setAuth] = useState<'checking' | 'ok' | 'no'>('checking');
  const [version, setVersion] = useState('');
  const [editorCfg, setEditorCfg] = useState<EditorConfig>({});
  useEffect(() => {
    api<{ version: string }>('/api/health').then((h) => { setAuth('ok'); setVersion(h.version); }, () => setAuth('no'));
    api<EditorConfig>('/api/editor-config').then(setEditorCfg, () => {});
  }, []);
  if (auth === 'no') {
    return <main className="signin"><h1>Tapedeck</h1><p data-testid="status">Not signed in: open the login link printed by <code>tapedeck serve</code> (or run <code>tapedeck login-url --data DIR</code>).</p></main>;
  }
  const [screen, arg] = route;
  return (
    <div className="app">
      <nav>
        <strong>Tapedeck</strong>
        {NAV.map(([k, label]) => (
          <a key={k} href={`#/${k}`} className={screen === k ? 'active' : ''} onClick={(e) => { e.preventDefault(); navigate(k); }}>{label}</a>
        ))}
        <span className="spacer" />
        <span className={`conn ${connected ? 'ok' : 'bad'}`} data-testid="status" title="live updates">{connected ? '● live' : '○ reconnecting'}</span>
        <span className="muted small">v{version}</span>
      </nav>
      <main>
        {screen === 'streams' && <Streams />}
        {screen === 'events' && <Events />}
        {screen === 'editor' && arg && <Editor key={arg} id={arg} titlePrefix={editorCfg.titlePrefix} locations={editorCfg.locations} />}
        {screen === 'uploads' && <Uploads />}
        {screen === 'tombstones' && <Tombstones />}
        {screen === 'settings' && <SettingsScreen />}
      </main>
    </div>
  );
}
