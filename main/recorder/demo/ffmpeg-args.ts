/**
 * The ffmpeg command line of the demo stream: a real-time test pattern with the wall clock burnt in and
 * a beeping tone, encoded H.264 + AAC into a live HLS media playlist (sliding window, PROGRAM-DATE-TIME,
 * one keyframe per segment). Pure functions plus two cheap capability probes, so the arguments can be
 * read and checked without starting anything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** File names inside the demo directory. ffmpeg runs with that directory as its cwd. */
export const PLAYLIST_NAME = 'live.m3u8';
/** %d is the media sequence number, which starts at the epoch second of each ffmpeg start (see below). */
export const SEGMENT_PATTERN = 'demo-%d.ts';
export const SEGMENT_RE = /^demo-\d+\.ts$/;
export const OVERLAY_TEXT_FILE = '.overlay.txt';

export interface DemoEncodeOptions {
  width: number;
  height: number;
  fps: number;
  segmentSeconds: number;
  /** segments kept in the live playlist */
  listSize: number;
  /** e.g. "2000k" */
  videoBitrate: string;
  /** a TrueType/OpenType font for the clock overlay; null = no text (ffmpeg without drawtext or no font) */
  fontFile: string | null;
}

/**
 * A modest bitrate for the picture size: about 0.07 bit per pixel per frame (2 Mbit/s at 720p30),
 * plenty for a synthetic pattern with ultrafast x264 while keeping disk use low during a long demo.
 */
export function defaultVideoBitrate(width: number, height: number, fps: number): string {
  return `${Math.max(200, Math.round((width * height * fps * 0.07) / 1000))}k`;
}

/**
 * Escape a value for a filter option inside a filtergraph string: first the option-value level
 * (\ ' :), then the graph level (\ ' [ ] , ;). Font paths on Windows ("C:\...") need both.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/**
 * Text drawn over the picture. drawtext expands %{gmtime} on every frame (default format
 * "%Y-%m-%d %H:%M:%S"); the text lives in a file so no time-format colons need escaping. UTC because
 * the segment store and PROGRAM-DATE-TIME are UTC: a viewer can compare the picture with the timeline.
 */
export const OVERLAY_TEXT = 'TAPEDECK DEMO  %{gmtime} UTC';

export function demoFfmpegArgs(o: DemoEncodeOptions): string[] {
  const gop = Math.max(1, Math.round(o.fps * o.segmentSeconds));
  const video = o.fontFile
    ? `[0:v]drawtext=fontfile=${escapeFilterValue(o.fontFile)}:textfile=${OVERLAY_TEXT_FILE}:expansion=normal`
      + ':fontsize=h/16:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12:x=(w-tw)/2:y=h-th-h/10[v]'
    : '[0:v]null[v]';
  const bufsize = `${parseInt(o.videoBitrate, 10) * 2}${o.videoBitrate.replace(/^\d+/, '')}`;
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    // -re on each input: the lavfi sources would otherwise run as fast as the CPU allows.
    '-re', '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`,
    // 440 Hz with an 880 Hz beep every second, quiet: audibly "live" without being unbearable.
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=2:sample_rate=48000',
    '-filter_complex', `${video};[1:a]volume=0.1[a]`,
    '-map', '[v]', '-map', '[a]',
    // ultrafast + zerolatency: the demo shares two cores with the recorder and the UI; no lookahead
    // also means a segment is finished as soon as its last frame is produced.
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-b:v', o.videoBitrate, '-maxrate', o.videoBitrate, '-bufsize', bufsize,
    // Exactly one keyframe per segment, at its start, so every segment is independently decodable.
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k',
    '-f', 'hls', '-hls_time', String(o.segmentSeconds), '-hls_list_size', String(o.listSize),
    // delete_segments: the directory holds only the live window. temp_file: segments are written as
    // .tmp and renamed, so the HTTP server never serves a half-written one. omit_endlist: a restart is a
    // continuation of the same "always live" stream, never an end.
    '-hls_flags', 'delete_segments+program_date_time+temp_file+omit_endlist+independent_segments',
    // Media sequence numbers (and segment names) start at the current epoch second, so after an ffmpeg
    // restart they keep increasing (n segments take 2n seconds) and never reuse an old segment's name.
    '-hls_start_number_source', 'epoch',
    '-hls_segment_filename', SEGMENT_PATTERN,
    PLAYLIST_NAME,
  ];
}

/** Does this ffmpeg have the drawtext filter (built with libfreetype)? */
export function hasDrawtext(ffmpeg: string): boolean {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-filters'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /\sdrawtext\s/.test(r.stdout);
}

const FALLBACK_FONTS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf',
  '/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf',
  '/System/Library/Fonts/Menlo.ttc',
  'C:\\Windows\\Fonts\\consolab.ttf',
  'C:\\Windows\\Fonts\\arialbd.ttf',
];

/** A font file for the clock: fontconfig's bold monospace if fc-match exists, else a known path. */
export function findOverlayFont(): string | null {
  const r = spawnSync('fc-match', ['--format=%{file}', 'monospace:bold'], { encoding: 'utf8', timeout: 5000 });
  const viaFontconfig = r.status === 0 ? r.stdout.trim() : '';
  if (viaFontconfig && existsSync(viaFontconfig)) return viaFontconfig;
  return FALLBACK_FONTS.find((p) => existsSync(p)) ?? null;
}
