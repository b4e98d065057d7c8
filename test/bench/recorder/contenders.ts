/**
 * The three things the benchmark runs against the same origin, behind one shape: start them, ask which
 * process trees to measure and how many bytes they have written so far, stop them.
 *
 *  - tapedeck: `tapedeck serve --channel benchK=URL ...` (the recorder is a worker process of serve).
 *  - streamlink: one `streamlink hls://URL best -o FILE` per channel (Debian's, what most peers use).
 *  - curl: one curl per channel handed every segment URL of the run up front (the origin holds a
 *    request for a future segment until it is published), each written to its own file. No playlist
 *    polling, no hashing, no renames: the floor for "move these bytes from the socket to the disk".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOrigin } from './origin.ts';
import { StoreWatcher } from './store-watch.ts';

export interface Contender {
  name: string;
  /** pids whose process trees are measured */
  roots(): number[];
  /** bytes of media written to disk so far */
  bytesWritten(): number;
  /** how many channels have written media so far (the window starts once all have: steady state) */
  channelsWriting(): number;
  /** set if a process died on its own (the run is then not trustworthy) */
  failure(): string | null;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../../main/bin/tapedeck.mjs', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('./serve-with-recorder.ts', import.meta.url));

/** `serve`: the real CLI; `launcher`: ./serve-with-recorder.ts, until the CLI runs the recorder. */
export type TapedeckLaunch = 'serve' | 'launcher';

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Watch a set of children; remember the first one that exits before we asked it to. */
function exitWatch(
  children: ChildProcess[], label: (i: number) => string, stderr: () => string, zeroIsDone = false,
): { failure(): string | null; stopping(): void } {
  let failure: string | null = null;
  let stopping = false;
  children.forEach((c, i) => c.once('exit', (code, signal) => {
    if (zeroIsDone && code === 0) return;
    if (!stopping && !failure) failure = `${label(i)} exited early (${signal ?? `code ${code}`}): ${stderr().slice(-800)}`;
  }));
  return { failure: () => failure, stopping: () => (stopping = true) };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // vanished
  }
}

function sumFileSizes(dir: string): number {
  return readdirSync(dir).reduce((total, name) => total + fileSize(join(dir, name)), 0);
}

export interface TapedeckContender extends Contender {
  /** the last 20,000 characters the serve process (and its workers) wrote to stdout */
  stdout(): string;
  watcher: StoreWatcher;
  url: string;
  channelName(c: number): string;
}

/** `nodeFlags`: extra flags for the serve process's node (profiling: --trace-gc, --cpu-prof, ...). */
export async function startTapedeck(origin: BenchOrigin, dataDir: string, launch: TapedeckLaunch = 'serve', nodeFlags: string[] = []): Promise<TapedeckContender> {
  const channelName = (c: number) => `bench${c}`;
  const args = launch === 'serve'
    ? [...nodeFlags, BIN, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0']
    : [...nodeFlags, '--import', 'tsx', LAUNCHER, '--data', dataDir, '--listen', '127.0.0.1:0'];
  for (let c = 0; c < origin.channels; c++) args.push('--channel', `${channelName(c)}=${origin.playlistUrl(c)}`);
  const watcher = new StoreWatcher(join(dataDir, 'segments'));
  mkdirSync(join(dataDir, 'segments'), { recursive: true });
  watcher.start();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out = (out + s).slice(-20_000)));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tapedeck serve exited ${code} before listening:\n${out}\n${err}`)));
  });
  const watch = exitWatch([child], () => 'tapedeck serve', () => err);
  return {
    name: 'tapedeck', url, watcher, channelName, stdout: () => out,
    roots: () => (child.pid ? [child.pid] : []),
    bytesWritten: () => {
      let total = 0;
      for (const f of watcher.found.values()) total += f.size;
      return total;
    },
    channelsWriting: () => new Set([...watcher.found.values()].map((f) => f.info.channel)).size,
    failure: watch.failure,
    stop: async () => {
      watch.stopping();
      await stopChild(child);
      watcher.stop();
    },
  };
}

export function startStreamlink(origin: BenchOrigin, dir: string): Contender {
  mkdirSync(dir, { recursive: true });
  let err = '';
  const children: ChildProcess[] = [];
  for (let c = 0; c < origin.channels; c++) {
    const child = spawn('streamlink', ['--loglevel', 'error', '--force', '--output', join(dir, `ch${c}.ts`), `hls://${origin.playlistUrl(c)}`, 'best'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    child.on('error', (e) => (err += `\n${e.message}`));
    children.push(child);
  }
  const watch = exitWatch(children, (i) => `streamlink ch${i}`, () => err);
  return {
    name: 'streamlink',
    roots: () => children.map((c) => c.pid).filter((p): p is number => !!p),
    bytesWritten: () => sumFileSizes(dir),
    channelsWriting: () => readdirSync(dir).filter((n) => fileSize(join(dir, n)) > 0).length,
    failure: watch.failure,
    stop: async () => {
      watch.stopping();
      await Promise.all(children.map((c) => stopChild(c)));
    },
  };
}

/** `untilMs`: fetch every segment published up to this epoch ms. */
export function startCurl(origin: BenchOrigin, dir: string, untilMs: number): Contender {
  let err = '';
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  for (let c = 0; c < origin.channels; c++) {
    const d = join(dir, `ch${c}`);
    mkdirSync(d, { recursive: true });
    dirs.push(d);
    const args = ['--silent', '--show-error', '--fail'];
    for (let i = origin.publishedCount(c); origin.publishAt(c, i) <= untilMs; i++) {
      args.push('--output', join(d, `${i}.ts`), origin.segmentUrl(c, i));
    }
    const child = spawn('curl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    child.on('error', (e) => (err += `\n${e.message}`));
    children.push(child);
  }
  // curl finishing its URL list is expected after the window; only a failed transfer is a failure
  const watch = exitWatch(children, (i) => `curl ch${i}`, () => err, true);
  return {
    name: 'curl',
    roots: () => children.map((c) => c.pid).filter((p): p is number => !!p),
    bytesWritten: () => dirs.reduce((a, d) => a + sumFileSizes(d), 0),
    channelsWriting: () => dirs.filter((d) => sumFileSizes(d) > 0).length,
    failure: watch.failure,
    stop: async () => {
      watch.stopping();
      await Promise.all(children.map((c) => stopChild(c)));
    },
  };
}
