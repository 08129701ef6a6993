/**
 * `assess()` against the real intel index built from files in `../shared/datasets`. Indicator
 * values are read from the plain files beside the feeds (independently of the parsers under test).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanApp, cleanIosSnapshot, cleanNetwork } from '../test-support/snapshots.ts';
import { assess } from './assess.ts';
import { buildIntelIndex } from './intel/index-builder.ts';
import { parseIntelFile } from './intel/parsers/detect.ts';
import type { Snapshot } from './schema/snapshot.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');
const read = (path: string) => readFileSync(join(DATASETS, path), 'utf8');
const firstLine = (path: string) =>
  read(path)
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#')) ?? '';

const FILES = [
  'stalkerware-indicators/ioc.yaml',
  'stalkerware-indicators/samples.csv',
  'mvt-indicators/ResidentBat/residentbat.stix2',
  'mvt-indicators/intellexa_predator/predator.stix2',
  'phishing-domains-blocklistproject/phishing-nl.sample.txt',
];
const index = buildIntelIndex(FILES.map((file) => parseIntelFile(read(file), join(DATASETS, file))));
const now = new Date('2026-11-25T18:00:00.000Z');

// samples.csv: SHA256,Package Name,Certificate,Version,App. A row with a certificate column.
const sample = read('stalkerware-indicators/samples.csv')
  .split(/\r?\n/)
  .slice(1)
  .map((line) => line.split(','))
  .find((cols) => cols[2] !== undefined && /^[0-9A-F]{40}$/i.test(cols[2] ?? ''));
const [sampleSha, , sampleCert, , sampleApp] = sample ?? [];

interface Case {
  readonly name: string;
  readonly snapshot: Snapshot;
  readonly key: string;
  readonly family: string | undefined;
}

const android = cleanAndroidSnapshot();
const cases: Case[] = [
  {
    name: 'stalkerware package id (ioc.yaml)',
    snapshot: { ...android, apps: [...android.apps, cleanApp({ id: 'com.apspy.app' })] },
    key: 'app.stalkerware:com.apspy.app',
    family: 'TheTruthSpy',
  },
  {
    name: 'stalkerware APK SHA-256 (samples.csv), family from the App column',
    snapshot: {
      ...android,
      apps: [...android.apps, cleanApp({ id: 'x.renamed', fileSha256: sampleSha ?? '' })],
    },
    key: 'app.stalkerware:x.renamed',
    family: sampleApp,
  },
  {
    name: 'stalkerware certificate SHA-1 in upper case (samples.csv)',
    snapshot: {
      ...android,
      apps: [...android.apps, cleanApp({ id: 'x.cert1', certSha1: sampleCert ?? '' })],
    },
    key: 'app.stalkerware:x.cert1',
    family: undefined,
  },
  {
    name: 'ResidentBat package name (MVT STIX)',
    snapshot: {
      ...android,
      apps: [...android.apps, cleanApp({ id: firstLine('mvt-indicators/ResidentBat/package_names.txt') })],
    },
    key: `app.spyware:${firstLine('mvt-indicators/ResidentBat/package_names.txt')}`,
    family: 'ResidentBat',
  },
  {
    name: 'ResidentBat signing certificate SHA-256 (MVT STIX)',
    snapshot: {
      ...android,
      apps: [
        ...android.apps,
        cleanApp({
          id: 'x.cert',
          certSha256: firstLine('mvt-indicators/ResidentBat/package_cert_hashes.txt'),
        }),
      ],
    },
    key: 'app.spyware:x.cert',
    family: 'ResidentBat',
  },
  {
    name: 'Predator configuration profile (MVT STIX)',
    snapshot: cleanIosSnapshot({
      network: cleanNetwork({
        iosProfiles: [{ identifier: firstLine('mvt-indicators/intellexa_predator/config_profiles.txt') }],
      }),
    }),
    key: `network.malicious-profile:${firstLine('mvt-indicators/intellexa_predator/config_profiles.txt')}`,
    family: 'Predator',
  },
  {
    name: 'Predator domain visited, upper-case subdomain',
    snapshot: cleanIosSnapshot({
      visitedDomains: [
        {
          domain: `WWW.${firstLine('mvt-indicators/intellexa_predator/domains.txt').toUpperCase()}`,
          at: '2026-11-25T17:00:00Z',
        },
      ],
    }),
    key: `network.c2-contact:www.${firstLine('mvt-indicators/intellexa_predator/domains.txt').toLowerCase()}`,
    family: 'Predator',
  },
  {
    name: 'phishing domain (blocklistproject)',
    snapshot: cleanAndroidSnapshot({
      visitedDomains: [
        {
          domain: firstLine('phishing-domains-blocklistproject/phishing-nl.sample.txt'),
          at: '2026-11-25T17:00:00Z',
        },
      ],
    }),
    key: `web.phishing:${firstLine('phishing-domains-blocklistproject/phishing-nl.sample.txt').toLowerCase()}`,
    family: undefined,
  },
];

describe('assess with the real intel index', () => {
  it('found usable sample values in the datasets', () => {
    expect(sampleSha).toMatch(/^[0-9a-f]{64}$/i);
    for (const c of cases) expect(c.key).not.toMatch(/:$/);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = assess(c.snapshot, index, {}, { now });
    const detection = result.detections.find((d) => d.key === c.key);
    expect(detection, result.detections.map((d) => d.key).join(', ')).toBeDefined();
    if (c.family !== undefined) expect(detection?.family?.toLowerCase()).toBe(c.family.toLowerCase());
    expect(detection?.evidence.every((e) => e.provenance?.feed !== undefined)).toBe(true);
    expect(result.riskLevel).not.toBe('secured');
  });

  it.each([
    ['android', cleanAndroidSnapshot()],
    ['ios', cleanIosSnapshot()],
  ])('a clean %s snapshot stays secured', (_name, snapshot) => {
    const result = assess(snapshot, index, {}, { now });
    expect(result.detections).toEqual([]);
    expect(result.riskLevel).toBe('secured');
  });
});
