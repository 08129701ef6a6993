import type { Snapshot } from '@riskgate/engine';
import type { ProfileIntel } from './datasets.ts';
import { buildProfile, PROFILE_NAMES, type ProfileBuild, type ProfileName } from './profiles.ts';
import { createRng } from './rng.ts';

export interface GenerateDeviceOptions {
  /** Same seed, same profile and `now` → the same device. */
  readonly seed: string | number;
  readonly intel: ProfileIntel;
  readonly now: Date;
  readonly agentVersion?: string;
}

/** A simulated device of one profile, deterministic from its seed. */
export interface SimulatedDevice extends ProfileBuild {
  readonly profile: ProfileName;
}

export function isProfileName(value: string): value is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(value);
}

/** Generates one simulated device of `profile` (see `PROFILE_NAMES`). */
export function generateDevice(profile: ProfileName, options: GenerateDeviceOptions): SimulatedDevice {
  const rng = createRng(`${profile}:${options.seed}`);
  const build = buildProfile(profile, {
    rng,
    intel: options.intel,
    now: options.now,
    agentVersion: options.agentVersion ?? '0.1.0',
  });
  return { profile, ...build };
}

/**
 * The device description of `generateDevice(profile, options)` (same platform, model, OS) without
 * building its app inventory: what enrollment needs, at a fraction of the cost.
 */
export function describeDevice(profile: ProfileName, options: GenerateDeviceOptions): Snapshot['device'] {
  const rng = createRng(`${profile}:${options.seed}`);
  const ctx = {
    rng,
    intel: options.intel,
    now: options.now,
    agentVersion: options.agentVersion ?? '0.1.0',
    skipApps: true,
  };
  return buildProfile(profile, ctx).snapshot.device;
}
