/** Operator console shell: navigation, connection state, alerts that matter on every screen, and the screens. */
import { useEffect, useState } from 'react';
import { api } from './lib/api.ts';
import { useConnected, useTopic } from './lib/bus.ts';
import { useStreams } from './lib/hooks.ts';
import { navigate, useRoute } from './lib/router.ts';
import { ago } from './lib/time.ts';
import { Editor } from './screens/Editor.tsx';
import { Events } from './screens/Events.tsx';
import { SettingsScreen } from './screens/Settings.tsx';
import { Streams } from './screens/Streams.tsx';
import { Tombstones } from './screens/Tombstones.tsx';
import { Uploads } from './screens/Uploads.tsx';
import './styles.css';

const NAV: [string, string][] = [['streams', 'Streams'], ['events', 'Events'], ['uploads', 'Uploads'], ['tombstones', 'Tombstones'], ['settings', 'Settings']];

interface EditorConfig { titlePrefix?: string; locations?: string[] }

/** Important channels that are down or stalled, and accounts that need the operator: shown on every screen. */
function Alerts() {
  const { streams } = useStreams();
  const reconnect = useTopic<{ account?: string; message?: string }>('account.needs_reconnect');
  const connected = useTopic<{ account?: string }>('account.connected');
  const down = streams.filter((s) => s.important && (s.state === 'down' || s.state === 'stalled'));
  const seen = new Set<string>();
  const dead = [...reconnect.values()].filter((m) => {
    const id = m.data.account ?? '';
    const healed = connected.get(id);
    if (seen.has(id) || (healed && healed.time > m.time)) return false;
    seen.add(id);
    return true;
  });
  return (
    <>
      {down.map((s) => (
        <div key={`${s.channel}/${s.quality}`} className="banner" role="alert" data-testid="down-banner">
          Important channel <b>{s.channel}</b> is {s.state}
          {s.since ? ` since ${ago(s.since)}` : ''}
          {s.latestSegment ? ` — last segment ${ago(s.latestSegment)}` : ''}
          {s.reason ? <span className="banner-reason"> ({s.reason})</span> : null}
        </div>
      ))}
      {dead.map((m) => (
        <div key={m.key} className="banner warn-banner" role="alert" data-testid="reconnect-banner">
          YouTube account <b>{m.data.account}</b> needs to be connected again: {m.data.message}{' '}
          <a href="#/settings" onClick={(e) => { e.preventDefault(); navigate('settings'); }}>Settings</a>
        </div>
      ))}
    </>
  );
}

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
        {auth === 'ok' && <Alerts />}
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
