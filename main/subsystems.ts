/**
 * The subsystems a full node runs, in start order. The CLI (headless) and the Electron shell both use
 * this list, so a capability is wired in exactly one place.
 */
import type { SubsystemFactory } from './core/subsystem.ts';
import { segmentsApiSubsystem } from './core/segments-api/index.ts';
import { settingsSubsystem } from './core/settings-api.ts';

export async function defaultSubsystems(): Promise<SubsystemFactory[]> {
  return [settingsSubsystem, segmentsApiSubsystem];
}
