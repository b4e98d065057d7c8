/**
 * What a cut needs to know about the source — codec configuration (so re-encoded parts of a smart cut
 * match the copied ones), frame rate and B-frame use (so cut points and the splice timeline are exact)
 * — read straight from the first segment's bytes: the H.264 SPS, the first ADTS header, and the PES
 * timestamps. No ffprobe: spawning it costs ~0.3 s, on the critical path of every cut.
 */
import {
  hasPusi, payloadOffset, pidOf, TS_HZ, TS_PACKET_SIZE, type StreamKind, type TsScan,
} from './ts-packets.ts';

export interface SourceParams {
  video: {
    /** 'h264', 'hevc', 'mpeg2video' or 'unknown' (from the PMT stream type) */
    codec: string;
    /** ffprobe-style profile name, e.g. 'High', 'Constrained Baseline' */
    profile: string | null;
    /** level_idc, e.g. 41 for 4.1 */
    level: number | null;
    pixFmt: string | null;
    /** frames per second as a fraction */
    fps: [number, number];
    /** true when frames are reordered (DTS < PTS somewhere): B-frames */
    hasBFrames: boolean;
    /** how far decoding runs ahead of display (first PTS − first DTS), 90 kHz ticks; 0 without B-frames */
    reorderTicks: number;
  } | null;
  audio: {
    /** 'aac', 'mp3', 'ac3' or 'unknown' */
    codec: string;
    sampleRate: number;
    channels: number;
    /** estimated from the first PES's ADTS frame sizes (bits/s), or null */
    bitRate: number | null;
  } | null;
  /** whole-segment bit rate (bits/s), used to cap re-encodes near the source's rate */
  bitRate: number | null;
}

const VIDEO_CODECS: Record<number, string> = { 0x1b: 'h264', 0x24: 'hevc', 0x02: 'mpeg2video', 0x01: 'mpeg1video' };
const AUDIO_CODECS: Record<number, string> = { 0x0f: 'aac', 0x03: 'mp3', 0x04: 'mp3', 0x81: 'ac3' };
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** The first `limit` bytes of the first PES of `pid` (payload only, PES header included). */
function firstPes(b: Uint8Array, pid: number, limit: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  let started = false;
  for (let o = 0; o + TS_PACKET_SIZE <= b.length && size < limit; o += TS_PACKET_SIZE) {
    if (pidOf(b, o) !== pid) continue;
    const pusi = hasPusi(b, o);
    if (pusi && started) break;
    if (pusi) started = true;
    if (!started) continue;
    const p = payloadOffset(b, o);
    if (p < 0) continue;
    const chunk = Buffer.from(b.buffer, b.byteOffset + p, o + TS_PACKET_SIZE - p);
    parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts);
}

/** Unsigned/exp-Golomb bit reader over an RBSP (emulation prevention already removed). */
class Bits {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.b[this.pos >> 3];
      if (byte === undefined) throw new Error('SPS truncated');
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new Error('bad exp-Golomb code');
    return 2 ** zeros - 1 + this.u(zeros);
  }
}

function rbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Uint8Array.from(out);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export interface SpsInfo {
  profile: string;
  profileIdc: number;
  level: number;
  pixFmt: string;
}

/** Profile, level and pixel format from the first SPS in an H.264 Annex B byte stream. */
export function parseH264Sps(es: Uint8Array): SpsInfo | null {
  for (let i = 0; i + 4 < es.length; i++) {
    if (es[i] !== 0 || es[i + 1] !== 0 || es[i + 2] !== 1 || (es[i + 3]! & 0x1f) !== 7) continue;
    let end = es.length;
    for (let j = i + 4; j + 2 < es.length; j++) {
      if (es[j] === 0 && es[j + 1] === 0 && (es[j + 2] === 1 || es[j + 2] === 0)) {
        end = j;
        break;
      }
    }
    const sps = rbsp(es.subarray(i + 4, end));
    if (sps.length < 4) return null;
    const profileIdc = sps[0]!;
    const constraints = sps[1]!;
    const level = sps[2]!;
    let chroma = 1;
    let depth = 8;
    try {
      if (HIGH_PROFILES.has(profileIdc)) {
        const r = new Bits(sps.subarray(3));
        r.ue(); // seq_parameter_set_id
        chroma = r.ue();
        if (chroma === 3) r.u(1);
        depth = 8 + r.ue();
      }
    } catch {
      // keep 4:2:0 8-bit defaults
    }
    const names: Record<number, string> = {
      66: constraints & 0x40 ? 'Constrained Baseline' : 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High',
      110: 'High 10', 122: 'High 4:2:2', 244: 'High 4:4:4 Predictive',
    };
    const sub = ['gray', 'yuv420p', 'yuv422p', 'yuv444p'][chroma] ?? 'yuv420p';
    const pixFmt = depth > 8 ? `${sub}${depth}le` : sub;
    return { profile: names[profileIdc] ?? `profile ${profileIdc}`, profileIdc, level, pixFmt };
  }
  return null;
}

/** Sample rate, channels and an estimated bit rate from the ADTS frames at the start of `es`. */
export function parseAdts(es: Uint8Array): { sampleRate: number; channels: number; bitRate: number | null } | null {
  if (es.length < 7 || es[0] !== 0xff || (es[1]! & 0xf0) !== 0xf0) return null;
  const sampleRate = AAC_RATES[(es[2]! >> 2) & 0x0f] ?? 48000;
  const channels = ((es[2]! & 1) << 2) | (es[3]! >> 6) || 2;
  let frames = 0;
  let bytes = 0;
  for (let i = 0; i + 7 <= es.length; frames++) {
    if (es[i] !== 0xff || (es[i + 1]! & 0xf0) !== 0xf0) break;
    const len = ((es[i + 3]! & 0x03) << 11) | (es[i + 4]! << 3) | (es[i + 5]! >> 5);
    if (len < 7 || i + len > es.length) break;
    bytes += len;
    i += len;
  }
  const bitRate = frames ? Math.round((bytes * 8 * sampleRate) / (frames * 1024)) : null;
  return { sampleRate, channels, bitRate };
}

function reduce(n: number, d: number): [number, number] {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const g = gcd(n, d);
  return [n / g, d / g];
}

/** Source parameters from one segment's bytes and its scan. */
export function sourceParams(data: Uint8Array, scan: TsScan): SourceParams {
  const byKind = (k: StreamKind) => scan.program.streams.find((s) => s.kind === k);
  const vs = byKind('video');
  const as = byKind('audio');
  let video: SourceParams['video'] = null;
  if (vs) {
    const codec = VIDEO_CODECS[vs.streamType] ?? 'unknown';
    const pes = firstPes(data, vs.pid, 64 * 1024);
    const sps = codec === 'h264' && pes.length > 9 ? parseH264Sps(pes.subarray(9 + pes[8]!)) : null;
    const step = scan.video?.minStep ?? 3000;
    const sv = scan.video;
    const reorder = sv && sv.minDts !== null && sv.minPts !== null ? Math.max(0, sv.minPts - sv.minDts) : 0;
    video = {
      codec,
      profile: sps?.profile ?? null,
      level: sps?.level ?? null,
      pixFmt: sps?.pixFmt ?? null,
      fps: reduce(TS_HZ, step),
      hasBFrames: reorder > 0,
      reorderTicks: reorder,
    };
  }
  let audio: SourceParams['audio'] = null;
  if (as) {
    const codec = AUDIO_CODECS[as.streamType] ?? 'unknown';
    const pes = firstPes(data, as.pid, 16 * 1024);
    const adts = codec === 'aac' && pes.length > 9 ? parseAdts(pes.subarray(9 + pes[8]!)) : null;
    audio = { codec, sampleRate: adts?.sampleRate ?? 48000, channels: adts?.channels ?? 2, bitRate: adts?.bitRate ?? null };
  }
  const v = scan.video;
  const seconds = v && v.count > 1 ? (v.maxPts! - v.minPts! + (v.minStep ?? 0)) / TS_HZ : 0;
  return { video, audio, bitRate: seconds > 0 ? Math.round((data.length * 8) / seconds) : null };
}

/**
 * Video frame duration in µs (for planning) and in 90 kHz ticks (for the splicer), and the audio frame
 * duration in ticks (AAC frames are 1024 samples).
 */
export function frameDurations(params: SourceParams): { us: number; ticks: number; audioTicks: number } {
  const [n, d] = params.video?.fps ?? [30, 1];
  const rate = params.audio?.sampleRate ?? 48000;
  return { us: (1_000_000 * d) / n, ticks: Math.round((TS_HZ * d) / n), audioTicks: Math.round((1024 * TS_HZ) / rate) };
}

/** x264 profile option for a profile name (null: let x264 choose). */
export function x264Profile(profile: string | null): string | null {
  switch (profile) {
    case 'Constrained Baseline': case 'Baseline': return 'baseline';
    case 'Main': return 'main';
    case 'High': return 'high';
    case 'High 10': return 'high10';
    case 'High 4:2:2': return 'high422';
    case 'High 4:4:4 Predictive': return 'high444';
    default: return null;
  }
}

/** level_idc 41 → "4.1" (H.264 levels are ten times the number). */
export function x264Level(level: number | null): string | null {
  if (!level || level < 10 || level > 62) return null;
  return (level / 10).toFixed(1);
}
