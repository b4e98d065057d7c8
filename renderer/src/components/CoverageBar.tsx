/**
 * Recording coverage over a window: one /api/coverage request per visible window (buckets = pixels
 * wanted), drawn on a canvas. Full = green, partial/suspect = amber, hole = grey. Optional drag selection.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../lib/api.ts';
import { clock, isoFromUs } from '../lib/time.ts';

interface Coverage { start: number; end: number; buckets: { full: number; partial: number }[]; latest: number | null }

export function CoverageBar({ channel, quality, start, end, buckets = 288, refreshKey = 0, onSelect, selection }: {
  channel: string; quality: string; start: number; end: number; buckets?: number; refreshKey?: number;
  onSelect?: (start: number, end: number) => void; selection?: [number, number] | null;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [cov, setCov] = useState<Coverage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const drag = useRef<number | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    api<Coverage>(`/api/coverage/${encodeURIComponent(channel)}/${encodeURIComponent(quality)}?start=${isoFromUs(start)}&end=${isoFromUs(end)}&buckets=${buckets}`, { signal: ctl.signal })
      .then((c) => { setCov(c); setError(null); }, (e) => { if (!ctl.signal.aborted) setError((e as Error).message); });
    return () => ctl.abort();
  }, [channel, quality, start, end, buckets, refreshKey]);

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
    if (selection) {
      const x0 = ((selection[0] - start) / (end - start)) * c.width;
      const x1 = ((selection[1] - start) / (end - start)) * c.width;
      g.fillStyle = 'rgba(230, 60, 60, 0.45)';
      g.fillRect(Math.min(x0, x1), 0, Math.abs(x1 - x0), c.height);
    }
  }, [cov, selection, start, end]);

  const timeAt = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return start + ((e.clientX - r.left) / r.width) * (end - start);
  };

  return (
    <div className="coverage" title={`${clock(start)} – ${clock(end)} UTC`}>
      <canvas
        ref={canvas} width={buckets} height={16} data-testid={`coverage-${channel}`}
        onMouseDown={onSelect ? (e) => { drag.current = timeAt(e); } : undefined}
        onMouseUp={onSelect ? (e) => { if (drag.current !== null) { const t = timeAt(e); onSelect(Math.min(drag.current, t), Math.max(drag.current, t)); drag.current = null; } } : undefined}
      />
      {error && <span className="error small">{error}</span>}
    </div>
  );
}
