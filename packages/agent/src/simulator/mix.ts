import { isProfileName } from '../profiles/generate-device.ts';
import type { ProfileName } from '../profiles/profiles.ts';
import type { Rng } from '../profiles/rng.ts';

/** Profile weights, e.g. `clean=90,stalkerware=5,mitm=5`. */
export type Mix = ReadonlyMap<ProfileName, number>;

/** Parses `name=weight,…`; throws with the offending part on bad input. */
export function parseMix(text: string): Mix {
  const mix = new Map<ProfileName, number>();
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')) {
    const [name = '', weight = ''] = part.split('=');
    if (!isProfileName(name)) throw new Error(`unknown profile in --mix: ${name}`);
    const value = Number(weight);
    if (!Number.isFinite(value) || value < 0) throw new Error(`bad weight in --mix: ${part}`);
    mix.set(name, (mix.get(name) ?? 0) + value);
  }
  const total = [...mix.values()].reduce((sum, value) => sum + value, 0);
  if (total <= 0) throw new Error('--mix needs at least one positive weight');
  return mix;
}

/**
 * Assigns a profile to each of `count` devices: exact proportions (largest remainder), then shuffled
 * with `rng` so that profiles are spread over the fleet.
 */
export function assignProfiles(mix: Mix, count: number, rng: Rng): ProfileName[] {
  const total = [...mix.values()].reduce((sum, value) => sum + value, 0);
  const shares = [...mix.entries()].map(([name, weight]) => {
    const exact = (weight / total) * count;
    return { name, whole: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let missing = count - shares.reduce((sum, share) => sum + share.whole, 0);
  for (const share of [...shares].sort((a, b) => b.remainder - a.remainder)) {
    if (missing <= 0) break;
    share.whole += 1;
    missing -= 1;
  }
  const assigned = shares.flatMap((share) => Array.from({ length: share.whole }, () => share.name));
  return rng.sample(assigned, assigned.length);
}
