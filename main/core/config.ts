/**
 * Node configuration: DATA/config.json (validated with zod; written by the settings UI) overlaid by
 * command-line flags. Every Twitch endpoint, id and hash is configuration, not code (protocols.md A1).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { EventsSettings } from './events/settings.ts';

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;

export const ChannelConfig = z.object({
  name: z.string().regex(NAME_RE, 'channel names are letters, digits, _ and -'),
  /** important channels: master playlist refetched every 5 s instead of 20 s, alerts on */
  important: z.boolean().default(false),
  /** generic HLS provider: a master or media playlist URL; absent = Twitch */
  url: z.string().url().optional(),
});
export type ChannelConfig = z.infer<typeof ChannelConfig>;

export const TwitchConfig = z.object({
  gqlUrl: z.string().url().default('https://gql.twitch.tv/gql'),
  usherUrl: z.string().url().default('https://usher.ttvnw.net/api/channel/hls'),
  clientId: z.string().default('kimne78kx3ncx6brgo4mv6wki5h1ko'),
  persistedQueryHash: z.string().default('ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9'),
  /** optional OAuth token (fewer ads); kept out of logs */
  oauthToken: z.string().optional(),
});
export type TwitchConfig = z.infer<typeof TwitchConfig>;

/** Where finished videos go (wubloader's upload locations): each has its own cut type and account. */
export const UploadLocationConfig = z.object({
  name: z.string().regex(NAME_RE),
  type: z.enum(['youtube', 'local']),
  cutType: z.enum(['rough', 'fast', 'smart', 'full']).default('full'),
  /** youtube: the connected account id to upload with */
  account: z.string().optional(),
  /** local: destination folder (relative paths are inside the data dir) */
  path: z.string().optional(),
  unlistedOnly: z.boolean().default(false),
  categoryId: z.string().default('20'),
  language: z.string().default('en'),
});
export type UploadLocationConfig = z.infer<typeof UploadLocationConfig>;

export const NodeConfig = z.object({
  nodeName: z.string().regex(NAME_RE).default(hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'node'),
  channels: z.array(ChannelConfig).default([]),
  qualities: z.array(z.string().regex(NAME_RE)).default(['source']),
  twitch: TwitchConfig.default(TwitchConfig.parse({})),
  /** record the built-in synthetic demo stream (tapedeck serve --demo) */
  demo: z.boolean().default(false),
  /** prepended to every video title (counts towards YouTube's 100 characters) */
  titlePrefix: z.string().max(50).default(''),
  /** events database settings (description footer, static tags, marker lead-in); titlePrefix and the
   * location list come from the top-level titlePrefix and uploadLocations */
  events: EventsSettings.omit({ titlePrefix: true, locations: true }).default(EventsSettings.omit({ titlePrefix: true, locations: true }).parse({})),
  /** YouTube client settings (endpoints, quota profile, secret store); parsed by main/youtube/config.ts */
  youtube: z.record(z.string(), z.unknown()).default({}),
  /** run the cutter (claim, cut and upload EDITED events) on this node */
  cutter: z.boolean().default(true),
  uploadLocations: z.array(UploadLocationConfig).default([{ name: 'local', type: 'local', cutType: 'full', path: 'videos', unlistedOnly: false, categoryId: '20', language: 'en' }]),
});
export type NodeConfig = z.infer<typeof NodeConfig>;

export const CONFIG_FILE = 'config.json';

/** "NAME", "NAME!" or "NAME[!]=URL" (the --channel flag grammar). */
export function parseChannelSpec(spec: string): ChannelConfig {
  const eq = spec.indexOf('=');
  let name = eq < 0 ? spec : spec.slice(0, eq);
  const url = eq < 0 ? undefined : spec.slice(eq + 1);
  const important = name.endsWith('!');
  if (important) name = name.slice(0, -1);
  const parsed = ChannelConfig.safeParse({ name, important, url });
  if (!parsed.success) throw new Error(`Bad channel ${JSON.stringify(spec)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

export function loadConfig(dataDir: string): NodeConfig {
  const path = join(dataDir, CONFIG_FILE);
  if (!existsSync(path)) return NodeConfig.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = NodeConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function saveConfig(dataDir: string, config: NodeConfig): void {
  const path = join(dataDir, CONFIG_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(NodeConfig.parse(config), null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
