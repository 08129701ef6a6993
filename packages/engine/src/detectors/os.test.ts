import { describe, expect, it } from 'vitest';
import { parseAllDatasets } from '../../test-support/datasets.ts';
import {
  cleanAndroidSnapshot,
  cleanIosSnapshot,
  detectorContext,
  keysOf,
} from '../../test-support/snapshots.ts';
import { buildIntelIndex } from '../intel/index-builder.ts';
import { emptyFeed } from '../intel/types.ts';
import type { DeviceInfo } from '../schema/device.ts';
import {
  detectDeviceEndOfLife,
  detectExploitedVulnerabilities,
  detectOsEndOfLife,
  detectOsThreats,
  detectPatchAge,
} from './os.ts';
import type { PatchAgeThresholds } from './types.ts';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const intel = buildIntelIndex(parseAllDatasets());

const android = (device: Partial<DeviceInfo>) =>
  cleanAndroidSnapshot({ device: { ...cleanAndroidSnapshot().device, ...device } });
const ios = (device: Partial<DeviceInfo>) =>
  cleanIosSnapshot({ device: { ...cleanIosSnapshot().device, ...device } });
/** An up-to-date iPhone 16 Pro on the latest iOS of the SOFA feed. */
const currentIos = () => ios({ osVersion: '26.6.1', osBuild: '23G83', model: 'iPhone17,1' });

describe('detectPatchAge', () => {
  it.each<[string, string | undefined, Partial<PatchAgeThresholds> | undefined, string | undefined]>([
    ['current patch', '2026-11-01', undefined, undefined],
    ['59 days', '2026-09-27', undefined, undefined],
    ['60 days → low', '2026-09-26', undefined, 'low'],
    ['85 days → low', '2026-09-01', undefined, 'low'],
    ['147 days → medium', '2026-07-01', undefined, 'medium'],
    ['328 days → high', '2026-01-01', undefined, 'high'],
    ['tenant thresholds', '2026-11-01', { low: 10, medium: 20, high: 30 }, 'medium'],
    ['no patch level reported', undefined, undefined, undefined],
  ])('%s', (_name, securityPatch, thresholds, risk) => {
    const snapshot = android(securityPatch === undefined ? { securityPatch: undefined } : { securityPatch });
    const settings =
      thresholds === undefined ? {} : { patchAgeDays: { low: 60, medium: 120, high: 180, ...thresholds } };
    const findings = detectPatchAge(detectorContext(snapshot, { now: NOW, settings }));
    expect(findings.map((f) => f.risk)).toEqual(risk === undefined ? [] : [risk]);
    if (risk !== undefined)
      expect(findings[0]?.evidence[0]).toMatchObject({ subject: 'security-patch', observed: securityPatch });
  });

  it('does not apply to iOS', () => {
    expect(detectPatchAge(detectorContext(ios({ osVersion: '15.0' }), { now: NOW }))).toEqual([]);
  });
});

describe('detectOsEndOfLife (endoflife.date)', () => {
  it.each<[string, ReturnType<typeof android>, string[]]>([
    ['Android 16', android({ osVersion: '16' }), []],
    ['Android 14', android({ osVersion: '14' }), []],
    ['Android 13 (eol 2026-03-02)', android({ osVersion: '13' }), ['os.end-of-life:android-13']],
    ['Android 12L reported as 12.1', android({ osVersion: '12.1' }), ['os.end-of-life:android-12.1']],
    ['Android 10', android({ osVersion: '10' }), ['os.end-of-life:android-10']],
    ['iOS 26', currentIos(), []],
    ['iOS 18', ios({ osVersion: '18.7.10' }), []],
    ['iOS 17 (eol 2025-05-13)', ios({ osVersion: '17.7.7' }), ['os.end-of-life:ios-17']],
    ['unknown version', android({ osVersion: '99' }), []],
  ])('%s', (_name, snapshot, expected) => {
    expect(keysOf(detectOsEndOfLife(detectorContext(snapshot, { intel, now: NOW })))).toEqual(expected);
  });

  it('names the cycle, end date and feed in the evidence', () => {
    const [finding] = detectOsEndOfLife(detectorContext(android({ osVersion: '13' }), { intel, now: NOW }));
    expect(finding?.evidence[0]).toMatchObject({
      observed: 'Android 13',
      detail: { feed: 'endoflife.date', product: 'android', cycle: '13', eol: '2026-03-02' },
    });
  });

  it('depends on now, not on the clock', () => {
    const early = new Date('2026-03-01T00:00:00Z');
    expect(detectOsEndOfLife(detectorContext(android({ osVersion: '13' }), { intel, now: early }))).toEqual(
      [],
    );
  });

  it('finds nothing without OS intel', () => {
    const bare = buildIntelIndex([emptyFeed('x', 'domain-list', 'x.txt')]);
    expect(
      detectOsThreats(
        detectorContext(android({ osVersion: '9', securityPatch: '2026-11-01' }), { intel: bare, now: NOW }),
      ),
    ).toEqual([]);
  });
});

describe('detectDeviceEndOfLife (endoflife.date)', () => {
  it.each<[string, ReturnType<typeof android>, string[]]>([
    ['Pixel 9', android({ model: 'Pixel 9', manufacturer: 'Google' }), []],
    [
      'Pixel 6 (eol 2026-10-01)',
      android({ model: 'Pixel 6', manufacturer: 'Google' }),
      ['os.device-end-of-life:Pixel 6'],
    ],
    ['Pixel 5', android({ model: 'Pixel 5', manufacturer: 'Google' }), ['os.device-end-of-life:Pixel 5']],
    [
      'Galaxy S10',
      android({ model: 'Galaxy S10', manufacturer: 'samsung' }),
      ['os.device-end-of-life:Galaxy S10'],
    ],
    ['Galaxy S24', android({ model: 'Galaxy S24', manufacturer: 'Samsung' }), []],
    ['unknown Samsung model code', android({ model: 'SM-X999', manufacturer: 'samsung' }), []],
    ['iPhone 13 Pro (iPhone14,2)', ios({ model: 'iPhone14,2' }), []],
    [
      'iPhone XS (iPhone11,2, eol 2026-04-22)',
      ios({ model: 'iPhone11,2' }),
      ['os.device-end-of-life:iPhone11,2'],
    ],
    ['iPhone XS Max China (iPhone11,4)', ios({ model: 'iPhone11,4' }), ['os.device-end-of-life:iPhone11,4']],
  ])('%s', (_name, snapshot, expected) => {
    expect(keysOf(detectDeviceEndOfLife(detectorContext(snapshot, { intel, now: NOW })))).toEqual(expected);
  });
});

function exploitedCves(snapshot: ReturnType<typeof android>): string[] {
  const [finding] = detectExploitedVulnerabilities(detectorContext(snapshot, { intel, now: NOW }));
  return (finding?.evidence ?? []).flatMap((e) => String(e.detail?.cve ?? e.detail?.cves ?? '').split(','));
}

describe('detectExploitedVulnerabilities: Android (KEV joined with OSV / CVE records)', () => {
  it('is clean at the current patch level', () => {
    expect(exploitedCves(android({ osVersion: '16', securityPatch: '2026-11-01' }))).toEqual([]);
  });

  it.each<[string, Partial<DeviceInfo>, string[], string[]]>([
    [
      'Android 13, patch 2023-08-01',
      { osVersion: '13', securityPatch: '2023-08-01', manufacturer: 'Motorola' },
      ['CVE-2023-35674', 'CVE-2024-43093', 'CVE-2024-36971'],
      ['CVE-2023-20963'],
    ],
    [
      'Android 14, patch 2023-08-01 (not a 11–13 CVE)',
      { osVersion: '14', securityPatch: '2023-08-01', manufacturer: 'Motorola' },
      ['CVE-2024-43093'],
      ['CVE-2023-35674'],
    ],
    [
      'Pixel, patch 2024-05-01',
      { osVersion: '14', securityPatch: '2024-05-01', manufacturer: 'Google' },
      ['CVE-2024-32896'],
      ['CVE-2024-29745'],
    ],
    [
      'Samsung, patch 2024-05-01 (Pixel bulletin does not apply)',
      { osVersion: '14', securityPatch: '2024-05-01', manufacturer: 'samsung' },
      [],
      ['CVE-2024-32896'],
    ],
    [
      'Samsung, patch 2021-02-01',
      { osVersion: '11', securityPatch: '2021-02-01', manufacturer: 'samsung' },
      ['CVE-2021-25371', 'CVE-2021-25487'],
      [],
    ],
    [
      'Android 15 at 2025-03-01',
      { osVersion: '15', securityPatch: '2025-03-01', manufacturer: 'Google' },
      ['CVE-2024-53197', 'CVE-2025-27363'],
      ['CVE-2024-43093', 'CVE-2024-50302'],
    ],
  ])('%s', (_name, device, present, absent) => {
    const cves = exploitedCves(android(device));
    for (const cve of present) expect(cves, cve).toContain(cve);
    for (const cve of absent) expect(cves, cve).not.toContain(cve);
  });

  it('names the CVE, the fixing patch level and the feeds', () => {
    const [finding] = detectExploitedVulnerabilities(
      detectorContext(android({ osVersion: '13', securityPatch: '2023-08-01' }), { intel, now: NOW }),
    );
    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({
        observed: '2023-08-01',
        detail: expect.objectContaining({
          cve: 'CVE-2023-35674',
          fixedIn: '2023-09-01',
          feed: 'cisa-kev+cvelist',
          records: 'CVE-2023-35674',
        }),
      }),
    );
  });

  it('says nothing without a patch level', () => {
    expect(exploitedCves(android({ securityPatch: undefined }))).toEqual([]);
  });
});

describe('detectExploitedVulnerabilities: iOS (SOFA)', () => {
  it('is clean on the latest release', () => {
    expect(exploitedCves(currentIos())).toEqual([]);
  });

  it('flags iOS 18.6 on an iPhone 13 Pro for the exploited CVEs fixed in 18.6.2 and later, not before', () => {
    const [finding] = detectExploitedVulnerabilities(
      detectorContext(ios({ osVersion: '18.6', model: 'iPhone14,2' }), { intel, now: NOW }),
    );
    const releases = finding?.evidence.map((e) => e.detail?.release);
    expect(releases).toEqual(expect.arrayContaining(['18.6.2', '18.7.2', '18.7.3']));
    expect(releases).not.toContain('18.6');
    expect(finding?.evidence.find((e) => e.detail?.release === '18.6.2')?.detail).toMatchObject({
      cves: 'CVE-2025-43300',
      feed: 'sofa',
      reference: expect.stringContaining('support.apple.com'),
    });
  });

  it('flags iOS 26.1 (26.2 and 26.3 fixed exploited CVEs)', () => {
    const cves = exploitedCves(ios({ osVersion: '26.1', model: 'iPhone17,1' }));
    expect(cves.length).toBeGreaterThanOrEqual(5);
  });

  it('uses older lines from apple_security_releases.json (iOS 16)', () => {
    expect(exploitedCves(ios({ osVersion: '16.0', model: 'iPhone14,2' })).length).toBeGreaterThan(0);
  });
});

describe('osDetectors on clean, up-to-date devices', () => {
  it.each([
    ['Android 16 Pixel 9, patched this month', cleanAndroidSnapshot()],
    ['iPhone 16 Pro on iOS 26.6.1', currentIos()],
  ])('%s stays clean', (_name, snapshot) => {
    expect(detectOsThreats(detectorContext(snapshot, { intel, now: NOW }))).toEqual([]);
  });
});
