/** Operator console shell: navigation, connection state, alerts that matter on every screen, and the screens. */
import { useEffect, useState } from 'react';
import { api } from './lib/api.ts';
import { useConnected } from './lib/bus.ts';
import { useApi, useStreams } from './lib/hooks.ts';
import { desktop, hashForPath, navigate, useRoute } from './lib/router.ts';
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

interface AccountStatus { id: string; label: string; status: string; statusReason?: string }

/** Important channels that are down or stalled, and accounts that need the operator: shown on every screen. */
function Alerts() {
  const { streams } = useStreams();
  // Account state from the node (the bus messages only say when to look again).
  const accounts = useApi<AccountStatus[]>('/api/accounts', { topics: ['account.needs_reconnect', 'account.connected', 'upload.failed'] });
  const down = streams.filter((s) => s.important && (s.state === 'down' || s.state === 'stalled'));
  const dead = (accounts.data ?? []).filter((a) => a.status === 'needs_reconnect');
  return (
    <>
      {down.map((s) => (
        <div key={`${s.channel}/${s.quality}`} className="banner" role="alert" data-testid="down-banner">
          Important channel <b>{s.channel}</b> is {s.state}
          {s.since ? (ago(s.since) === 'just now' ? ' (just now)' : ` (for ${ago(s.since).replace(/ ago$/, '')})`) : ''}
          {s.latestSegment ? ` — last segment ${ago(s.latestSegment)}` : ''}
          {s.reason ? <span className="banner-reason"> ({s.reason})</span> : null}
        </div>
      ))}
      {dead.map((a) => (
        <div key={a.id} className="banner warn-banner" role="alert" data-testid="reconnect-banner">
          YouTube account <b>{a.label}</b> ({a.id}) must be connected again before its uploads continue{a.statusReason ? `: ${a.statusReason.replace(/\.\s*$/, '')}` : ''}.{' '}
          <a href="#/settings" onClick={(e) => { e.preventDefault(); navigate('settings'); }}>Reconnect in Settings</a>
        </div>
      ))}
    </>
  );
}

function EditorName() {
  const [name, setName] = useState(() => localStorage.getItem('tapedeck.editor') ?? '');
  return (
    <label className="small muted" title="Shown as “edited by” on the events you save and as “by” on the tombstones you make">You are{' '}
      <input aria-label="Your name" className="editor-name" value={name} placeholder="your name"
        onChange={(e) => { setName(e.target.value); localStorage.setItem('tapedeck.editor', e.target.value); }} />
    </label>
  );
}

export function App() {
  const route = useRoute();
  const connected = useConnected();
  const [auth, setAuth] = useState<'checking' | 'ok' | 'no'>('checking');
  const [version, setVersion] = useState('');
  const [editorCfg, setEditorCfg] = useState<EditorConfig>({});
  // The desktop shell (tray, notifications) asks for path routes.
  useEffect(() => desktop()?.onNavigate((route) => {
    const h = hashForPath(route);
    if (h) location.hash = h;
  }), []);
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
        <EditorName />
        <span className={`conn ${connected ? 'ok' : 'bad'}`} data-testid="status" title="live updates">{connected ? '● live' : '○ reconnecting'}</span>
        <span className="muted small">v{version}</span>
      </nav>
      <main>
        {auth === 'ok' && <Alerts />}
        {screen === 'streams' && <Streams channel={arg} />}
        {screen === 'events' && <Events />}
        {screen === 'editor' && arg && <Editor key={arg} id={arg} titlePrefix={editorCfg.titlePrefix} locations={editorCfg.locations} />}
        {screen === 'uploads' && <Uploads />}
        {screen === 'tombstones' && <Tombstones />}
        {screen === 'settings' && <SettingsScreen />}
      </main>
    </div>
  );
}
