/**
 * Settings: channels and qualities (DATA/config.json through /api/settings), YouTube accounts (connect
 * through Google's consent page in a new tab, status including "needs reconnect", reconnect and
 * disconnect), upload locations, thumbnail templates (upload a PNG with its default crop and placement,
 * preview it on a real recorded frame) and playlists. Sections whose API is not on this node say so.
 */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { subscribe } from '../lib/bus.ts';
import { useApi, useStreams } from '../lib/hooks.ts';
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
  const [pending, setPending] = useState<{ authUrl: string; label: string } | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => subscribe((m) => {
    if (m.topic === 'account.connected') {
      const d = m.data as { account?: string; label?: string };
      setPending(null);
      setMsg({ ok: true, text: `Connected “${d.label ?? d.account}”.` });
      reload();
    } else if (m.topic === 'account.connect_failed') {
      setPending(null);
      setMsg({ ok: false, text: `Connecting failed: ${(m.data as { message?: string }).message ?? 'unknown error'}` });
    } else if (m.topic === 'account.needs_reconnect') reload();
  }), [reload]);

  const connect = async () => {
    setMsg(null);
    try {
      const r = await api<{ authUrl: string }>('/api/accounts/youtube/connect', {
        body: { label: form.label.trim(), clientId: form.clientId.trim(), clientSecret: form.clientSecret, ...(form.accountId ? { accountId: form.accountId } : {}) },
      });
      setPending({ authUrl: r.authUrl, label: form.label });
      setForm({ label: '', clientId: '', clientSecret: '', accountId: '' });
      window.open(r.authUrl, '_blank');
    } catch (e) {
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
                <td className="row">
                  <button type="button" onClick={() => setForm({ label: a.label, clientId: a.clientId, clientSecret: '', accountId: a.id })} className={a.status === 'needs_reconnect' ? 'primary' : ''}>Reconnect</button>
                  <button type="button" onClick={() => void disconnect(a)}>Disconnect</button>
                </td>
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
          <label>Client secret <input aria-label="OAuth client secret" type="password" autoComplete="off" value={form.clientSecret} onChange={(e) => setForm({ ...form, clientSecret: e.target.value })} /></label>
          <button type="submit" className="primary" disabled={!ready} data-testid="connect-youtube">{form.accountId ? 'Reconnect' : 'Connect YouTube'}</button>
          {form.accountId && <button type="button" onClick={() => setForm({ label: '', clientId: '', clientSecret: '', accountId: '' })}>Cancel</button>}
        </div>
      </form>
      {pending && <p className="note" data-testid="connect-pending">Finish signing in to Google in the tab that opened for “{pending.label}” (or <a href={pending.authUrl} target="_blank" rel="noreferrer">open it here</a>). Waiting…</p>}
      {msg && <p role="status" className={msg.ok ? 'ok' : 'error'} data-testid="accounts-message">{msg.text}</p>}
    </div>
  );
}

function LocationsSection({ accounts }: { accounts: Account[] | undefined }) {
  const { data, error } = useApi<Location[]>('/api/locations');
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

function TemplatesSection() {
  const { data, error, reload } = useApi<Template[]>('/api/templates');
  const { streams } = useStreams();
  const [form, setForm] = useState({ name: '', description: '', crop: '', location: '' });
  const [image, setImage] = useState<{ b64: string; width: number; height: number } | null>(null);
  const [frame, setFrame] = useState<{ width: number; height: number } | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
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
      // Defaults: the whole frame, scaled onto the whole template (the template's transparent part shows it).
      crop: x.crop || boxText([0, 0, frame?.width ?? 1920, frame?.height ?? 1080]),
      location: x.location || boxText([0, 0, size.width, size.height]),
    }));
  };
  const save = async () => {
    const crop = parseBox(form.crop);
    const location = parseBox(form.location);
    if (!image || !crop || !location) {
      setMsg({ ok: false, text: 'Choose a PNG, and give crop and location as left,top,right,bottom' });
      return;
    }
    try {
      await api(`/api/templates/${encodeURIComponent(form.name.trim())}`, { method: 'PUT', body: { image: image.b64, crop, location, description: form.description } });
      setMsg({ ok: true, text: `Saved template “${form.name.trim()}”.` });
      setForm({ name: '', description: '', crop: '', location: '' });
      setImage(null);
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
          <label>PNG <input type="file" accept="image/png" aria-label="Template image" onChange={(e) => void pick(e.target.files?.[0])} /></label>
          <label>Name <input aria-label="Template name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
          <label>Description <input aria-label="Template description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} /></label>
        </div>
        <div className="row">
          <label>Crop <input aria-label="Template crop" className={`mono box ${form.crop && !parseBox(form.crop) ? 'invalid' : ''}`} value={form.crop} placeholder="l,t,r,b of the frame" onChange={(e) => setForm({ ...form, crop: e.target.value })} /></label>
          <label>Location <input aria-label="Template location" className={`mono box ${form.location && !parseBox(form.location) ? 'invalid' : ''}`} value={form.location} placeholder="l,t,r,b on the template" onChange={(e) => setForm({ ...form, location: e.target.value })} /></label>
          {image && <span className="muted small">template {image.width}×{image.height}{frame ? ` · frames are ${frame.width}×${frame.height}` : ''}</span>}
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

interface PlaylistRow { id?: string; playlistId?: string; playlist_id?: string; name?: string; title?: string; tags?: string[]; location?: string; status?: string; error?: string | null; videos?: number; count?: number }

function PlaylistsSection() {
  const { data, error } = useApi<unknown>('/api/playlists', { topics: ['playlists.changed', 'playlist.status'] });
  const rows = (Array.isArray(data) ? data : ((data as { playlists?: unknown[] } | undefined)?.playlists ?? [])) as PlaylistRow[];
  return (
    <div className="settings-section" data-testid="settings-playlists">
      <h3>Playlists</h3>
      {error ? <p className="muted">{notFound(error) ? 'Playlist sync is not running on this node.' : error}</p> : data === undefined ? <p className="muted">Loading…</p> : rows.length === 0 ? <p className="muted">No playlists.</p> : (
        <table>
          <thead><tr><th>playlist</th><th>tags</th><th>videos</th><th>status</th></tr></thead>
          <tbody>
            {rows.map((p, i) => {
              const pid = p.playlistId ?? p.playlist_id ?? p.id;
              return (
                <tr key={pid ?? i}>
                  <td>{p.title ?? p.name ?? pid} {pid && <a className="small" href={`https://www.youtube.com/playlist?list=${encodeURIComponent(pid)}`} target="_blank" rel="noreferrer">open</a>}</td>
                  <td>{(p.tags ?? []).join(', ')}</td>
                  <td>{p.videos ?? p.count ?? '—'}</td>
                  <td>{p.error ? <span className="error">{p.error}</span> : p.status ?? 'ok'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function SettingsScreen() {
  const accounts = useApi<Account[]>('/api/accounts', { topics: ['account.connected'] });
  const accountsError = accounts.error && notFound(accounts.error) ? 'The cutter is not running on this node.' : accounts.error;
  return (
    <section data-testid="settings">
      <h2>Settings</h2>
      <ChannelsSection />
      <AccountsSection accounts={accounts.data} error={accountsError} reload={accounts.reload} />
      <LocationsSection accounts={accounts.data} />
      <TemplatesSection />
      <PlaylistsSection />
    </section>
  );
}

