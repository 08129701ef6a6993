import { describe, expect, it } from 'vitest';
import { listDataset, readDataset } from '../../../test-support/datasets.ts';
import { parseAppleSecurityReleases, parseSofaIos } from './apple.ts';
import { parseEolProduct, parseEolReleaseData } from './end-of-life.ts';

interface SofaJson {
  OSVersions: { SecurityReleases: { ProductVersion: string; ActivelyExploitedCVEs: string[] }[] }[];
  Devices: Record<string, unknown>;
}

describe('parseSofaIos', () => {
  const path = 'sofa-apple-security-feed/ios_data_feed.json';
  const text = readDataset(path);
  const feed = parseSofaIos(text, path);
  const json = JSON.parse(text) as SofaJson;

  it('reads every security release and the model names', () => {
    const releases = json.OSVersions.flatMap((o) => o.SecurityReleases);
    expect(releases.length).toBe(15 + 27 + 30);
    expect(feed.iosReleases.length).toBe(releases.length);
    expect(feed.deviceModels.length).toBe(Object.keys(json.Devices).length);
    expect(feed.deviceModels).toContainEqual({ id: 'iPhone14,2', name: 'iPhone 13 Pro' });
  });

  it('keeps the actively exploited CVEs of a release', () => {
    const release = feed.iosReleases.find((r) => r.version === '18.7.3');
    expect(release?.exploitedCves).toEqual(expect.arrayContaining(['CVE-2025-43529', 'CVE-2025-14174']));
    expect(release?.releaseDate).toBe('2025-12-12');
    expect(release?.reference).toBe('https://support.apple.com/en-us/125885');
  });

  it('rejects a file that is not the feed and a release without a version', () => {
    expect(() => parseSofaIos('{}', 'sofa.json')).toThrow('sofa.json:1: not a SOFA iOS feed');
    expect(() => parseSofaIos('{"OSVersions":[{"SecurityReleases":[{}]}]}', 'sofa.json')).toThrow(
      'sofa.json (OSVersions[0].SecurityReleases[0])',
    );
  });
});

describe('parseAppleSecurityReleases', () => {
  it('keeps the iOS releases with exploited CVEs from cve_context', () => {
    const path = 'sofa-apple-security-feed/apple_security_releases.json';
    const text = readDataset(path);
    const feed = parseAppleSecurityReleases(text, path);
    const iosCount = [...text.matchAll(/"os_type":\s*"ios"/g)].length;
    expect(feed.iosReleases.length + feed.skipped.length).toBe(iosCount);
    expect(
      feed.iosReleases
        .find((r) => r.version === '12.4.7')
        ?.exploitedCves.slice()
        .sort(),
    ).toEqual(['CVE-2020-9818', 'CVE-2020-9819']);
  });
});

describe.each(listDataset('endoflife-products').filter((p) => p.endsWith('.yaml')))(
  'parseEolProduct(%s)',
  (path) => {
    const text = readDataset(path);
    it('reads one cycle per releaseCycle line', () => {
      const feed = parseEolProduct(text, path);
      expect(feed.eolCycles.length).toBe([...text.matchAll(/^\s+- releaseCycle:/gm)].length);
      expect(feed.eolCycles.every((c) => c.product === path.split('/').pop()?.replace('.yaml', ''))).toBe(
        true,
      );
    });
  },
);

describe('endoflife.date specifics', () => {
  it('reads Android cycles with API level and eol dates, iOS with latest', () => {
    const android = parseEolProduct(readDataset('endoflife-products/android.yaml'), 'android.yaml');
    expect(android.eolCycles.find((c) => c.cycle === '13')).toMatchObject({
      apiVersion: '33',
      eol: '2026-03-02',
    });
    expect(android.eolCycles.find((c) => c.cycle === '16')).toMatchObject({ eol: false });
    const ios = parseEolProduct(readDataset('endoflife-products/ios.yaml'), 'ios.yaml');
    expect(ios.eolCycles.find((c) => c.cycle === '17')).toMatchObject({
      eol: '2025-05-13',
      latest: '17.7.7',
    });
  });

  it('reads a Markdown page front matter too', () => {
    const md = '---\ntitle: X\nreleases:\n  - releaseCycle: "1"\n    eol: 2020-01-01\n---\n\n# Body\n';
    expect(parseEolProduct(md, 'products/x.md').eolCycles).toEqual([
      { product: 'x', cycle: '1', eol: '2020-01-01', feed: 'endoflife.date' },
    ]);
  });

  it('rejects a release without eol naming it', () => {
    expect(() => parseEolProduct('releases:\n  - releaseCycle: "1"\n', 'x.yaml')).toThrow(
      'x.yaml (releases[0])',
    );
  });

  it.each([
    ['ios.json', 'versions', 285],
    ['samsung-mobile.json', 'releases', 439],
    ['motorola-mobility.json', 'releases', 112],
  ])('release data %s: %s', (file, key, expected) => {
    const text = readDataset(`endoflife-release-data/${file}`);
    const feed = parseEolReleaseData(text, file);
    const json = JSON.parse(text) as Record<string, Record<string, unknown>>;
    const count = Object.keys(json[key] ?? {}).length;
    expect(count).toBe(expected);
    expect(key === 'versions' ? feed.osPointReleases.length : feed.eolCycles.length).toBe(count);
  });
});
