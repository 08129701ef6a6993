import { describe, expect, it } from 'vitest';
import { normalizeHost } from '../detectors/host.ts';
import type { IndicatorKind } from '../types.ts';
import { buildIntelIndex } from './index-builder.ts';
import {
  isNormalDomain,
  normalizeDomain,
  normalizeIndicator,
  normalizeIp,
  normalizeUrl,
  splitHostPort,
} from './normalize.ts';
import {
  appIdKey,
  appIdTailKey,
  createBitFilter,
  domainKey,
  filterDomainSuffixes,
  hexDigitsFor,
  hexKey,
  NO_KEY,
  NOT_NORMAL,
} from './prefilter.ts';
import { emptyFeed, type ParsedFeed } from './types.ts';

/** A small seeded generator (mulberry32), so failures reproduce. */
function rngOf(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rngOf(20261125);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const hex = (chars: number) => Array.from({ length: chars }, () => pick([...'0123456789abcdef'])).join('');
const label = () =>
  Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
    pick([...'abcdefghijklmnopqrstuvwxyz0123456789-_']),
  )
    .join('')
    .replace(/^-/, 'x');

function feedOf(values: ReadonlyArray<readonly [IndicatorKind, string]>): ParsedFeed {
  const out = emptyFeed('feed', 'domain-list', 'feed.txt');
  for (const [kind, value] of values)
    out.indicators.push({ kind, value, provenance: { feed: 'feed', category: 'c2' } });
  return out;
}

// Enough values that the filters have collisions (false positives) to fall through.
const appIds = Array.from({ length: 400 }, () => `${label()}.${label()}.${label()}`);
const sha1 = Array.from({ length: 400 }, () => hex(40));
const sha256 = Array.from({ length: 400 }, () => hex(64));
const files = Array.from({ length: 400 }, () => hex(64));
const domains = Array.from({ length: 400 }, () => `${label()}.${pick(['com', 'net', 'co.uk', 'xn--p1ai'])}`);
const values: [IndicatorKind, string][] = [
  ...appIds.map((v) => ['app-id', v] as [IndicatorKind, string]),
  ...sha1.map((v) => ['cert-sha1', v] as [IndicatorKind, string]),
  ...sha256.map((v) => ['cert-sha256', v] as [IndicatorKind, string]),
  ...files.map((v) => ['file-sha256', v] as [IndicatorKind, string]),
  ...domains.map((v) => ['domain', v] as [IndicatorKind, string]),
  ['domain', 'xn--bcher-kva.example'],
  ['domain', 'deep.sub.example'],
  ['domain', 'sub.example'],
  ['domain', '123.example'],
  ['ip', '1.2.3.4'],
  ['ip', '2001:db8::1'],
  // Values a parser did not normalise: exact lookups must still find them.
  ['app-id', 'Com.Upper.Case'],
  ['cert-sha1', `${'AB:'.repeat(19)}AB`],
];
const index = buildIntelIndex([feedOf(values)]);
const maps = new Map<IndicatorKind, Map<string, string>>();
for (const [kind, value] of values) {
  const map = maps.get(kind) ?? new Map<string, string>();
  map.set(value, value);
  maps.set(kind, map);
}

/** The lookup without filters: the raw value, then its normal form. */
function referenceFind(kind: IndicatorKind, value: string): string | undefined {
  const map = maps.get(kind);
  const direct = map?.get(value);
  if (direct !== undefined) return direct;
  const normalised = normalizeIndicator(kind, value);
  return normalised === undefined ? undefined : map?.get(normalised);
}

function referenceWalk(domain: string): string | undefined {
  const map = maps.get('domain');
  let current = domain;
  for (;;) {
    const hit = map?.get(current);
    if (hit !== undefined) return hit;
    const dot = current.indexOf('.');
    const parent = current.slice(dot + 1);
    if (dot === -1 || !parent.includes('.')) return undefined;
    current = parent;
  }
}

/** `findDomain` as it was before the filters (regex normal-form test, then a walk with slices). */
function referenceFindDomain(host: string): string | undefined {
  if (isNormalDomain(host)) return referenceWalk(host);
  let trimmed = host.trim();
  const literal = normalizeIp(trimmed.replace(/^\[|\]$/g, ''));
  if (literal !== undefined) return maps.get('ip')?.get(literal);
  if (trimmed.includes('/') || trimmed.includes(':')) {
    const url = normalizeUrl(trimmed);
    const { host: bare } = splitHostPort(url === undefined ? trimmed : (url.split('/')[0] ?? url));
    const ip = normalizeIp(bare.replace(/^\[|\]$/g, ''));
    if (ip !== undefined) return maps.get('ip')?.get(ip);
    trimmed = bare;
  }
  const domain = normalizeDomain(trimmed);
  return domain === undefined ? undefined : referenceWalk(domain);
}

/** Variants of a value that the normalisers accept (or reject) in different ways. */
function variantsOf(value: string): string[] {
  const upper = value.toUpperCase();
  const colons = value.match(/.{1,2}/g)?.join(':') ?? value;
  return [
    value,
    upper,
    colons,
    colons.toUpperCase(),
    ` ${value}`,
    `${value} `,
    `\t${upper}\n`,
    `\u00a0${value}`,
    `${value}\u00a0`,
    `${value.slice(0, 4)} ${value.slice(4)}`,
    `${value.slice(0, 9)}\u2028${value.slice(9)}`,
    value.slice(1),
    `${value}0`,
    value.replace(/k/g, '\u212a'), // KELVIN SIGN lower-cases to ASCII k
    value.replace(/s/g, '\u017f'), // LONG S upper-cases to ASCII S
    value.replace(/a/g, 'à'),
    value.replace(/\./g, '[.]'),
  ];
}

describe('indicator miss filters', () => {
  it.each(['app-id', 'cert-sha1', 'cert-sha256', 'file-sha256'] as const)(
    'find(%s) agrees with the unfiltered lookup on listed values, variants and random misses',
    (kind) => {
      const listed = [...(maps.get(kind)?.keys() ?? [])];
      const misses =
        kind === 'app-id'
          ? Array.from({ length: 2000 }, () => `${label()}.${label()}`)
          : Array.from({ length: 2000 }, () => hex(kind === 'cert-sha1' ? 40 : 64));
      let hits = 0;
      for (const value of [...listed.flatMap(variantsOf), ...misses.flatMap(variantsOf)]) {
        const expected = referenceFind(kind, value);
        if (expected !== undefined) hits++;
        expect(index.find(kind, value)?.value, `${kind} ${JSON.stringify(value)}`).toBe(expected);
      }
      expect(hits).toBeGreaterThan(listed.length * 4);
    },
  );

  it('findDomain agrees with the unfiltered lookup on hosts under listed names and random hosts', () => {
    const hosts = [
      ...domains.flatMap((d) => [d, `www.${d}`, `${label()}.${label()}.${d}`, `${d}.evil`, d.toUpperCase()]),
      ...Array.from(
        { length: 2000 },
        () => `${label()}.${label()}.${pick(['com', 'net', 'co.uk', 'example'])}`,
      ),
    ];
    let hits = 0;
    for (const host of hosts) {
      const expected = referenceFindDomain(host);
      if (expected !== undefined) hits++;
      expect(index.findDomain(host)?.value, host).toBe(expected);
    }
    expect(hits).toBeGreaterThan(domains.length * 3);
  });

  it('findHost agrees with findDomain after normalizeHost, on normal and unusual hosts', () => {
    const hosts = [
      ...domains.flatMap((d) => [d, `www.${d}`, d.toUpperCase(), `${d}.`, `${d}..`, ` ${d}`, `${d}\t`]),
      ...Array.from(
        { length: 500 },
        () => `${label()}.${label()}.${pick(['com', 'net', 'co.uk', 'example'])}`,
      ),
      'Deep.Sub.Example.',
      'bücher.example',
      'WWW.BÜCHER.EXAMPLE',
      'sub[.]example',
      'https://sub.example/x',
      'sub.example:443',
      '1.2.3.4',
      '[2001:db8::1]',
      '-sub.example',
      'a..sub.example',
      '',
      '.',
    ];
    let hits = 0;
    for (const host of hosts) {
      const expected = index.findDomain(normalizeHost(host));
      if (expected !== undefined) hits++;
      expect(index.findHost?.(host)?.value, JSON.stringify(host)).toBe(expected?.value);
    }
    expect(hits).toBeGreaterThan(domains.length * 3);
  });

  it.each([
    ['deep.sub.example', 'deep.sub.example'],
    ['a.b.deep.sub.example', 'deep.sub.example'],
    ['other.sub.example', 'sub.example'],
    ['Deep.Sub.Example.', 'deep.sub.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['WWW.BÜCHER.EXAMPLE', 'xn--bcher-kva.example'],
    ['www.xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['hxxps://www[.]sub[.]example/login', 'sub.example'],
    ['sub(.)example', 'sub.example'],
    ['*.sub.example', 'sub.example'],
    ['https://sub.example:8443/x', 'sub.example'],
    ['sub.example:443', 'sub.example'],
    ['1.2.3.4', '1.2.3.4'],
    ['01.2.3.4', '1.2.3.4'],
    ['1[.]2[.]3[.]4', '1.2.3.4'],
    ['[2001:DB8::1]:443', '2001:db8::1'],
    ['2001:db8:0::1', '2001:db8::1'],
    ['123.example', '123.example'],
    ['4.123.example', '123.example'],
    ['example', undefined],
    ['x.example', undefined],
    ['-sub.example', undefined],
    ['a..sub.example', undefined],
    [`${'a'.repeat(64)}.sub.example`, undefined],
    [`${'a.'.repeat(125)}sub.example`, undefined],
    ['', undefined],
    ['.', undefined],
    ['sub.example.', 'sub.example'],
    [' sub.example ', 'sub.example'],
  ])('findDomain(%j) → %s, as without the filter', (host, expected) => {
    expect(referenceFindDomain(host)).toBe(expected);
    expect(index.findDomain(host)?.value).toBe(expected);
  });
});

describe('prefilter keys', () => {
  it('folds ASCII case in package ids and refuses what trim or toLowerCase could change', () => {
    expect(appIdKey('Com.Example.App')).toBe(appIdKey('com.example.app'));
    expect(appIdKey('com.example.app')).not.toBe(NO_KEY);
    for (const value of [' com.x', 'com.x ', 'com.\u212a', 'com.à', 'com x', 'com/x'])
      expect(appIdKey(value), value).toBe(NO_KEY);
    // Only the length, the first and the last eight characters count; the exact lookup sees the rest.
    expect(appIdKey('com.Example.Middle.part.app')).toBe(appIdKey('com.example.middle.part.app'));
    expect(appIdKey('com.example.\u212aiddle.part.app')).toBe(appIdKey('com.example.kiddle.part.app'));
    expect(appIdKey('com.example.middle.part.app')).not.toBe(appIdKey('com.example.middle.part.apps'));
  });

  it('keys a package id by its length, first and last four characters first, folding ASCII case', () => {
    expect(appIdTailKey('Com.Example.APP')).toBe(appIdTailKey('com.example.app'));
    // Only the length, the first and the last four characters count; the next filter sees the rest.
    expect(appIdTailKey('com.sample.app')).toBe(appIdTailKey('cxx.xxxxxx.app'));
    expect(appIdTailKey('com.example.app')).not.toBe(NO_KEY);
    expect(appIdTailKey('com.example.app')).not.toBe(appIdTailKey('com.example.apps'));
    expect(appIdTailKey('com.example.app')).not.toBe(appIdTailKey('com.example.apq'));
    expect(appIdTailKey('com.example.app')).not.toBe(appIdTailKey('org.example.app'));
    for (const value of ['a.ap', ' com.x.app', 'com.x ', 'com.\u212a', 'com.à', 'com.a/x', '\u00a0com.app'])
      expect(appIdTailKey(value), value).toBe(NO_KEY);
  });

  it('keys a fingerprint by its first six hex digits, whatever the separators and case', () => {
    const key = hexKey('0123abcd'.repeat(5));
    expect(key).toBe(0x0123ab);
    expect(hexKey('01:23:AB:CD:ef')).toBe(key);
    expect(hexKey(' 0123 abcd')).toBe(key);
    expect(hexKey('\t01\n23\rABcd')).toBe(key);
    for (const value of ['0123a', '\u00a00123abcd', '0123-abcd', 'x0123abcd', ''])
      expect(hexKey(value), value).toBe(NO_KEY);
    // Past the sixth digit, only `normalizeHex` decides.
    expect(hexKey('0123abcd-not-hex')).toBe(key);
  });

  it('reads only the hex digits a filter needs', () => {
    expect(hexKey('0123abcd', 3)).toBe(0x012);
    expect(hexKey('01:23:AB', 4)).toBe(0x0123);
    // A character past the digits needed is left to the exact lookup.
    expect(hexKey('012-x', 3)).toBe(0x012);
    expect(hexKey('01-x', 3)).toBe(NO_KEY);
    expect(hexDigitsFor(createBitFilter(1))).toBe(3); // 2^10 bits
    expect(hexDigitsFor(createBitFilter(1000))).toBe(4); // 2^15 bits
    expect(hexDigitsFor(createBitFilter(4000))).toBe(5); // 2^17 bits
    expect(hexDigitsFor(createBitFilter(10_000_000))).toBe(6); // 2^22 bits
    for (const size of [1, 1000, 4000, 200_000]) {
      const filter = createBitFilter(size);
      // The key has at least as many bits as the filter keeps.
      expect(2 ** (4 * hexDigitsFor(filter)) - 1).toBeGreaterThanOrEqual(filter.mask);
    }
  });

  it('gives every suffix of a normal host the key of that suffix as a name', () => {
    const filter = createBitFilter(1);
    // A filter that holds every key: each suffix of two labels or more is a candidate, longest first.
    filter.bits.fill(0xffffffff);
    expect(filterDomainSuffixes('a.b.example.com', filter)).toEqual([0, 2, 4]);
    expect(filterDomainSuffixes('example.com', filter)).toEqual([0]);
    const empty = createBitFilter(1);
    expect(filterDomainSuffixes('a.b.example.com', empty)).toBeUndefined();
    expect(domainKey('b.example.com')).toBe(domainKey('b.example.com'));
  });

  it('treats random strings as normal exactly when isNormalDomain does', () => {
    const filter = createBitFilter(1);
    const alphabet = [...'ab9-._.A é:[]'];
    for (let n = 0; n < 20_000; n++) {
      const host = Array.from({ length: Math.floor(random() * 12) }, () => pick(alphabet)).join('');
      expect(filterDomainSuffixes(host, filter) !== NOT_NORMAL, JSON.stringify(host)).toBe(
        isNormalDomain(host),
      );
    }
  });

  it.each([
    'evil.example.com',
    'a-b_c.co',
    'xn--80ak6aa92e.com',
    '0x7f.1',
    'a-.com',
    'Evil.example.com',
    'evil.example.com.',
    ' evil.example.com',
    '*.evil.com',
    'com',
    '1.2.3.4',
    '1.2',
    '-bad.com',
    'ok.-bad.com',
    'a..com',
    '.a.com',
    'evil[.]com',
    'host:443',
    'bücher.de',
    '',
    `${'a'.repeat(63)}.com`,
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(125)}com`,
    `${'a.'.repeat(126)}com`,
  ])('treats %j as normal exactly when isNormalDomain does', (host) => {
    const filter = createBitFilter(1);
    expect(filterDomainSuffixes(host, filter) !== NOT_NORMAL).toBe(isNormalDomain(host));
  });
});
