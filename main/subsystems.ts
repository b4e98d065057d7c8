/**
 * The subsystems a full node runs, in start order. The CLI (headless) and the Electron shell both use
 * this list, so a capability is wired in exactly one place.
 */
import type { SubsystemFactory } from './core/subsystem.ts';
import { segmentsApiSubsystem } from './core/segments-api/index.ts';
import { settingsSubsystem } from './core/settings-api.ts';
import { createEventsSubsystem } from './core/events/subsystem.ts';
import { recorderSubsystem } from './recorder/index.ts';
import { cutterSubsystem } from './cutter/index.ts';
import { openDescriptionPlaylists, playlistsSubsystem } from './playlists/index.ts';

/**
 * The events DB with its rules taken from the node config (title prefix, locations, footer...), and the
 * playlists shown in video descriptions kept consistent on submit and modify.
 */
export const configuredEventsSubsystem: SubsystemFactory = (ctx) => createEventsSubsystem({
  ...ctx.config.events,
  titlePrefix: ctx.config.titlePrefix,
  locations: ctx.config.uploadLocations.map((l) => l.name),
}, { descriptionPlaylists: (c) => openDescriptionPlaylists(c.dataDir, c.config) })(ctx);

export async function defaultSubsystems(): Promise<SubsystemFactory[]> {
  return [settingsSubsystem, segmentsApiSubsystem, configuredEventsSubsystem, recorderSubsystem, cutterSubsystem, playlistsSubsystem];
}
