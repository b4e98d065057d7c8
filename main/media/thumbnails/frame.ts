/**
 * The video frame at a moment of the recording, as PNG — the picture for BARE and TEMPLATE thumbnails
 * and for previews. Frame-exact the same way cuts are (see cut/encode.ts): the seek is measured from
 * the segment's first video frame, and lands on the frame whose display time is nearest at-or-after it.
 */
import { promises as fsp } from 'node:fs';
import { segmentEnd, type SegmentInfo } from '../segments/names.ts';
import type { SegmentOrHole } from '../segments/select.ts';
import { ffmpegToBuffer } from '../cut/ffmpeg-job.ts';
import { scanTs, TS_HZ, videoLeadSeconds } from '../cut/ts-packets.ts';

/** Where frames come from: a segment store (SegmentStore fits) and one channel/quality in it. */
export interface FrameSource {
  store: {
    abs(rel: string): string;
    getBestSegments(channel: string, quality: string, start: number, end: number, allowHoles?: boolean): Promise<SegmentOrHole[]>;
  };
  channel: string;
  quality: string;
}

/** Nothing recorded at the requested time: the routes answer 406, like wubloader. */
export class NoFrameError extends Error {
  readonly status = 406;
  constructor(message = 'We have no content available at that time.') {
    super(message);
  }
}

/** The stored segment containing `timestamp` (µs), or null. */
export async function segmentAt(src: FrameSource, timestamp: number): Promise<SegmentInfo | null> {
  const segs = await src.store.getBestSegments(src.channel, src.quality, timestamp - 1_000_000, timestamp + 1_000_000);
  return segs.find((s): s is SegmentInfo => s !== null && s.start <= timestamp && timestamp < segmentEnd(s)) ?? null;
}

/** PNG of the frame shown at `timestamp` (µs since epoch). */
export async function frameAt(src: FrameSource, timestamp: number, signal?: AbortSignal): Promise<Buffer> {
  const seg = await segmentAt(src, timestamp);
  if (!seg) throw new NoFrameError();
  const data = await fsp.readFile(src.store.abs(seg.path));
  const scan = scanTs(data);
  const frameS = (scan.video?.minStep ?? 3000) / TS_HZ;
  const rel = (timestamp - seg.start) / 1_000_000 + videoLeadSeconds(scan);
  const start = Math.max(0, rel - frameS / 2);
  // PNG with per-row mixed prediction: ~10 % smaller than the default, which matters against YouTube's
  // 2 MB thumbnail limit at 1080p.
  const png = await ffmpegToBuffer(
    [{ feed: { buffers: [data] } }],
    ['-vf', `trim=start=${start.toFixed(6)}`, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-pred', 'mixed', 'pipe:1'],
    signal,
  );
  if (png.length === 0) throw new NoFrameError('No video frame at that time (the segment ends early).');
  return png;
}
