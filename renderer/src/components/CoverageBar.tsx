/**
 * Recording coverage over a window: ONE /api/coverage request per visible window, asking for as many
 * buckets as the bar is wide in CSS pixels (never more than 2000), drawn on a canvas. Full = green,
 * partial/suspect = amber, hole = grey. However long the window (72 hours of 2-second segments is
 * 130,000 files per channel), the page only ever receives one number pair per pixel. Optional drag selection.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../lib/api.ts';
import { bucketsFor } from '../lib/coverage.ts';
import { clock, isoFromUs } from '../lib/time.ts';

interface Coverage { start: number; end: number; buckets: { full: number; partial: number }[]; latest: number | null }

export function CoverageBar({ channel, quality, start, end, refreshKey = 0, onSelect, selection, marker, onLatest }: {
  channel: string; quality: string; start: number; end: number; refreshKey?: number;
  onSelect?: (start: number, end: number) => void; selection?: [number, number] | null;
  /** a time to mark with a white line (e.g. the playhead) */
  marker?: number | null;
  /** the end of the newest segment in the store (from the coverage answer) */
  onLatest?: (us: number | null) => void;
}) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [cov, setCov] = useState<Coverage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const drag = useRef<number | null>(null);
  const [dragNow, setDragNow] = useState<[number, number] | null>(null);
  const buckets = bucketsFor(width, Math.round(end - start));

  useEffect(() => {
    const el = wrap.current!;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  // One request at a time per bar. A refresh that only slides the window (the clock ticked) waits for
  // the request in flight instead of aborting it, so a slow server still gets to answer; any other
  // change (channel, zoom, width) replaces it.
  const inflight = useRef<{ key: string; ctl: AbortController } | null>(null);
  useEffect(() => {
    if (buckets === 0) return;
    const key = `${channel}\0${quality}\0${buckets}\0${end - start}`;
    if (inflight.current) {
      if (inflight.current.key === key) return;
      inflight.current.ctl.abort();
    }
    const ctl = new AbortController();
    const mine = { key, ctl };
    inflight.current = mine;
    api<Coverage>(`/api/coverage/${encodeURIComponent(channel)}/${encodeURIComponent(quality)}?start=${isoFromUs(start)}&end=${isoFromUs(end)}&buckets=${buckets}`, { signal: ctl.signal })
      .then((c) => { setCov(c); setError(null); onLatest?.(c.latest); }, (e) => { if (!ctl.signal.aborted) setError((e as Error).message); })
      .finally(() => { if (inflight.current === mine) inflight.current = null; });
  }, [channel, quality, start, end, buckets, refreshKey]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => inflight.current?.ctl.abort(), []);

  const shownSelection = dragNow ?? selection ?? null;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !cov) return;
    const g = c.getContext('2d')!;
    const w = c.width / cov.buckets.length;
    g.clearRect(0, 0, c.width, c.height);
    cov.buckets.forEach((b, i) => {
      g.fillStyle = '#3a3f47';
      g.fillRect(i * w, 0, w + 0.5, c.height);
      g.fillStyle = '#2fbf71';
      g.fillRect(i * w, c.height * (1 - b.full), w + 0.5, c.height * b.full);
      g.fillStyle = '#e0a030';
      g.fillRect(i * w, c.height * (1 - b.full - b.partial), w + 0.5, c.height * b.partial);
    });
    const x = (t: number) => ((t - cov.start) / (cov.end - cov.start)) * c.width;
    if (shownSelection) {
      const x0 = x(shownSelection[0]);
      const x1 = x(shownSelection[1]);
      g.fillStyle = 'rgba(230, 60, 60, 0.55)';
      g.fillRect(Math.min(x0, x1), 0, Math.max(1, Math.abs(x1 - x0)), c.height);
    }
    if (marker != null && marker >= cov.start && marker <= cov.end) {
      g.fillStyle = '#ffffff';
      g.fillRect(x(marker) - 0.5, 0, 1.5, c.height);
    }
  }, [cov, shownSelection, marker]);

  const timeAt = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return start + Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * (end - start);
  };
  const covered = cov ? cov.buckets.reduce((n, b) => n + b.full + b.partial, 0) / Math.max(1, cov.buckets.length) : null;

  return (
    <div className="coverage" ref={wrap} title={`${clock(start)} – ${clock(end)} UTC${covered !== null ? ` · ${(covered * 100).toFixed(1)} % recorded` : ''}`}>
      <canvas
        ref={canvas} width={Math.max(1, buckets)} height={16} data-testid={`coverage-${channel}`} data-buckets={cov?.buckets.length ?? 0} data-span={cov ? cov.end - cov.start : 0}
        className={onSelect ? 'selectable' : ''}
        onMouseMove={(e) => {
          const t = timeAt(e);
          setHover(t);
          if (drag.current !== null) setDragNow([Math.min(drag.current, t), Math.max(drag.current, t)]);
        }}
        onMouseLeave={() => setHover(null)}
        onMouseDown={onSelect ? (e) => { drag.current = timeAt(e); } : undefined}
        onMouseUp={onSelect ? (e) => {
          if (drag.current !== null) {
            const t = timeAt(e);
            onSelect(Math.min(drag.current, t), Math.max(drag.current, t));
            drag.current = null;
            setDragNow(null);
          }
        } : undefined}
      />
      {hover !== null && <span className="coverage-hover mono small">{clock(hover)}</span>}
      {error && <span className="error small">{error}</span>}
    </div>
  );
}
