import { describe, expect, it } from 'vitest';
import { readDataset, yamlListItems } from '../../../test-support/datasets.ts';
import { IntelParseError } from '../errors.ts';
import { buildIntelIndex } from '../index-builder.ts';
import type { ParsedFeed } from '../types.ts';
import { parseStalkerwareNetwork, parseStalkerwareSamples, parseStalkerwareYaml } from './stalkerware.ts';

function countKind(feed: ParsedFeed, kind: string): number {
  return feed.indicators.filter((i) => i.kind === kind).length;
}

describe.each([
  [
    'stalkerware-indicators/ioc.yaml',
    'com.apspy.app',
    '31A6ECECD97CF39BC4126B8745CD94A7C30BF81C',
    'TheTruthSpy',
    'stalkerware',
  ],
  [
    'stalkerware-indicators/watchware.yaml',
    'com.wisemo.host.v10',
    '9B48840CBF93379410172B4B85989624D2B33D59',
    'WiseMo',
    'watchware',
  ],
])('parseStalkerwareYaml(%s)', (path, packageId, cert, family, category) => {
  const text = readDataset(path);
  const feed = parseStalkerwareYaml(text, path);
  const scan = (key: string) => yamlListItems(text, key).length;

  it('yields one indicator per listed value (counted by a line scan)', () => {
    expect(countKind(feed, 'app-id')).toBe(scan('packages') + scan('ios_bundles'));
    expect(countKind(feed, 'cert-sha1')).toBe(scan('certificates'));
    const listed = [
      'packages',
      'ios_bundles',
      'certificates',
      'websites',
      'distribution',
      'domains',
      'ips',
      'ip',
    ];
    expect(feed.indicators.length + feed.skipped.length).toBe(listed.reduce((n, key) => n + scan(key), 0));
  });

  it('finds a real package id and certificate with the right family and category', () => {
    const index = buildIntelIndex([feed]);
    const hit = index.find('app-id', packageId);
    expect(hit?.provenance[0]).toMatchObject({ feed: 'stalkerware-indicators', family, category });
    expect(index.find('cert-sha1', cert.toLowerCase())?.provenance[0]?.family).toBe(family);
    expect(index.find('cert-sha1', cert)?.provenance[0]?.family).toBe(family);
  });
});

describe('ioc.yaml matches the counts SOURCES.md states', () => {
  const feed = parseStalkerwareYaml(readDataset('stalkerware-indicators/ioc.yaml'), 'ioc.yaml');
  it('has 616 package names and 472 certificates', () => {
    expect(countKind(feed, 'app-id')).toBe(616);
    expect(countKind(feed, 'cert-sha1')).toBe(472);
  });
  it('indexes a C2 IP under c2 and an IP given as a "distribution" domain as an IP', () => {
    const index = buildIntelIndex([feed]);
    expect(index.find('ip', '69.64.74.239')?.provenance[0]?.family).toBe('TheTruthSpy');
    expect(index.find('ip', '178.63.71.15')?.provenance[0]?.family).toBe('HelloSpy');
  });
});

describe('parseStalkerwareSamples', () => {
  const path = 'stalkerware-indicators/samples.csv';
  const text = readDataset(path);
  const rows = text
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
  const feed = parseStalkerwareSamples(text, path);

  it('yields an APK hash per row, a package per row and a certificate per non-empty Certificate cell', () => {
    expect(rows.length).toBe(3228);
    expect(countKind(feed, 'file-sha256')).toBe(rows.length);
    expect(countKind(feed, 'app-id')).toBe(rows.filter((r) => (r.split(',')[1] ?? '') !== '').length);
    expect(countKind(feed, 'cert-sha1')).toBe(rows.filter((r) => (r.split(',')[2] ?? '') !== '').length);
  });

  it('attributes an APK hash to the family in the App column', () => {
    const index = buildIntelIndex([feed]);
    const hit = index.find('file-sha256', '2F3BC9EBE8C249F0416F5B0367F34B4B8F6AAA7D351DC5B4912FE2558491B6B7');
    expect(hit?.provenance[0]).toMatchObject({
      family: '1TopSpy',
      category: 'stalkerware',
      source: 'samples.csv:2',
    });
  });

  it.each([
    ['a bad header', 'SHA,Pkg\n', 1],
    ['a short row', 'SHA256,Package Name,Certificate,Version,App\nabc,com.x\n', 2],
    ['a bad hash', 'SHA256,Package Name,Certificate,Version,App\nnothex,com.x,,1,X\n', 2],
  ])('rejects %s naming the file and line', (_name, input, line) => {
    expect(() => parseStalkerwareSamples(input, 'samples.csv')).toThrow(IntelParseError);
    expect(() => parseStalkerwareSamples(input, 'samples.csv')).toThrow(`samples.csv:${line}:`);
  });
});

describe('parseStalkerwareNetwork', () => {
  const path = 'stalkerware-indicators/network.csv';
  const text = readDataset(path);
  const feed = parseStalkerwareNetwork(text, path);
  const rows = text.split('\n').filter((l) => /^(domain|ipv4),/.test(l));

  it('yields one indicator per row', () => {
    expect(feed.indicators.length + feed.skipped.length).toBe(rows.length);
    expect(countKind(feed, 'ip')).toBeGreaterThanOrEqual(rows.filter((r) => r.startsWith('ipv4,')).length);
  });

  it('attributes a C2 domain to its app', () => {
    const index = buildIntelIndex([feed]);
    expect(index.findDomain('1ca43.appspot.com')?.provenance[0]?.family).toBe('TheTruthSpy');
  });

  it('rejects an unknown indicator type naming the line', () => {
    expect(() => parseStalkerwareNetwork('type,indicator,app\nmd5,abc,X\n', 'network.csv')).toThrow(
      'network.csv:2:',
    );
  });
});

describe('parseStalkerwareYaml on broken input', () => {
  it.each([
    ['a YAML syntax error', '- name: A\n  packages: [a, b\n', /ioc\.yaml:\d+: invalid YAML/],
    ['a mapping instead of a list', 'name: A\n', /ioc\.yaml:1: expected a YAML list/],
    ['an entry without a name', '- type: stalkerware\n', /ioc\.yaml \(entry 1\): entry has no name/],
    [
      'an unknown key',
      '- name: A\n  pakages:\n  - com.a\n',
      /ioc\.yaml \(entry 1 "A"\): unknown key "pakages"/,
    ],
    ['an unknown c2 key', '- name: A\n  c2:\n    urls:\n    - x\n', /unknown c2 key "urls"/],
  ])('rejects %s naming the file and entry/line', (_name, input, message) => {
    expect(() => parseStalkerwareYaml(input, 'ioc.yaml')).toThrow(message);
  });
});
