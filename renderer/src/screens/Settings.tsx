/**
 * Settings: channels and qualities (DATA/config.json through /api/settings), YouTube accounts (connect
 * through Google's consent page in a new tab, status including "needs reconnect", reconnect and
 * disconnect), upload locations, thumbnail templates (upload a PNG with its default crop and placement,
 * preview it on a real recorded frame) and playlists. Sections whose API is not on this node say so.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../lib/api.ts';
import { subscribe } from '../lib/bus.ts';
import { useApi, useStreams } from '../lib/hooks.ts';
import { desktop } from '../lib/router.ts';
import { isoFromUs, US } from '../lib/time.ts';

interface Settings { channels: { name: string; important: boolean; url?: string }[]; qualities: string[] }
interface Account { id: string; label: string; clientId: string; project: string; status: 'connected' | 'needs_reconnect'; statusReason?: string; channelId?: string; channelTitle?: string; connectedAt: string; updatedAt: string }
interface Location { name: string; type: 'youtube' | 'local'; cutType: string; account?: string; path?: string; unlistedOnly?: boolean }
interface Template { name: string; description: string; attribution?: string; crop: number[]; location: number[] }

const notFound = (e: string | null) => e !== null && /no such api route|not found/i.test(e);

function ChannelsSection() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [text, setText] = useState('');
  const [qualities, setQualities] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    api<Settings>('/api/settings').then((s) => {
      setSettings(s);
      setText(s.channels.map((c) => `${c.name}${c.important ? '!' : ''}${c.url ? `=${c.url}` : ''}`).join('\n'));
      setQualities(s.qualities.join(','));
    }, (e) => setMsg({ ok: false, text: (e as Error).message }));
  }, []);
  const save = async () => {
    try {
      const s = await api<Settings>('/api/settings', { method: 'PUT', body: { channels: text.split('\n').map((l) => l.trim()).filter(Boolean), qualities: qualities.split(',').map((q) => q.trim()).filter(Boolean) } });
      setSettings(s);
      setMsg({ ok: true, text: 'Saved. The recorder picks up the change within seconds.' });
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <div className="settings-section" data-testid="settings-channels">
      <h3>Channels</h3>
      <p className="muted small">One per line: <code>name</code> (Twitch), <code>name!</code> (important: alerts when down), <code>name=https://…m3u8</code> (any HLS).</p>
      <textarea aria-label="Channels" rows={4} value={text} onChange={(e) => setText(e.target.value)} disabled={!settings} />
      <div className="row">
        <label>Qualities <input aria-label="Qualities" value={qualities} onChange={(e) => setQualities(e.target.value)} disabled={!settings} /></label>
        <button type="button" onClick={() => void save()} disabled={!settings}>Save channels</button>
      </div>
      {msg && <p role="status" className={msg.ok ? 'ok' : 'error'}>{msg.text}</p>}
    </div>
  );
}

function AccountsSection({ accounts, error, reload }: { accounts: Account[] | undefined; error: string | null; reload: () => void }) {
  const [form, setForm] = useState({ label: '', clientId: '', clientSecret: '', accountId: '' });
  const secretRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (form.accountId) secretRef.current?.focus(); // "Reconnect" clicked: only the secret is left to type
  }, [form.accountId]);
  const [pending, setPending] = useState<{ authUrl: string | null; label: string } | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  // The bus replays its last message per topic to a new page: only a connect started here is reported.
  const pendingRef = useRef<number | null>(null);
  useEffect(() => subscribe((m) => {
    const mine = pendingRef.current !== null && m.time >= pendingRef.current - 1000;
    if (m.topic === 'account.connected') {
      reload();
      if (!mine) return;
      const d = m.data as { account?: string; label?: string };
      pendingRef.current = null;
      setPending(null);
      setMsg({ ok: true, text: `Connected “${d.label ?? d.account}”.` });
    } else if (m.topic === 'account.connect_failed') {
      if (!mine) return;
      pendingRef.current = null;
      setPending(null);
      setMsg({ ok: false, text: `Connecting failed: ${(m.data as { message?: string }).message ?? 'unknown error'}` });
    } else if (m.topic === 'account.needs_reconnect') reload();
  }), [reload]);

  const connect = async () => {
    setMsg(null);
    const request = { label: form.label.trim(), clientId: form.clientId.trim(), clientSecret: form.clientSecret, ...(form.accountId ? { accountId: form.accountId } : {}) };
    try {
      const shell = desktop();
      pendingRef.current = Date.now();
      if (shell) {
        // The desktop app opens Google's page in the system browser (Google refuses embedded views).
        await shell.connectYouTube(request);
        setPending({ authUrl: null, label: form.label });
      } else {
        const r = await api<{ authUrl: string }>('/api/accounts/youtube/connect', { body: request });
        setPending({ authUrl: r.authUrl, label: form.label });
        window.open(r.authUrl, '_blank');
      }
      setForm({ label: '', clientId: '', clientSecret: '', accountId: '' });
    } catch (e) {
      pendingRef.current = null;
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const disconnect = async (a: Account) => {
    if (!confirm(`Disconnect “${a.label}”? Uploads to its locations stop until it is connected again.`)) return;
    try {
      await api(`/api/accounts/${encodeURIComponent(a.id)}`, { method: 'DELETE' });
      reload();
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const ready = form.label.trim() && form.clientId.trim() && form.clientSecret;

  return (
    <div className="settings-section" data-testid="settings-accounts">
      <h3>YouTube accounts</h3>
      {error ? <p className="muted">{error}</p> : !accounts ? <p className="muted">Loading…</p> : accounts.length === 0 ? <p className="muted">No YouTube account connected yet.</p> : (
        <table>
          <thead><tr><th>account</th><th>YouTube channel</th><th>status</th><th>connected</th><th /></tr></thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id} data-testid={`account-${a.id}`}>
                <td>{a.label} <span className="muted small">({a.id})</span></td>
                <td>{a.channelTitle ?? <span className="muted">—</span>}{a.channelId && <span className="muted small"> {a.channelId}</span>}</td>
                <td data-testid={`account-status-${a.id}`}>{a.status === 'connected' ? <span className="pill up">connected</span> : <><span className="pill down">needs reconnect</span> <span className="small">{a.statusReason}</span></>}</td>
                <td className="small">{new Date(a.connectedAt).toLocaleString()}</td>
                <td><div className="row actions-cell">
                  <button type="button" onClick={() => setForm({ label: a.label, clientId: a.clientId, clientSecret: '', accountId: a.id })} className={a.status === 'needs_reconnect' ? 'primary' : ''}>Reconnect</button>
                  <button type="button" onClick={() => void disconnect(a)}>Disconnect</button>
                </div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="connect-form" onSubmit={(e) => { e.preventDefault(); if (ready) void connect(); }} data-testid="connect-form">
        <h4>{form.accountId ? `Reconnect “${form.accountId}”` : 'Connect a YouTube account'}</h4>
        <p className="muted small">Uses your own Google Cloud OAuth client (type “Desktop app”). Google's consent page opens in a new tab; the refresh token goes to this machine's keychain.</p>
        <div className="row">
          <label>Label <input aria-label="Account label" value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value })} placeholder="Main channel" /></label>
          <label>Client ID <input aria-label="OAuth client ID" className="wide" value={form.clientId} onChange={(e) => setForm({ ...form, clientId: e.target.value })} placeholder="….apps.googleusercontent.com" /></label>
          <label>Client secret <input ref={secretRef} aria-label="OAuth client secret" type="password" autoComplete="off" value={form.clientSecret} onChange={(e) => setForm({ ...form, clientSecret: e.target.value })} /></label>
          <button type="submit" className="primary" disabled={!ready} data-testid="connect-youtube">{form.accountId ? 'Reconnect' : 'Connect YouTube'}</button>
          {form.accountId && <button type="button" onClick={() => setForm({ label: '', clientId: '', clientSecret: '', accountId: '' })}>Cancel</button>}
        </div>
      </form>
      {pending && (
        <p className="note" data-testid="connect-pending">
          {pending.authUrl
            ? <>Finish signing in to Google in the tab that opened for “{pending.label}” (or <a href={pending.authUrl} target="_blank" rel="noreferrer">open it here</a>). Waiting…</>
            : <>Finish signing in to Google in your browser for “{pending.label}”. Waiting…</>}
        </p>
      )}
      {msg && <p role="status" className={msg.ok ? 'ok' : 'error'} data-testid="accounts-message">{msg.text}</p>}
    </div>
  );
}

type Loaded<T> = { data: T | undefined; error: string | null; reload: () => void };

function LocationsSection({ accounts, locations }: { accounts: Account[] | undefined; locations: Loaded<Location[]> }) {
  const { data, error } = locations;
  return (
    <div className="settings-section" data-testid="settings-locations">
      <h3>Upload locations</h3>
      <p className="muted small">Set in the node's config file (<code>uploadLocations</code>).</p>
      {error ? <p className="muted">{notFound(error) ? 'The cutter is not running on this node.' : error}</p> : !data ? <p className="muted">Loading…</p> : data.length === 0 ? <p className="muted">None configured.</p> : (
        <table>
          <thead><tr><th>name</th><th>type</th><th>cut</th><th>destination</th><th>visibility</th></tr></thead>
          <tbody>
            {data.map((l) => {
              const a = accounts?.find((x) => x.id === l.account);
              return (
                <tr key={l.name} data-testid={`location-${l.name}`}>
                  <td><b>{l.name}</b></td>
                  <td>{l.type}</td>
                  <td>{l.cutType}</td>
                  <td>{l.type === 'youtube'
                    ? <>account <b>{l.account}</b> {a ? (a.status === 'connected' ? <span className="ok small">connected{a.channelTitle ? ` (${a.channelTitle})` : ''}</span> : <span className="error small">needs reconnect</span>) : <span className="warn small">not connected yet</span>}</>
                    : <span className="mono small">{l.path}</span>}</td>
                  <td>{l.unlistedOnly ? 'unlisted only' : 'public or unlisted'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes[0] !== 0x89 || bytes[1] !== 0x50 || bytes[2] !== 0x4e || bytes[3] !== 0x47) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

const boxText = (b: number[]) => b.join(',');
function parseBox(t: string): number[] | null {
  const n = t.split(',').map((x) => Number(x.trim()));
  return n.length === 4 && n.every((x) => Number.isInteger(x) && x >= 0) && n[2]! > n[0]! && n[3]! > n[1]! ? n : null;
}

function TemplatesSection({ templates }: { templates: Loaded<Template[]> }) {
  const { data, error, reload } = templates;
  const { streams } = useStreams();
  const [form, setForm] = useState({ name: '', description: '', crop: '', location: '' });
  const [image, setImage] = useState<{ b64: string; width: number; height: number } | null>(null);
  const [frame, setFrame] = useState<{ width: number; height: number } | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [fileKey, setFileKey] = useState(0);
  const [previewChannel, setPreviewChannel] = useState('');
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const [failed, setFailed] = useState<Record<string, boolean>>({});
  const withVideo = streams.filter((s) => s.latestSegment !== null);
  const channel = withVideo.find((s) => s.channel === previewChannel) ?? withVideo[0];
  // A recent frame a few seconds before the newest segment: certainly recorded, and it tells the frame size.
  const frameTime = channel?.latestSegment ? Math.floor((channel.latestSegment - 2 * US) / 1000) * 1000 : null;
  const frameUrl = channel && frameTime !== null ? `/frame/${encodeURIComponent(channel.channel)}/${encodeURIComponent(channel.quality)}.png?timestamp=${isoFromUs(frameTime)}` : null;

  const pick = async (f: File | undefined) => {
    if (!f) return;
    const bytes = new Uint8Array(await f.arrayBuffer());
    const size = pngSize(bytes);
    if (!size) {
      setMsg({ ok: false, text: `${f.name} is not a PNG image` });
      return;
    }
    setImage({ b64: toBase64(bytes), ...size });
    setForm((x) => ({
      ...x,
      name: x.name || f.name.replace(/\.png$/i, '').replace(/[^A-Za-z0-9_ -]/g, '-').slice(0, 64),
      // Default placement: the whole template (its transparent part shows the frame). An empty crop is the whole frame.
      location: x.location || boxText([0, 0, size.width, size.height]),
    }));
  };
  const save = async () => {
    const crop = form.crop.trim() ? parseBox(form.crop) : frame ? [0, 0, frame.width, frame.height] : null;
    const location = parseBox(form.location);
    if (!image || !crop || !location) {
      setMsg({ ok: false, text: !image ? 'Choose a PNG image' : 'Give crop and location as left,top,right,bottom pixels' });
      return;
    }
    try {
      await api(`/api/templates/${encodeURIComponent(form.name.trim())}`, { method: 'PUT', body: { image: image.b64, crop, location, description: form.description } });
      setMsg({ ok: true, text: `Saved template “${form.name.trim()}”.` });
      setForm({ name: '', description: '', crop: '', location: '' });
      setImage(null);
      setFileKey((k) => k + 1);
      reload();
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const remove = async (t: Template) => {
    if (!confirm(`Delete template “${t.name}”?`)) return;
    try {
      await api(`/api/templates/${encodeURIComponent(t.name)}`, { method: 'DELETE' });
      reload();
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const preview = (t: Template) => {
    if (!channel || frameTime === null) return;
    setFailed((f) => ({ ...f, [t.name]: false }));
    setPreviews((p) => ({ ...p, [t.name]: `/thumbnail/${encodeURIComponent(channel.channel)}/${encodeURIComponent(channel.quality)}.png?${new URLSearchParams({ timestamp: isoFromUs(frameTime), template: t.name })}` }));
  };

  return (
    <div className="settings-section" data-testid="settings-templates">
      <h3>Thumbnail templates</h3>
      <p className="muted small">A template is a PNG drawn over a video frame: <b>crop</b> is the part of the frame used, <b>location</b> where it is placed on the template (left,top,right,bottom pixels). Transparent parts of the template show the frame.</p>
      {error ? <p className="muted">{notFound(error) ? 'Templates are not available on this node.' : error}</p> : (
        <div className="templates">
          {(data ?? []).map((t) => (
            <div className="template-card" key={t.name} data-testid={`template-${t.name}`}>
              <img src={`/api/templates/${encodeURIComponent(t.name)}.png`} alt={`Template ${t.name}`} className="template-image" />
              <div><b>{t.name}</b> {t.description && <span className="muted small">— {t.description}</span>}</div>
              <div className="mono small muted">crop {boxText(t.crop)} → {boxText(t.location)}</div>
              <div className="row">
                <button type="button" onClick={() => preview(t)} disabled={!frameUrl} data-testid={`template-preview-${t.name}`}>Preview on {channel ? channel.channel : 'a frame'}</button>
                <button type="button" onClick={() => { setForm({ name: t.name, description: t.description, crop: boxText(t.crop), location: boxText(t.location) }); setImage(null); }}>Edit</button>
                <button type="button" onClick={() => void remove(t)}>Delete</button>
              </div>
              {previews[t.name] && (failed[t.name]
                ? <p className="warn small">Template previews are not available on this node yet.</p>
                : <img src={previews[t.name]} alt={`${t.name} on a recorded frame`} className="template-image" data-testid={`template-preview-image-${t.name}`} onError={() => setFailed((f) => ({ ...f, [t.name]: true }))} />)}
            </div>
          ))}
          {data && data.length === 0 && <p className="muted">No templates yet.</p>}
        </div>
      )}
      <div className="template-form" data-testid="template-form">
        <h4>{data?.some((t) => t.name === form.name) ? `Replace “${form.name}”` : 'Add a template'}</h4>
        <div className="row">
          <label>PNG <input key={fileKey} type="file" accept="image/png" aria-label="Template image" onChange={(e) => void pick(e.target.files?.[0])} /></label>
          <label>Name <input aria-label="Template name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
          <label>Description <input aria-label="Template description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} /></label>
        </div>
        <div className="row">
          <label>Crop <input aria-label="Template crop" className={`mono wide ${form.crop && !parseBox(form.crop) ? 'invalid' : ''}`} value={form.crop} placeholder={frame ? `${boxText([0, 0, frame.width, frame.height])} (whole frame)` : 'l,t,r,b'} onChange={(e) => setForm({ ...form, crop: e.target.value })} /></label>
          <label>Location <input aria-label="Template location" className={`mono box ${form.location && !parseBox(form.location) ? 'invalid' : ''}`} value={form.location} placeholder="l,t,r,b" onChange={(e) => setForm({ ...form, location: e.target.value })} /></label>
          <span className="muted small" data-testid="template-sizes">{image ? `template ${image.width}×${image.height}` : ''}{image && frame ? ' · ' : ''}{frame && channel ? `frames on ${channel.channel} are ${frame.width}×${frame.height}` : ''}</span>
          <button type="button" className="primary" onClick={() => void save()} disabled={!form.name.trim() || !image} data-testid="template-save">Save template</button>
        </div>
        {withVideo.length > 1 && (
          <label className="small">Preview channel <select aria-label="Preview channel" value={channel?.channel ?? ''} onChange={(e) => setPreviewChannel(e.target.value)}>
            {withVideo.map((s) => <option key={s.channel} value={s.channel}>{s.channel}</option>)}
          </select></label>
        )}
        {frameUrl && <img src={frameUrl} alt="" hidden onLoad={(e) => setFrame({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} />}
      </div>
      {msg && <p role="status" className={msg.ok ? 'ok' : 'error'} data-testid="templates-message">{msg.text}</p>}
    </div>
  );
}

interface PlaylistStatus { state: 'disabled' | 'new' | 'ok' | 'pending' | 'error' | 'blocked'; items: number | null; pending: { inserts: number; moves: number; removals: number }; last_error: string | null; blocked: string | null; last_run_at: string | null; quota_today?: { units: number; budget: number } }
interface Playlist { id: string; url: string; name: string; account: string | null; location: string | null; tags: string[]; default_template: string | null; show_in_description: boolean; enabled: boolean; revision: number; status: PlaylistStatus }

const PL_STATE: Record<PlaylistStatus['state'], string> = { disabled: 'disabled', new: 'not synced yet', ok: 'in sync', pending: 'changes pending', error: 'error', blocked: 'needs attention' };

function PlaylistsSection({ locations, templates }: { locations: Location[] | undefined; templates: Template[] | undefined }) {
  const { data, error, reload } = useApi<{ playlists: Playlist[] }>('/api/playlists', { topics: ['playlist.status', 'playlists.changed'] });
  const yt = (locations ?? []).filter((l) => l.type === 'youtube');
  const [form, setForm] = useState({ id: '', name: '', location: '', tags: '', template: '', describe: false });
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const location = form.location || yt[0]?.name || '';
  const idFromInput = (t: string) => /[?&]list=([A-Za-z0-9_-]+)/.exec(t)?.[1] ?? t.trim();
  const add = async () => {
    try {
      await api('/api/playlists', {
        body: {
          id: idFromInput(form.id), name: form.name.trim(), location, tags: form.tags.split(',').map((x) => x.trim()).filter(Boolean),
          default_template: form.template || null, show_in_description: form.describe,
        },
      });
      setMsg({ ok: true, text: `Managing “${form.name.trim()}”. Matching published videos are added within a minute.` });
      setForm({ id: '', name: '', location: '', tags: '', template: '', describe: false });
      reload();
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const act = async (p: Playlist, what: 'sync' | 'delete' | 'toggle') => {
    try {
      if (what === 'sync') await api(`/api/playlists/${encodeURIComponent(p.id)}/sync`, { body: { full: true } });
      else if (what === 'toggle') await api(`/api/playlists/${encodeURIComponent(p.id)}`, { method: 'PUT', body: { baseRevision: p.revision, enabled: !p.enabled } });
      else {
        if (!confirm(`Stop managing “${p.name}”? The playlist on YouTube is left as it is.`)) return;
        await api(`/api/playlists/${encodeURIComponent(p.id)}`, { method: 'DELETE' });
      }
      reload();
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  if (error && notFound(error)) {
    return <div className="settings-section" data-testid="settings-playlists"><h3>Playlists</h3><p className="muted">Playlist sync is not running on this node.</p></div>;
  }
  return (
    <div className="settings-section" data-testid="settings-playlists">
      <h3>Playlists</h3>
      <p className="muted small">Existing YouTube playlists kept in sync by tags: every published video whose tags include all of a playlist's tags is added, in event order.</p>
      {error ? <p className="error">{error}</p> : !data ? <p className="muted">Loading…</p> : data.playlists.length === 0 ? <p className="muted">No playlists managed yet.</p> : (
        <table>
          <thead><tr><th>playlist</th><th>tags</th><th>uploads from</th><th>videos</th><th>status</th><th /></tr></thead>
          <tbody>
            {data.playlists.map((p) => (
              <tr key={p.id} data-testid={`playlist-${p.id}`}>
                <td><a href={p.url} target="_blank" rel="noreferrer">{p.name}</a><div className="muted small mono">{p.id}</div></td>
                <td>{p.tags.length ? p.tags.map((t) => <span key={t} className="tag">{t}</span>) : <span className="muted">every video</span>}</td>
                <td>{p.location ?? p.account}</td>
                <td data-testid={`playlist-items-${p.id}`}>{p.status.items ?? '—'}</td>
                <td>
                  <span className={`pill ${p.status.state === 'ok' ? 'up' : p.status.state === 'error' || p.status.state === 'blocked' ? 'down' : ''}`}>{PL_STATE[p.status.state]}</span>
                  {(p.status.pending.inserts + p.status.pending.moves + p.status.pending.removals) > 0 && <span className="muted small"> +{p.status.pending.inserts} ↕{p.status.pending.moves} −{p.status.pending.removals}</span>}
                  {(p.status.blocked ?? p.status.last_error) && <div className="error small">{p.status.blocked ?? p.status.last_error}</div>}
                </td>
                <td><div className="row actions-cell">
                  <button type="button" onClick={() => void act(p, 'sync')}>Sync now</button>
                  <button type="button" onClick={() => void act(p, 'toggle')}>{p.enabled ? 'Pause' : 'Resume'}</button>
                  <button type="button" onClick={() => void act(p, 'delete')}>Remove</button>
                </div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="connect-form" data-testid="playlist-form" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <h4>Manage a playlist</h4>
        <div className="row">
          <label>Playlist ID or URL <input aria-label="Playlist ID" className="wide" value={form.id} onChange={(e) => setForm({ ...form, id: e.target.value })} placeholder="PL… or https://www.youtube.com/playlist?list=…" /></label>
          <label>Name <input aria-label="Playlist name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        </div>
        <div className="row">
          <label>Tags <input aria-label="Playlist tags" value={form.tags} onChange={(e) => setForm({ ...form, tags: e.target.value })} placeholder="comma separated; empty = all" /></label>
          <label>Upload location <select aria-label="Playlist location" value={location} onChange={(e) => setForm({ ...form, location: e.target.value })}>
            {yt.map((l) => <option key={l.name} value={l.name}>{l.name}</option>)}
          </select></label>
          <label>Default template <select aria-label="Playlist default template" value={form.template} onChange={(e) => setForm({ ...form, template: e.target.value })}>
            <option value="">—</option>
            {(templates ?? []).map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
          </select></label>
          <label><input type="checkbox" checked={form.describe} onChange={(e) => setForm({ ...form, describe: e.target.checked })} /> link in descriptions</label>
          <button type="submit" className="primary" disabled={!form.id.trim() || !form.name.trim() || !location} data-testid="playlist-add">Add playlist</button>
        </div>
        {yt.length === 0 && <p className="muted small">Needs a YouTube upload location.</p>}
      </form>
      {msg && <p role="status" className={msg.ok ? 'ok' : 'error'} data-testid="playlists-message">{msg.text}</p>}
    </div>
  );
}

export function SettingsScreen() {
  // Accounts change state on connects and when an upload finds a grant revoked (the cutter then reports a failed upload).
  const accounts = useApi<Account[]>('/api/accounts', { topics: ['account.connected', 'account.needs_reconnect', 'upload.failed'] });
  const locations = useApi<Location[]>('/api/locations');
  const templates = useApi<Template[]>('/api/templates');
  const accountsError = accounts.error && notFound(accounts.error) ? 'The cutter is not running on this node.' : accounts.error;
  return (
    <section data-testid="settings">
      <h2>Settings</h2>
      <ChannelsSection />
      <AccountsSection accounts={accounts.data} error={accountsError} reload={accounts.reload} />
      <LocationsSection accounts={accounts.data} locations={locations} />
      <TemplatesSection templates={templates} />
      <PlaylistsSection locations={locations.data} templates={templates.data} />
    </section>
  );
}

