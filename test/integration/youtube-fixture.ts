/**
 * Shared setup for the YouTube client tests: a fake YouTube, a temporary data dir with an opt-in
 * file SecretStore, the real client stack pointed at the fake, and accounts connected through the
 * real loopback + PKCE flow (an HTTP GET of the consent URL plays the browser).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../main/secrets/index.ts';
import type { SecretStore } from '../../main/secrets/index.ts';
import { openYouTube, type YouTubeAccount, type YouTubeAccounts, type YouTubeConfig, type YouTubeOverrides, type YouTubeStack } from '../../main/youtube/index.ts';
import { startFakeYouTube, type FakeYouTube, type FakeYouTubeOptions } from '../fakes/youtube/index.ts';

export interface YtFixture {
  fake: FakeYouTube;
  dir: string;
  secrets: SecretStore;
  yt: YouTubeStack;
  config: Partial<YouTubeConfig>;
  /** a second stack over the same data dir, as another process would have (no shared memory) */
  reopen(): YouTubeStack;
  close(): Promise<void>;
}

export function fakeConfig(fake: FakeYouTube, extra: Partial<YouTubeConfig> = {}): Partial<YouTubeConfig> {
  return { apiRoot: `${fake.url}/`, uploadRoot: `${fake.url}/`, oauthRoot: fake.url, minCallIntervalMs: 0, secretStore: 'file', ...extra };
}

/** Retries fast enough for tests; the logic is the same as production's. */
export const FAST: YouTubeOverrides = {
  uploader: { backoff: { initialMs: 5, maxMs: 40 }, maxRetries: 6 },
  api: { backoff: { initialMs: 5, maxMs: 40 } },
};

export async function startYtFixture(opts: {
  fake?: FakeYouTubeOptions;
  config?: Partial<YouTubeConfig>;
  clock?: () => number;
  overrides?: YouTubeOverrides;
} = {}): Promise<YtFixture> {
  const fake = await startFakeYouTube({ ...(opts.clock ? { clock: opts.clock } : {}), ...opts.fake });
  const dir = mkdtempSync(join(tmpdir(), 'tapedeck-yt-'));
  const secrets = new FileSecretStore(join(dir, 'secrets.json'));
  const config = fakeConfig(fake, opts.config);
  const open = () => openYouTube(dir, config, { ...FAST, ...opts.overrides, secrets, clock: opts.clock });
  const stacks: YouTubeStack[] = [];
  const yt = open();
  stacks.push(yt);
  return {
    fake, dir, secrets, yt, config,
    reopen: () => {
      const s = open();
      stacks.push(s);
      return s;
    },
    close: async () => {
      try {
        for (const s of stacks) s.close();
        await fake.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Connect an account the way an operator does: consent URL → (simulated) browser → loopback. */
export async function connectAccount(
  accounts: YouTubeAccounts, fake: FakeYouTube,
  o: { label?: string; clientId?: string; clientSecret?: string; project?: string; accountId?: string } = {},
): Promise<YouTubeAccount> {
  const pending = await accounts.beginConnect({
    label: o.label ?? 'Main channel',
    clientId: o.clientId ?? fake.clientId,
    clientSecret: o.clientSecret ?? fake.clientSecret,
    project: o.project ?? fake.project,
    ...(o.accountId ? { accountId: o.accountId } : {}),
  });
  // fetch follows the fake's 302 to our loopback listener, exactly like a browser would.
  const r = await fetch(pending.authUrl);
  await r.text();
  return pending.done;
}

/**
 * A file of `size` bytes whose every 4-byte word encodes its own offset, so a byte uploaded at the
 * wrong place changes the hash. Written in 1 MiB blocks; returns the sha256 (hex).
 */
export function makeFile(path: string, size: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (let off = 0; off < size; off += block.length) {
      const n = Math.min(block.length, size - off);
      for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((off + i) >>> 0, i);
      const piece = block.subarray(0, n);
      hash.update(piece);
      writeSync(fd, piece);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * How often the fake received each byte across every session: the maximum over all bytes, and the
 * total bytes received. A resume that re-sends only the unconfirmed tail keeps the maximum at 2.
 */
export function receivedCoverage(fake: FakeYouTube): { maxCount: number; total: number } {
  const events: Array<[number, number]> = [];
  let total = 0;
  for (const u of fake.listUploads()) {
    for (const c of u.chunks) {
      if (c.kind !== 'chunk' || c.start === undefined || c.received === 0) continue;
      events.push([c.start, 1], [c.start + c.received, -1]);
      total += c.received;
    }
  }
  // ends before starts at the same offset: [a,b) and [b,c) do not overlap
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let maxCount = 0;
  for (const [, d] of events) {
    cur += d;
    maxCount = Math.max(maxCount, cur);
  }
  return { maxCount, total };
}
