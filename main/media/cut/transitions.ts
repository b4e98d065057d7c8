/**
 * The transition catalogue (wubloader's KNOWN_XFADE_TRANSITIONS: ffmpeg xfade names) and how each one
 * becomes an xfade filter on the ffmpeg we actually run.
 *
 * ffmpeg builds older than 7.0 (Debian 12's 5.1, ffmpeg-static's 6.x) lack the twelve newest xfade
 * transitions (hl/hr/vu/vd wind, cover*, reveal*). Rather than fail a cut the editor already previewed,
 * those fall back to the closest older transition that moves the edge the same way (the wind ones to
 * the matching slice, cover/reveal to the matching wipe). A few extra named transitions are drawn with
 * xfade's `custom` expression (our own formulas; P runs 1 → 0 over the transition, A = outgoing frame).
 */
import { execFileSync } from 'node:child_process';
import { ffmpegPaths } from '../ffmpeg/resolve.ts';

export const XFADE_TRANSITIONS = [
  'fade', 'fadeblack', 'fadewhite', 'fadegrays', 'wipeleft', 'wiperight', 'wipeup', 'wipedown',
  'slideleft', 'slideright', 'slideup', 'slidedown', 'circlecrop', 'rectcrop', 'distance', 'radial',
  'smoothleft', 'smoothright', 'smoothup', 'smoothdown', 'circleopen', 'circleclose', 'vertopen', 'vertclose',
  'horzopen', 'horzclose', 'dissolve', 'pixelize', 'diagtl', 'diagtr', 'diagbl', 'diagbr',
  'hlslice', 'hrslice', 'vuslice', 'vdslice', 'hblur', 'wipetl', 'wipetr', 'wipebl', 'wipebr',
  'squeezeh', 'squeezev', 'zoomin', 'hlwind', 'hrwind', 'vuwind', 'vdwind',
  'coverleft', 'coverright', 'coverup', 'coverdown', 'revealleft', 'revealright', 'revealup', 'revealdown',
] as const;

/** Closest transition available since ffmpeg 4.3 for each one added in ffmpeg 7. */
const FALLBACKS: Record<string, string> = {
  hlwind: 'hlslice', hrwind: 'hrslice', vuwind: 'vuslice', vdwind: 'vdslice',
  coverleft: 'wipeleft', coverright: 'wiperight', coverup: 'wipeup', coverdown: 'wipedown',
  revealleft: 'wipeleft', revealright: 'wiperight', revealup: 'wipeup', revealdown: 'wipedown',
};

// Progress q = 1-P grows 0 → 1; "B" once a pixel is inside the growing shape.
const Q = '(1-P)';
const ANGLE = `(atan2(X-W/2,H/2-Y)+2*PI)`; // clockwise from 12 o'clock, shifted positive
export const CUSTOM_TRANSITIONS: Record<string, string> = {
  clockwipe: `if(lt(mod(${ANGLE},2*PI),2*PI*${Q}),B,A)`,
  diamondwipe: `if(lt(abs(X-W/2)/(W/2)+abs(Y-H/2)/(H/2),2*${Q}),B,A)`,
  // A five-pointed star (radius modulated by |cos(2.5θ)|) growing from the centre until it covers all.
  starwipe: `if(lt(hypot(X-W/2,Y-H/2)/hypot(W/2,H/2),2*${Q}*(0.5+0.5*abs(cos(2.5*${ANGLE})))),B,A)`,
};

export const KNOWN_TRANSITIONS: readonly string[] = [...XFADE_TRANSITIONS, ...Object.keys(CUSTOM_TRANSITIONS)];

export class UnknownTransition extends Error {
  readonly status = 400;
  constructor(name: string) {
    super(`Unknown transition ${JSON.stringify(name)}; known transitions: ${KNOWN_TRANSITIONS.join(', ')}`);
  }
}

export function assertKnownTransition(name: string): void {
  if (!KNOWN_TRANSITIONS.includes(name)) throw new UnknownTransition(name);
}

const supportedCache = new Map<string, Set<string>>();

/** xfade transition names the ffmpeg we run supports (parsed once from `ffmpeg -h filter=xfade`). */
export function supportedXfade(): Set<string> {
  const bin = ffmpegPaths().ffmpeg;
  let set = supportedCache.get(bin);
  if (!set) {
    set = new Set();
    try {
      const help = execFileSync(bin, ['-hide_banner', '-h', 'filter=xfade'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      let inTransitions = false;
      for (const line of help.split('\n')) {
        if (/^\s+transition\s/.test(line)) inTransitions = true;
        else if (inTransitions && /^\s{3}\S/.test(line)) inTransitions = false;
        else if (inTransitions) {
          const m = /^\s+([a-z]+)\s+-?\d+\s/.exec(line);
          if (m) set.add(m[1]!);
        }
      }
    } catch {
      // Unknown ffmpeg: assume the 4.3-era set is there; a real failure will surface from the cut.
    }
    if (set.size === 0) for (const n of XFADE_TRANSITIONS) if (!(n in FALLBACKS)) set.add(n);
    supportedCache.set(bin, set);
  }
  return set;
}

/** The xfade option string (without duration/offset) for a catalogue transition. */
export function xfadeOptions(name: string): string {
  assertKnownTransition(name);
  const custom = CUSTOM_TRANSITIONS[name];
  if (custom) return `transition=custom:expr='${custom}'`;
  const supported = supportedXfade();
  const actual = supported.has(name) ? name : FALLBACKS[name] ?? name;
  return `transition=${actual}`;
}

/** Both filters of a transition between labelled inputs, for a filter graph. */
export function transitionFilters(
  name: string, durationS: number, offsetS: number,
  inV: [string, string], inA: [string, string] | null, outV: string, outA: string | null,
): string[] {
  const d = durationS.toFixed(6);
  const out = [`[${inV[0]}][${inV[1]}]xfade=${xfadeOptions(name)}:duration=${d}:offset=${offsetS.toFixed(6)}[${outV}]`];
  if (inA && outA) out.push(`[${inA[0]}][${inA[1]}]acrossfade=d=${d}[${outA}]`);
  return out;
}
