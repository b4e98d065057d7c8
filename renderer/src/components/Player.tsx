/**
 * hls.js player with wall-clock time. Media time maps to wall-clock through the fragments'
 * PROGRAM-DATE-TIME (which every restreamer playlist carries), so ranges and marks are stored as real
 * times, independent of holes and of where the player's timeline happens to start.
 *
 * A playlist that does not exist yet (a channel whose recording has not started) or a network failure is
 * retried every few seconds instead of leaving a dead player; the message says what it is waiting for.
 */
import Hls from 'hls.js';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { clock, duration } from '../lib/time.ts';
import { mediaToWall, wallToMedia, type Frag } from '../lib/wallclock.ts';
import { SPEEDS } from '../editor/shortcuts.ts';

export interface PlayerHandle {
  video: HTMLVideoElement | null;
  /** wall-clock µs of the playhead (null until the playlist is parsed) */
  wallTime(): number | null;
  seekWall(us: number): void;
  seekBy(seconds: number): void;
  levels(): string[];
  setLevel(i: number): void;
}

function fragments(hls: Hls | null): Frag[] {
  const lvl = hls?.levels[Math.max(0, hls.currentLevel)] ?? hls?.levels[0];
  return (lvl?.details?.fragments ?? []) as unknown as Frag[];
}

const RETRY_MS = 3000;

export const Player = forwardRef<PlayerHandle, {
  src: string;
  /** wall-clock µs to start at */
  startAt?: number | null;
  onTime?: (wallUs: number | null, mediaSeconds: number) => void;
  /** ms from `t0` (performance.now(), default: when the player mounted) to the first decoded frame */
  onFirstFrame?: (ms: number) => void;
  t0?: number;
  /** what the player is for, shown while waiting ("the recording", "this window") */
  waitingFor?: string;
}>(function Player({ src, startAt, onTime, onFirstFrame, t0, waitingFor = 'the recording' }, ref) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const mountedAt = useRef(t0 ?? performance.now());
  const firstFrameSent = useRef(false);
  const [attempt, setAttempt] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState({ t: 0, d: 0, wall: null as number | null, paused: true, rate: 1, muted: false });

  useImperativeHandle(ref, () => ({
    get video() {
      return videoRef.current;
    },
    wallTime: () => (videoRef.current ? mediaToWall(fragments(hlsRef.current), videoRef.current.currentTime) : null),
    seekWall: (us) => {
      const t = wallToMedia(fragments(hlsRef.current), us);
      if (t !== null && videoRef.current) videoRef.current.currentTime = Math.max(0, t);
    },
    seekBy: (s) => {
      const v = videoRef.current;
      if (v) v.currentTime = Math.max(0, Math.min(Number.isFinite(v.duration) ? v.duration : Infinity, v.currentTime + s));
    },
    levels: () => (hlsRef.current?.levels ?? []).map((l) => l.name || `${l.height}p`),
    setLevel: (i) => {
      if (hlsRef.current) hlsRef.current.currentLevel = i;
    },
  }), []);

  useEffect(() => {
    const video = videoRef.current!;
    const saved = Number(localStorage.getItem('tapedeck.volume') ?? '0.5');
    video.volume = Number.isFinite(saved) ? Math.min(1, Math.max(0, saved)) : 0.5;
    const onVolume = () => localStorage.setItem('tapedeck.volume', String(video.volume));
    video.addEventListener('volumechange', onVolume);
    return () => video.removeEventListener('volumechange', onVolume);
  }, []);

  useEffect(() => {
    const video = videoRef.current!;
    if (!src) return;
    let retry: ReturnType<typeof setTimeout> | null = null;
    // maxBufferHole large: playlists have DISCONTINUITY at holes, and we want playback to jump them.
    const hls = new Hls({ maxBufferHole: 600, enableWorker: true, lowLatencyMode: false, maxBufferLength: 20 });
    hlsRef.current = hls;
    let positioned = startAt == null;
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (!d.fatal) return;
      if (d.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
        return;
      }
      const code = d.response?.code;
      setError(code === 404
        ? `Waiting for ${waitingFor}: nothing recorded here yet (retrying)`
        : `Playback error: ${d.details}${code ? ` (HTTP ${code})` : ''} (retrying)`);
      retry = setTimeout(() => setAttempt((a) => a + 1), RETRY_MS);
    });
    hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
      setError(null);
      if (positioned) return;
      positioned = true;
      const t = wallToMedia(data.details.fragments as unknown as Frag[], startAt!);
      if (t !== null && t > 0) {
        video.currentTime = t;
        hls.startLoad(t);
      }
    });
    const firstFrame = () => {
      if (firstFrameSent.current) return;
      firstFrameSent.current = true;
      onFirstFrame?.(performance.now() - mountedAt.current);
    };
    video.addEventListener('loadeddata', firstFrame);
    hls.loadSource(src);
    hls.attachMedia(video);
    return () => {
      if (retry) clearTimeout(retry);
      video.removeEventListener('loadeddata', firstFrame);
      hls.destroy();
      hlsRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src, attempt]);

  useEffect(() => {
    const video = videoRef.current!;
    const update = () => {
      const wall = mediaToWall(fragments(hlsRef.current), video.currentTime);
      setStatus({ t: video.currentTime, d: Number.isFinite(video.duration) ? video.duration : 0, wall, paused: video.paused, rate: video.playbackRate, muted: video.muted });
      onTime?.(wall, video.currentTime);
    };
    const events = ['timeupdate', 'seeked', 'play', 'pause', 'ratechange', 'durationchange', 'volumechange', 'loadeddata'];
    events.forEach((e) => video.addEventListener(e, update));
    return () => events.forEach((e) => video.removeEventListener(e, update));
  }, [onTime]);

  const toggle = () => {
    const v = videoRef.current!;
    if (v.paused) void v.play().catch(() => {});
    else v.pause();
  };

  return (
    <div className="player">
      <video ref={videoRef} playsInline onClick={toggle} data-testid="video" />
      <div className="player-bar">
        <button type="button" onClick={toggle} aria-label={status.paused ? 'Play' : 'Pause'} title="Play / pause (Space or k)">
          {status.paused ? '▶' : '❚❚'}
        </button>
        <span className="mono" data-testid="wall-clock" title="playhead, wall-clock UTC">{status.wall !== null ? clock(status.wall) : '--:--:--.---'} UTC</span>
        <span className="mono muted">{duration(status.t)} / {duration(status.d)}</span>
        <input
          type="range" min={0} max={status.d || 0} step={0.01} value={status.t} aria-label="Seek" className="seek"
          onChange={(e) => { videoRef.current!.currentTime = Number(e.target.value); }}
        />
        <button type="button" onClick={() => { videoRef.current!.muted = !videoRef.current!.muted; }} aria-label={status.muted ? 'Unmute' : 'Mute'} title="Mute (m)">
          {status.muted ? 'unmute' : 'mute'}
        </button>
        <select aria-label="Playback speed" value={status.rate} onChange={(e) => { videoRef.current!.playbackRate = Number(e.target.value); }} title="Speed (= and -)">
          {SPEEDS.map((s) => <option key={s} value={s}>{s}x</option>)}
        </select>
      </div>
      {error && <div className="warn small" role="status" data-testid="player-status">{error}</div>}
    </div>
  );
});
