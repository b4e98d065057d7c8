/**
 * A wall-clock time input (UTC time of day or full ISO time, shown with microseconds). What is typed is
 * committed on Enter or when the field loses focus; text that does not parse keeps the old value and
 * is marked invalid meanwhile. Used for range edges, chapter times and the thumbnail frame.
 */
import { useEffect, useState } from 'react';
import { clockUs, isoFromUs, parseTimeNear } from '../lib/time.ts';

export function TimeField({ label, value, near, onChange, testId, disabled, title }: {
  label: string; value: number | null; near: number; onChange: (v: number | null) => void; testId?: string; disabled?: boolean; title?: string;
}) {
  const [text, setText] = useState(value === null ? '' : clockUs(value));
  useEffect(() => setText(value === null ? '' : clockUs(value)), [value]);
  const bad = text !== '' && parseTimeNear(text, near) === null;
  const commit = () => onChange(text === '' ? null : parseTimeNear(text, near) ?? value);
  return (
    <input
      aria-label={label} data-testid={testId} className={`mono time ${bad ? 'invalid' : ''}`} value={text} placeholder="HH:MM:SS.ffffff" disabled={disabled}
      title={title ?? (value !== null ? `${isoFromUs(value)} (UTC; type a time of day or a full ISO time)` : 'UTC time of day or full ISO time')}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => { if (e.key === 'Enter') commit(); }}
    />
  );
}
