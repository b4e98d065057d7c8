/**
 * The chapters of one range in the editor (wubloader's per-range chapter list): time (wall-clock, like
 * the range fields) with set-to-playhead and play-from buttons, where it lands in the output video,
 * the title, remove; "+ chapter" below. The first chapter is fixed at the start of range 1, so its
 * time cannot be edited or removed here. All logic lives in editor/chapters.ts.
 */
import { useEffect, useRef } from 'react';
import type { ListedChapter } from '../editor/chapters.ts';
import type { Chapter, Issue } from '../editor/model.ts';
import { TimeField } from './TimeField.tsx';

export interface ChapterListProps {
  range: number;
  /** this range's chapters, from listChapters (so numbered across the whole video) */
  listed: ListedChapter[];
  /** index of the chapter fixed at 0:00 */
  pinned: number | null;
  /** problems to mark on the rows (fields `chapters.<index>`) */
  issues: Issue[];
  near: number;
  disabled: boolean;
  /** focus this chapter's title (a new object each time it should happen) */
  focus: { index: number } | null;
  onChange: (index: number, patch: Partial<Chapter>) => void;
  onRemove: (index: number) => void;
  onAdd: () => void;
  playhead: () => number | null;
  seek: (us: number) => void;
}

export function ChapterList({ range, listed, pinned, issues, near, disabled, focus, onChange, onRemove, onAdd, playhead, seek }: ChapterListProps) {
  const titles = useRef(new Map<number, HTMLInputElement>());
  useEffect(() => {
    if (focus) titles.current.get(focus.index)?.focus();
  }, [focus]);
  return (
    <div className="chapters" data-testid={`chapters-range-${range}`}>
      {listed.map((x) => {
        const fixed = x.index === pinned;
        const problems = issues.filter((i) => i.field === `chapters.${x.index}`).map((i) => i.message);
        const k = x.n - 1;
        return (
          <div key={x.index} className={`chapter row ${problems.length ? 'has-issue' : ''}`} data-testid={`chapter-${k}`} title={problems.join('\n') || undefined}>
            <span className="chapter-n" title={`Chapter ${x.n} of the video`}>ch {x.n}</span>
            <TimeField label={`Chapter ${x.n} time`} testId={`chapter-${k}-time`} near={near} value={x.chapter.time} disabled={disabled || fixed}
              title={fixed ? 'The first chapter is fixed at the start of range 1 (0:00 in the video)' : undefined}
              onChange={(v) => onChange(x.index, { time: v })} />
            <button type="button" disabled={disabled || fixed} onClick={() => { const t = playhead(); if (t != null) onChange(x.index, { time: t }); }} title="Set to the playhead">⌖</button>
            <button type="button" disabled={x.chapter.time === null} onClick={() => x.chapter.time !== null && seek(x.chapter.time)} title="Play from here">▶</button>
            <span className="mono small chapter-at" data-testid={`chapter-${k}-at`} title="Where the chapter starts in the uploaded video">{x.stamp ?? '–:––'}</span>
            <input aria-label={`Chapter ${x.n} title`} data-testid={`chapter-${k}-title`} className="chapter-title" disabled={disabled} value={x.chapter.description} placeholder="Chapter title"
              ref={(el) => { if (el) titles.current.set(x.index, el); else titles.current.delete(x.index); }}
              onChange={(e) => onChange(x.index, { description: e.target.value })} />
            <button type="button" disabled={disabled || fixed} onClick={() => onRemove(x.index)} aria-label={`Remove chapter ${x.n}`}
              title={fixed ? 'The first chapter is required; turn chapters off to drop them all' : 'Remove this chapter'}>−</button>
          </div>
        );
      })}
      <button type="button" className="small" disabled={disabled} onClick={onAdd} data-testid={`add-chapter-${range}`} title={`Add a chapter to range ${range + 1} (n adds one at the playhead)`}>+ chapter</button>
    </div>
  );
}
