import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSchemaValidator } from '../../test-support/schema-validator.ts';
import { loadProfileIntel, locateDatasets } from './datasets.ts';
import { describeDevice, generateDevice } from './generate-device.ts';
import { PROFILE_NAMES } from './profiles.ts';
import { createRng } from './rng.ts';

const intel = loadProfileIntel();
const validator = createSchemaValidator();
const now = new Date('2026-11-25T18:00:00.000Z');
const datasets = locateDatasets();

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng('x');
    const b = createRng('x');
    const c = createRng('y');
    const seq = (rng: ReturnType<typeof createRng>) => Array.from({ length: 5 }, () => rng.next());
    expect(seq(a)).toEqual(seq(b));
    expect(seq(createRng('x'))).not.toEqual(seq(c));
    expect(createRng(1).hex(32)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('device profiles', () => {
  it.each(PROFILE_NAMES)(
    '%s: valid snapshot, 100-200 apps, deterministic, valid after remediation',
    (name) => {
      const device = generateDevice(name, { seed: 42, intel, now });
      expect(validator.snapshot(device.snapshot)).toEqual([]);
      expect(device.snapshot.apps.length).toBeGreaterThanOrEqual(100);
      expect(device.snapshot.apps.length).toBeLessThanOrEqual(201);
      expect(new Set(device.snapshot.apps.map((app) => app.id)).size).toBe(device.snapshot.apps.length);
      expect(generateDevice(name, { seed: 42, intel, now }).snapshot).toEqual(device.snapshot);
      expect(generateDevice(name, { seed: 43, intel, now }).snapshot).not.toEqual(device.snapshot);
      expect(describeDevice(name, { seed: 42, intel, now })).toEqual(device.snapshot.device);
      const fixed = device.remediate(device.snapshot);
      expect(validator.snapshot(fixed)).toEqual([]);
      if (name.startsWith('clean')) expect(device.expectedRisk).toBe('secured');
      else expect(fixed).not.toEqual(device.snapshot);
    },
  );

  it('stalkerware plants a real package id and certificate SHA-1 of the same ioc.yaml entry', () => {
    const ioc = readFileSync(join(datasets, 'stalkerware-indicators', 'ioc.yaml'), 'utf8');
    for (const seed of [1, 2, 3]) {
      const device = generateDevice('stalkerware', { seed, intel, now });
      const planted = device.snapshot.apps.find(
        (app) => app.installer === null && app.specialAccess !== undefined,
      );
      expect(planted).toBeDefined();
      expect(ioc).toContain(`- ${planted?.id}\n`);
      expect(ioc).toContain(`- ${planted?.certSha1?.toUpperCase()}\n`);
      expect(device.remediate(device.snapshot).apps.some((app) => app.id === planted?.id)).toBe(false);
    }
  });

  it('spyware plants an app id and cert SHA-256 from the ResidentBat MVT STIX feed', () => {
    const stix = readFileSync(join(datasets, 'mvt-indicators', 'ResidentBat', 'residentbat.stix2'), 'utf8');
    const device = generateDevice('spyware', { seed: 7, intel, now });
    const planted = device.snapshot.apps.find((app) => app.installer === null && app.system === false);
    expect(stix).toContain(`[app:id='${planted?.id}']`);
    expect(stix.toLowerCase()).toContain(`[app:cert.sha256='${planted?.certSha256}']`);
  });

  it('phishing and C2 profiles visit a listed domain, and remediation clears it', () => {
    const phishing = generateDevice('phishing', { seed: 5, intel, now });
    const domain = phishing.snapshot.visitedDomains?.at(-1)?.domain ?? '';
    expect(
      readFileSync(join(datasets, 'phishing-domains-blocklistproject', 'phishing-nl.sample.txt'), 'utf8'),
    ).toContain(domain);
    expect(phishing.remediate(phishing.snapshot).visitedDomains?.map((entry) => entry.domain)).not.toContain(
      domain,
    );
    const c2 = generateDevice('c2', { seed: 5, intel, now });
    expect(intel.c2Domains.map((entry) => entry.domain)).toContain(
      c2.snapshot.visitedDomains?.at(-1)?.domain,
    );
  });

  it('clean devices carry no planted indicator', () => {
    const bad = new Set([
      ...intel.stalkerware.map((entry) => entry.packageId),
      ...intel.spyware.appIds,
      ...intel.phishingDomains,
      ...intel.c2Domains.map((entry) => entry.domain),
    ]);
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const name of ['clean', 'clean-ios'] as const) {
        const { snapshot } = generateDevice(name, { seed, intel, now });
        expect(snapshot.apps.filter((app) => bad.has(app.id))).toEqual([]);
        expect((snapshot.visitedDomains ?? []).filter((entry) => bad.has(entry.domain))).toEqual([]);
        expect(snapshot.integrity).toMatchObject({
          screenLock: true,
          encrypted: true,
          attestation: { verdict: 'pass' },
        });
      }
    }
  });

  it('old-patch is a year behind and the update brings it within a month, attestation agreeing', () => {
    const device = generateDevice('old-patch', { seed: 9, intel, now });
    const age = (patch: string | undefined) => (now.getTime() - Date.parse(patch ?? '')) / 86_400_000;
    expect(age(device.snapshot.device.securityPatch)).toBeGreaterThan(360);
    const fixed = device.remediate(device.snapshot);
    expect(age(fixed.device.securityPatch)).toBeLessThan(31);
    expect(fixed.integrity.attestation?.attestedSecurityPatch).toBe(fixed.device.securityPatch);
  });

  it('eol-os runs an Android release whose support ended before now', () => {
    const device = generateDevice('eol-os', { seed: 9, intel, now });
    const release = intel.androidReleases.find((entry) => entry.cycle === device.snapshot.device.osVersion);
    expect(release?.eol).not.toBe(false);
    expect(String(release?.eol) < '2026-11-25').toBe(true);
    const fixed = device.remediate(device.snapshot);
    expect(intel.androidReleases.find((entry) => entry.cycle === fixed.device.osVersion)?.eol).toBe(false);
  });
});
