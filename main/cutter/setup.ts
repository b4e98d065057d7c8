/** Building the cutter's collaborators from the node config (shared by the worker and tests). */
import { join } from 'node:path';
import type { NodeConfig } from '../core/config.ts';
import { openEventsDb, eventsDbPath } from '../core/events/db.ts';
import { EventsRepository } from '../core/events/repository.ts';
import { TemplateStore } from '../core/templates/store.ts';
import { SegmentStore } from '../media/segments/store.ts';
import { openYouTube, type YouTubeOverrides, type YouTubeStack } from '../youtube/index.ts';
import { LocalBackend, YouTubeBackend, type UploadBackend } from './backends.ts';
import { Cutter, workDirOf, type CutterOptions } from './cutter.ts';

export interface CutterRuntime {
  cutter: Cutter;
  youtube: YouTubeStack | null;
  close(): Promise<void>;
}

export async function createCutter(
  dataDir: string, config: NodeConfig,
  io: Pick<CutterOptions, 'publish' | 'log'> & { intervals?: CutterOptions['intervals']; youtube?: YouTubeOverrides },
): Promise<CutterRuntime> {
  const db = await openEventsDb(eventsDbPath(dataDir));
  const repo = new EventsRepository(db.db);
  const store = new SegmentStore(join(dataDir, 'segments'));
  const needsYouTube = config.uploadLocations.some((l) => l.type === 'youtube');
  const youtube = needsYouTube ? openYouTube(dataDir, config.youtube, io.youtube) : null;
  const backends: UploadBackend[] = config.uploadLocations.map((l) => (l.type === 'youtube' ? new YouTubeBackend(l, youtube!) : new LocalBackend(l, dataDir)));
  const templates = new TemplateStore(dataDir);
  const cutter = new Cutter({
    name: config.nodeName, repo, store, backends, workDir: workDirOf(dataDir), titlePrefix: config.titlePrefix,
    descriptionFooter: config.events.descriptionFooter, staticTags: config.events.staticTags,
    journal: youtube?.uploader.journal, templates: (n) => templates.get(n), publish: io.publish, log: io.log, intervals: io.intervals,
  });
  return {
    cutter, youtube,
    close: async () => {
      await cutter.stop();
      youtube?.close();
      await db.close();
    },
  };
}
