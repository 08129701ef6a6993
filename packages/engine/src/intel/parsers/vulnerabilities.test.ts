import { describe, expect, it } from 'vitest';
import { readDataset } from '../../../test-support/datasets.ts';
import { parseCve5, parseKev, parseOsv, patchLevelFromUrl } from './vulnerabilities.ts';

describe('parseKev', () => {
  const text = readDataset('cisa-kev/known_exploited_vulnerabilities.json');
  const feed = parseKev(text, 'known_exploited_vulnerabilities.json');

  it('reads every entry and the catalog version', () => {
    expect(feed.kev.length).toBe([...text.matchAll(/"cveID":/g)].length);
    expect(feed.version).toBe('2025.08.25');
  });

  it.each([
    ['CVE-2024-43093', '2024-11-01', 'android'],
    ['CVE-2024-32896', '2024-06-01', 'pixel'],
    ['CVE-2021-25487', '2021-10-01', 'samsung'],
    ['CVE-2024-36971', '2024-08-01', 'android'], // bulletin link after a comma
    ['CVE-2021-1048', undefined, undefined], // only an NVD link
  ])('%s: fixed by patch level %s (%s)', (cve, level, scope) => {
    const entry = feed.kev.find((k) => k.cveId === cve);
    expect(entry?.fixedPatchLevel).toBe(level);
    expect(entry?.patchScope).toBe(scope);
  });

  it('rejects a file that is not a catalog and an entry without a CVE', () => {
    expect(() => parseKev('{"title": "x"}', 'kev.json')).toThrow('kev.json:1: not a CISA KEV catalog');
    expect(() => parseKev('{"vulnerabilities": [{"cveID": "nope"}]}', 'kev.json')).toThrow(
      'kev.json (vulnerabilities[0])',
    );
  });
});

describe('patchLevelFromUrl', () => {
  it.each([
    ['https://source.android.com/docs/security/bulletin/2024-11-01', '2024-11-01', 'android'],
    [
      'https://source.android.com/security/bulletin/2022-06-01#2022-06-05-security-patch-level-vulnerability-details',
      '2022-06-05',
      'android',
    ],
    ['https://source.android.com/docs/security/bulletin/pixel/2024-04-01', '2024-04-01', 'pixel'],
    ['https://security.samsungmobile.com/securityUpdate.smsb?year=2021&month=3', '2021-03-01', 'samsung'],
  ])('%s → %s', (url, level, scope) => {
    expect(patchLevelFromUrl(url)).toEqual({ level, scope });
  });
  it('returns undefined for other links', () => {
    expect(patchLevelFromUrl('https://nvd.nist.gov/vuln/detail/CVE-2024-1')).toBeUndefined();
  });
});

describe('parseCve5 on the four record shapes', () => {
  it.each([
    ['CVE-2024-0031', ['14', '13', '12L', '12', '11'], '2024-02-01', 'android'], // version list
    ['CVE-2023-35674', ['13', '12L', '12', '11'], '2023-09-01', 'android'],
    ['CVE-2023-20963', ['11', '12', '12L', '13'], '2023-03-01', 'android'], // one free-text string
    ['CVE-2024-32896', [], '2024-06-01', 'pixel'], // ADP lessThan patch level, "Android kernel"
    ['CVE-2024-43093', ['15', '14', '13', '12L', '12'], '2025-03-01', 'android'],
  ])('%s', (cve, versions, level, scope) => {
    const path = `android-cve-records/cvelistV5/${cve}.json`;
    const feed = parseCve5(readDataset(path), path);
    expect(feed.androidVulnerabilities).toEqual([
      expect.objectContaining({
        id: cve,
        cves: [cve],
        androidVersions: versions,
        fixedPatchLevel: level,
        scope,
      }),
    ]);
  });

  it('accepts an array of records and rejects a non-record naming it', () => {
    const one = readDataset('android-cve-records/cvelistV5/CVE-2024-0031.json');
    expect(parseCve5(`[${one},${one}]`, 'cves.json').androidVulnerabilities).toHaveLength(2);
    expect(() => parseCve5('[{"dataType": "X"}]', 'cves.json')).toThrow(
      'cves.json (record 0): not a CVE JSON 5 record',
    );
  });
});

describe('parseOsv', () => {
  it('reads the platform record with its version and patch level', () => {
    const path = 'android-cve-records/osv-android-vanir-testdata/test_vulnerabilities_platform.json';
    const feed = parseOsv(readDataset(path), path);
    expect(feed.androidVulnerabilities).toEqual([
      expect.objectContaining({
        id: 'ASB-A-202768292',
        cves: ['CVE-2021-39630'],
        androidVersions: ['12'],
        fixedPatchLevel: '2022-01-01',
        severity: 'High',
      }),
    ]);
  });

  it('reads the kernel records (empty version prefix = every version)', () => {
    const path = 'android-cve-records/osv-android-vanir-testdata/test_vulnerabilities_kernel.json';
    const text = readDataset(path);
    const feed = parseOsv(text, path);
    expect(
      feed.androidVulnerabilities.map((v) => [v.id, v.fixedPatchLevel, v.androidVersions.length]),
    ).toEqual([
      ['ASB-A-210498909', '2022-06-05', 0],
      ['ASB-A-172999675', '2021-02-05', 0],
      ['PUB-A-160818461', '2022-12-05', 0],
    ]);
    expect(feed.androidVulnerabilities.length).toBe([...text.matchAll(/"id": "(ASB|PUB)-A-/g)].length);
  });

  it('accepts a single record and reads per-version fixed events', () => {
    const record = {
      id: 'ASB-A-1',
      aliases: ['CVE-2030-1'],
      affected: [
        {
          package: { ecosystem: 'Android', name: 'platform/x' },
          ranges: [
            {
              type: 'ECOSYSTEM',
              events: [
                { introduced: '13:0' },
                { fixed: '13:2030-02-01' },
                { introduced: '14:0' },
                { fixed: '14:2030-03-01' },
              ],
            },
          ],
        },
      ],
    };
    const feed = parseOsv(JSON.stringify(record), 'one.json');
    expect(feed.androidVulnerabilities.map((v) => [v.androidVersions, v.fixedPatchLevel])).toEqual([
      [['13'], '2030-02-01'],
      [['14'], '2030-03-01'],
    ]);
  });

  it('rejects a record without affected naming it', () => {
    expect(() => parseOsv('[{"id": "ASB-A-2"}]', 'osv.json')).toThrow('osv.json (record 0 ASB-A-2)');
  });
});
