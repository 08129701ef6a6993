import { describe, expect, it } from 'vitest';
import { isCanonicalIpv4, isNormalDomain, normalizeDomain, normalizeIp } from './normalize.ts';

describe('isNormalDomain', () => {
  it.each([
    ['evil.example.com', true],
    ['a-b_c.co', true],
    ['xn--80ak6aa92e.com', true],
    ['0x7f.1', true],
    ['Evil.example.com', false],
    ['evil.example.com.', false],
    [' evil.example.com', false],
    ['*.evil.com', false],
    ['com', false],
    ['1.2.3.4', false],
    ['-bad.com', false],
    ['a..com', false],
    ['evil[.]com', false],
    ['host:443', false],
    ['bücher.de', false],
    ['', false],
    [`${'a'.repeat(64)}.com`, false],
  ])('%j → %s, and true only when normalizeDomain keeps the value', (value, expected) => {
    expect(isNormalDomain(value)).toBe(expected);
    if (expected) expect(normalizeDomain(value)).toBe(value);
  });
});

describe('isCanonicalIpv4', () => {
  it.each([
    ['1.2.3.4', true],
    ['255.255.255.255', true],
    ['0.0.0.0', true],
    ['10.0.200.99', true],
    ['01.2.3.4', false],
    ['256.1.1.1', false],
    ['1.2.3', false],
    ['1.2.3.4 ', false],
    ['::1', false],
    ['1[.]2.3.4', false],
  ])('%j → %s, and true only when normalizeIp keeps the value', (value, expected) => {
    expect(isCanonicalIpv4(value)).toBe(expected);
    if (expected) expect(normalizeIp(value)).toBe(value);
  });
});
