import { describe, expect, it } from 'vitest';
import { listDataset, readDataset } from '../../../test-support/datasets.ts';
import { IntelParseError } from '../errors.ts';
import { buildIntelIndex } from '../index-builder.ts';
import { parseStix, splitStixPattern, stixPathKind } from './stix.ts';

const MVT_BUNDLES = listDataset('mvt-indicators').filter((p) => p.endsWith('.stix2'));

/** Pattern strings of a bundle, by regex over the raw JSON (independent of the parser). */
function patternsOf(text: string): string[] {
  return [...text.matchAll(/"pattern":\s*"([^"]*)"/g)].map((m) => m[1] ?? '');
}

describe.each(MVT_BUNDLES)('parseStix(%s)', (path) => {
  const text = readDataset(path);
  const feed = parseStix(text, path);
  const family = /"type":\s*"malware"[\s\S]*?"name":\s*"([^"]+)"/.exec(text)?.[1];

  it('accounts for every pattern: indexed or skipped with a reason', () => {
    const patterns = patternsOf(text);
    expect(patterns.length).toBeGreaterThan(0);
    expect(feed.indicators.length + feed.skipped.length).toBe(patterns.length);
    expect(feed.skipped.length).toBeLessThanOrEqual(1);
  });

  it('attributes indicators to the malware family, as MVT spyware', () => {
    expect(family).toBeDefined();
    expect(feed.feed).toBe(`mvt:${family}`);
    for (const { provenance } of feed.indicators) {
      expect(provenance).toMatchObject({ family, category: 'spyware' });
    }
  });
});

describe('MVT pattern variants', () => {
  it('indexes ResidentBat by package id, cert SHA-256, APK SHA-256 and IP', () => {
    const path = 'mvt-indicators/ResidentBat/residentbat.stix2';
    const index = buildIntelIndex([parseStix(readDataset(path), path)]);
    for (const [kind, value] of [
      ['app-id', 'com.oneplussync.bat'],
      ['cert-sha256', 'd12616542268d32329f1c4357b5d5a57e954e13d2338d27bb8439794291b8c6d'],
      ['file-sha256', '77126e749a9c1144ae3cebb8deb0b72fc90d4eb73d1072a69a1248b4f518bb47'],
      ['ip', '83.220.169.120'],
    ] as const) {
      expect(index.find(kind, value)?.provenance[0]?.family, `${kind} ${value}`).toBe('ResidentBat');
    }
  });

  it("reads file:hashes.'SHA-256' (coruna) as file hashes", () => {
    const path = 'mvt-indicators/2026-03-03_coruna_cryptowaters/coruna.stix2';
    const text = readDataset(path);
    const quoted = patternsOf(text).filter((p) => p.startsWith("[file:hashes.'SHA-256'"));
    expect(quoted.length).toBe(20);
    const feed = parseStix(text, path);
    expect(feed.indicators.filter((i) => i.kind === 'file-sha256').length).toBe(quoted.length);
  });

  it.each([
    ["[app:id='com.x.y']", 'app-id', 'com.x.y'],
    [
      "[app:cert.sha1='AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01']",
      'cert-sha1',
      'abcdef0123456789abcdef0123456789abcdef01',
    ],
    ["[url:value='hxxps://Evil[.]example/x']", 'url', 'evil.example/x'],
    ["[process:name='BackupAgent']", 'process', 'BackupAgent'],
    [
      "[configuration-profile:id='76DAB334-7E17-475D-A5D6-0794EB5818A5']",
      'profile-id',
      '76dab334-7e17-475d-a5d6-0794eb5818a5',
    ],
    ["[android-property:name='persist.sys.spy']", 'android-property', 'persist.sys.spy'],
    ["[email-addr:value='A@B.example']", 'email', 'a@b.example'],
    ["[file:path='/private/var/tmp/x']", 'file-path', '/private/var/tmp/x'],
    ["[file:name='rce_loader.js']", 'file-name', 'rce_loader.js'],
    ["[ipv6-addr:value='2001:DB8::1']", 'ip', '2001:db8::1'],
    ["[domain-name:value='Bücher.example']", 'domain', 'xn--bcher-kva.example'],
  ])('%s → %s %s', (pattern, kind, value) => {
    const bundle = {
      type: 'bundle',
      objects: [
        { type: 'malware', id: 'malware--1', name: 'Fam' },
        { type: 'indicator', id: 'indicator--1', pattern, pattern_type: 'stix' },
        {
          type: 'relationship',
          id: 'relationship--1',
          relationship_type: 'indicates',
          source_ref: 'indicator--1',
          target_ref: 'malware--1',
        },
      ],
    };
    const feed = parseStix(JSON.stringify(bundle), 'x.stix2');
    expect(feed.indicators).toEqual([
      { kind, value, provenance: expect.objectContaining({ family: 'Fam', category: 'spyware' }) },
    ]);
  });

  it('splits OR patterns and refuses AND patterns', () => {
    expect(splitStixPattern("[domain-name:value='a.com' OR domain-name:value='b.com']")).toHaveLength(2);
    expect(splitStixPattern("[domain-name:value='a.com'] OR [ipv4-addr:value='1.2.3.4']")).toHaveLength(2);
    expect(splitStixPattern("[file:name='a' AND file:size=3]")).toBeUndefined();
    expect(stixPathKind('file:hashes.MD5')).toBeUndefined();
  });
});

describe('stalkerware-indicators STIX bundle', () => {
  const path = 'stalkerware-indicators/stalkerware.stix2';
  const text = readDataset(path);
  const feed = parseStix(text, path);
  const patterns = patternsOf(text);
  const count = (prefix: string) => patterns.filter((p) => p.startsWith(prefix)).length;

  it('has the pattern counts of the file, with category stalkerware', () => {
    expect(feed.indicators.filter((i) => i.kind === 'app-id').length).toBe(count('[app:id='));
    expect(feed.indicators.filter((i) => i.kind === 'cert-sha1').length).toBe(count('[app:cert.sha1='));
    expect(feed.indicators.filter((i) => i.kind === 'file-sha256').length).toBe(
      count('[file:hashes.sha256='),
    );
    const network = feed.indicators.filter((i) => i.kind === 'domain' || i.kind === 'ip' || i.kind === 'url');
    expect(network.length).toBe(count('[domain-name:value='));
    expect(count('[app:id=')).toBe(590);
    expect(feed.indicators.every((i) => i.provenance.category === 'stalkerware')).toBe(true);
  });

  it('attributes a package through its indicates relationship', () => {
    const index = buildIntelIndex([feed]);
    expect(index.find('app-id', 'com.apspy.app')?.provenance[0]?.family).toBe('TheTruthSpy');
  });
});

describe('parseStix on broken input', () => {
  it.each([
    ['broken JSON', '{\n "type": "bundle",\n "objects": [\n }', /x\.stix2:4: invalid JSON/],
    ['not a bundle', '{"type": "indicator"}', /x\.stix2:1: not a STIX bundle/],
    [
      'an object without id',
      '{"type":"bundle","objects":[{"type":"indicator"}]}',
      /x\.stix2 \(objects\[0\]\): object without type or id/,
    ],
    [
      'an indicator without pattern',
      '{"type":"bundle","objects":[{"type":"indicator","id":"indicator--9"}]}',
      /x\.stix2 \(objects\[0\] indicator--9\): indicator without a pattern/,
    ],
  ])('rejects %s naming the file and line/object', (_name, input, message) => {
    expect(() => parseStix(input, 'x.stix2')).toThrow(IntelParseError);
    expect(() => parseStix(input, 'x.stix2')).toThrow(message);
  });
});
