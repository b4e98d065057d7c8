/**
 * hls.js player with wall-clock time. Media time maps to wall-clock through the fragments'
 * PROGRAM-DATE-TIME (which every restreamer playlist carries), so ranges and marks are stored as real
 * times, independent of holes and of where the player's timeline happens to start.
 */
import Hls from 'hls.js';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { clock, duration } from '../lib/time.ts';

export interface PlayerHandle {
  video: HTMLVideoElement | null;
  /** wall-clock µs of the playhead (null until the playlist is parsed) */
  wallTime(): number | null;
  seekWall(us: number): void;
  seekBy(seconds: number): void;
  levels(): string[];
  setLevel(i: number): void;
}

interface Frag {
  start: number;
  duration: number;
  programDateTime: number | null;
}

function fragments(hls: Hls | null): Frag[] {
  const lvl = hls?.levels[Math.max(0, hls.currentLevel)] ?? hls?.levels[0];
  return (lvl?.details?.fragments ?? []) as unknown as Frag[];
}

export function mediaToWall(frags: Frag[], t: number): number | null {
  let best: Frag | null = null;
  for (const f of frags) {
    if (f.programDateTime === null) continue;
    if (f.start <= t + 1e-6) best = f;
    else break;
  }
  if (!best) best = frags.find((f) => f.programDateTime !== null) ?? null;
  return best ? Math.round((best.programDateTime! + (t - best.start) * 1000) * 1000) : null;
}

export function wallToMedia(frags: Frag[], us: number): number | null {
  const ms = us / 1000;
  let best: Frag | null = null;
  for (const f of frags) {
    if (f.programDateTime === null) continue;
    if (f.programDateTime <= ms) best = f;
    else break;
  }
  if (!best) best = frags.find((f) => f.programDateTime !== null) ?? null;
  return best ? best.start + (ms - best.programDateTime!) / 1000 : null;
}

export const Player = forwardRef<PlayerHandle, {
  src: string;
  /** wall-clock µs to start at */
  startAt?: number | null;
  onTime?: (wallUs: number | null, mediaSeconds: number) => void;
  onFirstFrame?: (ms: number) => void;
}>(function Player({ src, startAt, onTime, onFirstFrame }, ref) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState({ t: 0, d: 0, wall: null as number | null, paused: true, rate: 1 });

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
      if (v) v.currentTime = Math.max(0, Math.min(v.duration || Infinity, v.currentTime + s));
    },
    levels: () => (hlsRef.current?.levels ?? []).map((l) => l.name || `${l.height}p`),
    setLevel: (i) => {
      if (hlsRef.current) hlsRef.current.currentLevel = i;
    },
  }), []);

  useEffect(() => {
    const video = videoRef.current!;
    const t0 = performance.now();
    setError(null);
    // maxBufferHole large: playlists have DISCONTINUITY at holes, and we want playback to jump them.
    const hls = new Hls({ maxBufferHole: 600, enableWorker: true, lowLatencyMode: false });
    hlsRef.current = hls;
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (!d.fatal) return;
      if (d.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setError(`Playback error: ${d.details}${d.response?.code ? ` (HTTP ${d.response.code})` : ''}`);
    });
    hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
      if (startAt != null && video.currentTime === 0) {
        const t = wallToMedia(data.details.fragments as unknown as Frag[], startAt);
        if (t !== null) video.currentTime = Math.max(0, t);
      }
    });
    const firstFrame = () => {
      onFirstFrame?.(performance.now() - t0);
      video.removeEventListener('loadeddata', firstFrame);
    };
    video.addEventListener('loadeddata', firstFrame);
    hls.loadSource(src);
    hls.attachMedia(video);
    return () => {
      video.removeEventListener('loadeddata', firstFrame);
      hls.destroy();
      hlsRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src]);

  useEffect(() => {
    const video = videoRef.current!;
    const update = () => {
      const wall = mediaToWall(fragments(hlsRef.current), video.currentTime);
      setStatus({ t: video.currentTime, d: video.duration || 0, wall, paused: video.paused, rate: video.playbackRate });
      onTime?.(wall, video.currentTime);
    };
    const events = ['timeupdate', 'seeked', 'play', 'pause', 'ratechange', 'durationchange'];
    events.forEach((e) => video.addEventListener(e, update));
    return () => events.forEach((e) => video.removeEventListener(e, update));
  }, [onTime]);

  return (
    <div className="player">
      <video ref={videoRef} muted={false} playsInline onClick={(e) => (e.currentTarget.paused ? void e.currentTarget.play() : e.currentTarget.pause())} data-testid="video" />
      <div className="player-bar">
        <button type="button" onClick={() => (videoRef.current!.paused ? void videoRef.current!.play() : videoRef.current!.pause())} aria-label={status.paused ? 'Play' : 'Pause'}>
          {status.paused ? '▶' : '❚❚'}
        </button>
        <span className="mono" data-testid="wall-clock">{status.wall !== null ? clock(status.wall) : '--:--:--.---'} UTC</span>
        <span className="mono muted">{duration(status.t)} / {duration(status.d)}</span>
        <span className="muted">{status.rate}x</span>
        <input
          type="range" min={0} max={status.d || 0} step={0.01} value={status.t} aria-label="Seek"
          onChange={(e) => { videoRef.current!.currentTime = Number(e.target.value); }}
          style={{ flex: 1 }}
        />
      </div>
      {error && <div className="error" role="alert">{error}</div>}
    </div>
  );
});
