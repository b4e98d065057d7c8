/**
 * Which ffmpeg/ffprobe to run (DESIGN §9): FFMPEG_PATH, then ffmpeg-static if it managed to install
 * (it is optional because its installer downloads and fails offline), then a copy packaged next to the
 * app (resources/bin), then whatever is on PATH.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function fromFfmpegStatic(): string | null {
  try {
    const p = require('ffmpeg-static') as string | null;
    return p && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function packaged(name: string): string | null {
  const res = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (!res) return null;
  const p = join(res, 'bin', process.platform === 'win32' ? `${name}.exe` : name);
  return existsSync(p) ? p : null;
}

let cached: { ffmpeg: string; ffprobe: string } | null = null;

export function ffmpegPaths(): { ffmpeg: string; ffprobe: string } {
  if (cached) return cached;
  const ffmpeg = process.env.FFMPEG_PATH || fromFfmpegStatic() || packaged('ffmpeg') || 'ffmpeg';
  let ffprobe = process.env.FFPROBE_PATH || packaged('ffprobe') || '';
  if (!ffprobe) {
    const sibling = join(dirname(ffmpeg), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
    ffprobe = ffmpeg.includes('/') && existsSync(sibling) ? sibling : 'ffprobe';
  }
  cached = { ffmpeg, ffprobe };
  return cached;
}
