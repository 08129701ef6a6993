/**
 * Contract test between the profiles and the engine's detectors: each profile, assessed by the real
 * engine with the real intel, raises its expected threats and risk, and its remediation returns
 * `secured`. Test-only use of the engine's logic (the agent itself imports only schema types).
 * `os.*` expectations (patch age, end of life) need OS detectors the engine does not ship yet;
 * they are covered by the server e2e test once available.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assess, buildIntelIndex, parseIntelFile } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { loadProfileIntel, locateDatasets } from './datasets.ts';
import { generateDevice } from './generate-device.ts';
import type { ProfileName } from './profiles.ts';

const dir = locateDatasets();
const files = [
  'stalkerware-indicators/ioc.yaml',
  'mvt-indicators/ResidentBat/residentbat.stix2',
  'phishing-domains-blocklistproject/phishing-nl.sample.txt',
  'stalkerware-indicators/hosts',
  ...readdirSync(join(dir, 'maltrail-mobile-trails', 'trails'))
    .filter((name) => name.startsWith('android_'))
    .map((name) => `maltrail-mobile-trails/trails/${name}`),
];
const index = buildIntelIndex(
  files.map((file) => parseIntelFile(readFileSync(join(dir, file), 'utf8'), file)),
);
const intel = loadProfileIntel(dir);
const now = new Date('2026-11-25T18:00:00.000Z');

const PROFILES: readonly ProfileName[] = [
  'clean',
  'clean-ios',
  'stalkerware',
  'spyware',
  'rooted',
  'jailbroken',
  'no-screen-lock',
  'mitm',
  'rogue-ap',
  'open-wifi',
  'phishing',
  'c2',
];

describe('profiles assessed by the engine', () => {
  it.each(PROFILES)('%s', (name) => {
    for (const seed of [1, 2]) {
      const device = generateDevice(name, { seed, intel, now });
      const settings = { ...device.settings };
      const result = assess(device.snapshot, index, {}, { now, settings });
      const types = result.detections.map((detection) => detection.typeId);
      expect(types).toEqual(expect.arrayContaining([...device.expectedThreats]));
      expect(result.riskLevel).toBe(device.expectedRisk);
      const fixed = assess(device.remediate(device.snapshot), index, {}, { now, settings });
      expect(fixed.detections.map((detection) => detection.typeId)).toEqual([]);
      expect(fixed.riskLevel).toBe('secured');
    }
  });
});
