import { describe, expect, it } from 'vitest';
import { parseAllDatasets } from '../../test-support/datasets.ts';
import { buildIntelIndex } from './index-builder.ts';
import { parseDomainList } from './parsers/lists.ts';
import { emptyFeed, type ParsedFeed } from './types.ts';

function feedOf(feed: string, values: ReadonlyArray<readonly [string, string]>, family?: string): ParsedFeed {
  const out = emptyFeed(feed, 'domain-list', `${feed}.txt`);
  for (const [kind, value] of values) {
    out.indicators.push({
      kind: kind as 'domain',
      value,
      provenance: family === undefined ? { feed, category: 'phishing' } : { feed, category: 'c2', family },
    });
  }
  return out;
}

describe('buildIntelIndex lookups', () => {
  const index = buildIntelIndex([
    parseDomainList('evil.example\nxn--bcher-kva.example\nco.uk\n', 'list-a.txt'),
    feedOf(
      'feed-b',
      [
        ['domain', 'evil.example'],
        ['ip', '1.2.3.4'],
        ['ip', '2001:db8::1'],
        ['domain', 'deep.sub.example'],
      ],
      'fam',
    ),
  ]);

  it.each([
    ['evil.example', 'evil.example'],
    ['EVIL.Example.', 'evil.example'],
    ['a.b.evil.example', 'evil.example'],
    ['evil[.]example', 'evil.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['shop.BÜCHER.example', 'xn--bcher-kva.example'],
    ['x.deep.sub.example', 'deep.sub.example'],
    ['1.2.3.4', '1.2.3.4'], // an IP literal is looked up as an IP
    ['1.2.3.4:443', '1.2.3.4'],
    ['[2001:DB8::1]:443', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['evil.example:8443', 'evil.example'],
    ['https://www.evil.example/login?x=1', 'evil.example'],
    ['hxxps://www[.]evil[.]example/x', 'evil.example'],
  ])('findDomain(%s) → %s', (host, expected) => {
    expect(index.findDomain(host)?.value).toBe(expected);
  });

  it.each(['example', 'sub.example', 'other.example', '', '..', 'not a host', 'evil.example.com'])(
    'findDomain(%s) misses',
    (host) => {
      expect(index.findDomain(host)).toBeUndefined();
    },
  );

  it('never matches through a bare TLD', () => {
    expect(index.findDomain('uk')).toBeUndefined();
    // co.uk is listed (a bad feed entry), so hosts under it match it, but `uk` alone never does.
    expect(index.findDomain('x.co.uk')?.value).toBe('co.uk');
  });

  it('keeps the provenance of every feed listing a value', () => {
    expect(index.findDomain('evil.example')?.provenance.map((p) => p.feed)).toEqual([
      'list:list-a',
      'feed-b',
    ]);
  });

  it('finds IPs and normalises the input', () => {
    expect(index.find('ip', '001.2.3.4')?.value).toBe('1.2.3.4');
    expect(index.find('domain', 'EVIL.example')?.value).toBe('evil.example');
    expect(index.find('app-id', 'com.x')).toBeUndefined();
  });

  it.each([
    ['app-id', 'com.spy.app', 'com.spy.app'],
    ['app-id', ' Com.Spy.App ', 'com.spy.app'],
    ['app-id', 'com.spy.other', undefined],
    ['cert-sha1', 'ab'.repeat(20), 'ab'.repeat(20)],
    ['cert-sha1', `${'AB:'.repeat(19)}AB`, 'ab'.repeat(20)],
    ['cert-sha1', 'ac'.repeat(20), undefined],
    ['file-sha256', 'CD'.repeat(32), 'cd'.repeat(32)],
    ['file-sha256', 'cd'.repeat(31), undefined],
    ['file-sha256', ` ${'cd'.repeat(32)}`, 'cd'.repeat(32)],
    ['cert-sha1', `${'ab'.repeat(19)}:a`, undefined],
  ] as const)('find(%s, %j) normalises only when needed → %s', (kind, value, expected) => {
    const apps = buildIntelIndex([
      feedOf('apps', [
        ['app-id', 'com.spy.app'],
        ['cert-sha1', 'ab'.repeat(20)],
        ['file-sha256', 'cd'.repeat(32)],
      ]),
    ]);
    expect(apps.find(kind, value)?.value).toBe(expected);
  });

  it('counts per kind and per feed', () => {
    expect(index.stats()).toMatchObject({
      indicators: 6,
      byKind: { domain: 4, ip: 2 },
      byFeed: { 'list:list-a': 3, 'feed-b': 4 },
      files: 2,
    });
  });

  it('has a version that changes with the content', () => {
    const a = buildIntelIndex([feedOf('f', [['domain', 'a.example']])]);
    const b = buildIntelIndex([
      feedOf('f', [
        ['domain', 'a.example'],
        ['domain', 'b.example'],
      ]),
    ]);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
    expect(a.version).toBe(buildIntelIndex([feedOf('f', [['domain', 'a.example']])]).version);
    expect(b.version).not.toBe(a.version);
  });

  it('has no OS intel without OS feeds', () => {
    expect(index.os).toBeUndefined();
  });
});

describe('buildIntelIndex over every dataset', () => {
  const started = performance.now();
  const feeds = parseAllDatasets();
  const parsed = performance.now();
  const index = buildIntelIndex(feeds);
  const built = performance.now();
  // Reported, not asserted: timing depends on the machine.
  console.info(
    `intel: parsed ${feeds.length} files in ${(parsed - started).toFixed(0)} ms, indexed in ${(built - parsed).toFixed(0)} ms`,
  );

  it('finds a real indicator of each feed with the right family', () => {
    const cases = [
      ['app-id', 'com.apspy.app', 'stalkerware-indicators', 'TheTruthSpy'],
      ['cert-sha1', '31a6ececd97cf39bc4126b8745cd94a7c30bf81c', 'stalkerware-indicators', 'TheTruthSpy'],
      [
        'file-sha256',
        '2f3bc9ebe8c249f0416f5b0367f34b4b8f6aaa7d351dc5b4912fe2558491b6b7',
        'stalkerware-indicators',
        '1TopSpy',
      ],
      ['app-id', 'com.oneplussync.bat', 'mvt:ResidentBat', 'ResidentBat'],
      [
        'cert-sha256',
        'd12616542268d32329f1c4357b5d5a57e954e13d2338d27bb8439794291b8c6d',
        'mvt:ResidentBat',
        'ResidentBat',
      ],
      ['domain', 'jabixohetede.tk', 'maltrail', 'cerberus'],
      ['profile-id', '76DAB334-7E17-475D-A5D6-0794EB5818A5', 'mvt:Predator', 'Predator'],
    ] as const;
    for (const [kind, value, feed, family] of cases) {
      const hit = index.find(kind, value);
      expect(hit?.provenance, `${kind} ${value}`).toContainEqual(expect.objectContaining({ feed, family }));
    }
  });

  it('indexes every kind, and more than 150,000 indicators', () => {
    const stats = index.stats();
    expect(stats.indicators).toBeGreaterThan(150_000);
    for (const kind of [
      'app-id',
      'cert-sha1',
      'cert-sha256',
      'file-sha256',
      'domain',
      'ip',
      'url',
      'process',
      'profile-id',
      'email',
      'file-path',
      'file-name',
    ]) {
      expect(stats.byKind[kind as 'domain'], kind).toBeGreaterThan(0);
    }
    expect(stats.kev).toBe(1404);
  });

  it('joins KEV with the Android CVE records by CVE', () => {
    const joined = index.os?.exploitedAndroid.find((v) => v.cveId === 'CVE-2023-35674');
    expect(joined).toMatchObject({
      fixedPatchLevel: '2023-09-01',
      androidVersions: ['13', '12L', '12', '11'],
      scope: 'android',
    });
    expect(joined?.feeds).toEqual(['cisa-kev', 'cvelist']);
    // KEV says 2024-11-01, the CVE record's bulletin 2025-03-01: the later level is the safe one.
    expect(index.os?.exploitedAndroid.find((v) => v.cveId === 'CVE-2024-43093')?.fixedPatchLevel).toBe(
      '2025-03-01',
    );
    expect(index.os?.exploitedAndroid.find((v) => v.cveId === 'CVE-2024-32896')?.scope).toBe('pixel');
  });

  it('lists iOS releases that fixed exploited CVEs, newest first, per major', () => {
    const ios18 = index.os?.exploitedIosReleases('18') ?? [];
    expect(ios18[0]?.release.version).toBe('18.7.5');
    expect(ios18.find((r) => r.release.version === '18.7.3')?.exploitedCves).toEqual(
      expect.arrayContaining(['CVE-2025-43529', 'CVE-2025-14174']),
    );
    // Older lines come from apple_security_releases.json.
    expect((index.os?.exploitedIosReleases('16') ?? []).length).toBeGreaterThan(0);
    expect(index.os?.deviceModelName('iphone14,2')).toBe('iPhone 13 Pro');
    expect(index.os?.eolCycles('android').length).toBe(34);
  });
});
