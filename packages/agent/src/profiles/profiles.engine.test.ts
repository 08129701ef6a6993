/**
 * Contract test between the profiles and the engine's detectors: each profile, assessed by the real
 * engine with every intel file of the shared datasets (OS end-of-life, KEV, SOFA included), raises
 * its expected threats and risk, and its remediation returns `secured`, on several dates (today and
 * years ahead: the profiles compute their dates from `now`, so they must stay true as the calendar
 * moves). Test-only use of the engine's logic (the agent itself imports only schema types).
 */
import { assess, buildIntelIndex } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { parseAllDatasets } from '../../../engine/test-support/datasets.ts';
import { loadProfileIntel, locateDatasets } from './datasets.ts';
import { generateDevice } from './generate-device.ts';
import { PROFILE_NAMES } from './profiles.ts';

const index = buildIntelIndex(parseAllDatasets());
const intel = loadProfileIntel(locateDatasets());
const YEAR_MS = 365 * 86_400_000;
const today = new Date();
const DATES = [
  today,
  new Date(today.getTime() + YEAR_MS),
  new Date(today.getTime() + 3 * YEAR_MS),
  // Past the end of support of every Pixel the data lists (2033): clean phones must still be clean.
  new Date(today.getTime() + 10 * YEAR_MS),
  // The day the datasets were cut (SOURCES.md): profiles must be true right from the data's date.
  new Date('2026-08-22T12:00:00.000Z'),
];

describe('profiles assessed by the engine with all the real intel', () => {
  describe.each(DATES.map((now) => [now.toISOString().slice(0, 10), now] as const))('on %s', (_day, now) => {
    it.each(PROFILE_NAMES)('%s', (name) => {
      for (const seed of [1, 2, 3, 4]) {
        const device = generateDevice(name, { seed, intel, now });
        const settings = { ...device.settings };
        const result = assess(device.snapshot, index, {}, { now, settings });
        const types = result.detections.map((detection) => detection.typeId);
        expect(types, `seed ${seed}`).toEqual(expect.arrayContaining([...device.expectedThreats]));
        expect(result.riskLevel, `seed ${seed}: ${types.join(', ')}`).toBe(device.expectedRisk);
        const fixed = assess(device.remediate(device.snapshot), index, {}, { now, settings });
        expect(
          fixed.detections.map((detection) => detection.typeId),
          `seed ${seed}`,
        ).toEqual([]);
        expect(fixed.riskLevel).toBe('secured');
      }
    });
  });
});
