/**
 * Keyboard map of the editor and player. wubloader's set (0-9, k/space, m, j/l, J/L, arrows,
 * Shift+arrows, , . < >, speed keys, [ ]) plus LosslessCut-style i/o for in/out points. Where the two
 * disagree, LosslessCut's i/o win (o sets the out point); wubloader's "o = previous range" moves to
 * Shift+P. `n` adds a chapter at the playhead: a letter neither wubloader nor LosslessCut's default
 * map uses (LosslessCut's c is "capture snapshot", b "split segment"), n for "new chapter".
 * Pure: the component decides what each action does. Keys typed into inputs never arrive here.
 */
export type Action =
  | { type: 'seekPercent'; pct: number }
  | { type: 'togglePlay' }
  | { type: 'mute' }
  | { type: 'seek'; seconds: number }
  | { type: 'frame'; frames: number }
  | { type: 'speed'; change: 'up' | 'down' | 'max' | 'min' | 'reset' }
  | { type: 'setStart' }
  | { type: 'setEnd' }
  | { type: 'prevRange' }
  | { type: 'nextRange' }
  | { type: 'addChapter' }
  | { type: 'saveDraft' }
  | { type: 'submit' }
  | { type: 'help' };

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export const SPEEDS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 4, 8];

export function keyToAction(e: KeyLike, editor: boolean): Action | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod) {
    if (e.key === 's' && editor) return { type: 'saveDraft' };
    if (e.key === 'Enter' && editor) return { type: 'submit' };
    return null;
  }
  if (e.altKey) return null;
  if (/^[0-9]$/.test(e.key)) return { type: 'seekPercent', pct: Number(e.key) * 10 };
  switch (e.key) {
    case ' ': case 'k': case 'K': return { type: 'togglePlay' };
    case 'm': return { type: 'mute' };
    case 'j': return { type: 'seek', seconds: -10 };
    case 'l': return { type: 'seek', seconds: 10 };
    case 'J': return { type: 'seek', seconds: -1 };
    case 'L': return { type: 'seek', seconds: 1 };
    case 'ArrowLeft': return { type: 'seek', seconds: e.shiftKey ? -60 : -5 };
    case 'ArrowRight': return { type: 'seek', seconds: e.shiftKey ? 60 : 5 };
    case ',': case '<': return { type: 'frame', frames: -1 };
    case '.': case '>': return { type: 'frame', frames: 1 };
    case '=': return { type: 'speed', change: 'up' };
    case '-': return { type: 'speed', change: 'down' };
    case '+': return { type: 'speed', change: 'max' };
    case '_': return { type: 'speed', change: 'min' };
    case 'Backspace': return { type: 'speed', change: 'reset' };
    case '?': return { type: 'help' };
  }
  if (!editor) return null;
  switch (e.key) {
    case '[': case 'i': return { type: 'setStart' };
    case ']': case 'o': return { type: 'setEnd' };
    case 'p': return { type: 'nextRange' };
    case 'P': return { type: 'prevRange' };
    case 'n': return { type: 'addChapter' };
  }
  return null;
}

export function nextSpeed(current: number, change: 'up' | 'down' | 'max' | 'min' | 'reset'): number {
  const i = SPEEDS.indexOf(current);
  const idx = i < 0 ? SPEEDS.indexOf(1) : i;
  switch (change) {
    case 'up': return SPEEDS[Math.min(SPEEDS.length - 1, idx + 1)]!;
    case 'down': return SPEEDS[Math.max(0, idx - 1)]!;
    case 'max': return current < 2 ? 2 : SPEEDS[SPEEDS.length - 1]!;
    case 'min': return SPEEDS[0]!;
    case 'reset': return 1;
  }
}

export const SHORTCUT_HELP: [string, string][] = [
  ['Space / k', 'play / pause'], ['j / l', 'back / forward 10 s'], ['J / L', 'back / forward 1 s'],
  ['← / →', 'back / forward 5 s (Shift: 60 s)'], [', / .', 'previous / next frame'], ['0–9', 'jump to 0–90 %'],
  ['= / -', 'faster / slower'], ['+ / _ / Backspace', '2x or max / slowest / 1x'], ['m', 'mute'],
  ['i or [', 'set start of the active range to the playhead'], ['o or ]', 'set end of the active range'],
  ['p / P', 'next range (adds one at the end) / previous range'],
  ['n', 'add a chapter at the playhead and type its title (turns chapters on)'], ['Ctrl+S', 'save draft'], ['Ctrl+Enter', 'submit'], ['?', 'this help'],
];
