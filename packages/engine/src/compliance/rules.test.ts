import { describe, expect, it } from 'vitest';
import { device, NOW, strictPolicy } from '../../test-support/compliance.ts';
import type { ComplianceDevice, ComplianceRuleName } from './model.ts';
import { evaluateRules, parsePatchLevel } from './rules.ts';
import type { ComplianceRules } from './schema.ts';

interface Case {
  name: string;
  rules?: ComplianceRules;
  device: Partial<ComplianceDevice>;
  failing: ComplianceRuleName[];
  actual?: string;
}

const cases: Case[] = [
  { name: 'clean device passes every rule', device: {}, failing: [] },
  // maxThreatLevel
  { name: 'risk low is at most low', device: { riskLevel: 'low' }, failing: [] },
  {
    name: 'risk medium exceeds low',
    device: { riskLevel: 'medium' },
    failing: ['maxThreatLevel'],
    actual: 'medium',
  },
  { name: 'risk high exceeds low', device: { riskLevel: 'high' }, failing: ['maxThreatLevel'] },
  {
    name: 'max secured fails low',
    rules: { maxThreatLevel: 'secured' },
    device: { riskLevel: 'low' },
    failing: ['maxThreatLevel'],
  },
  {
    name: 'max high allows high',
    rules: { maxThreatLevel: 'high' },
    device: { riskLevel: 'high' },
    failing: [],
  },
  // minOsVersion
  { name: 'android 13 meets 13', device: { osVersion: '13' }, failing: [] },
  { name: 'android 12.1 below 13', device: { osVersion: '12.1' }, failing: ['minOsVersion'], actual: '12.1' },
  { name: 'android unreadable version', device: { osVersion: 'unknown' }, failing: ['minOsVersion'] },
  {
    name: 'android version missing',
    device: { osVersion: undefined },
    failing: ['minOsVersion'],
    actual: 'not reported',
  },
  { name: 'ios 17.5.1 meets 17.5', device: { platform: 'ios', osVersion: '17.5.1' }, failing: [] },
  { name: 'ios 18.0 meets 17.5', device: { platform: 'ios', osVersion: '18.0' }, failing: [] },
  {
    name: 'ios 17.4.1 below 17.5',
    device: { platform: 'ios', osVersion: '17.4.1' },
    failing: ['minOsVersion'],
  },
  {
    name: 'platform without a minimum is not checked',
    rules: { minOsVersion: { ios: '17' } },
    device: { osVersion: '4' },
    failing: [],
  },
  // maxPatchAgeDays (NOW is 2026-11-25)
  { name: 'patch 90 days old passes', device: { patchLevel: '2026-08-27' }, failing: [] },
  { name: 'patch 91 days old fails', device: { patchLevel: '2026-08-26' }, failing: ['maxPatchAgeDays'] },
  { name: 'patch missing fails', device: { patchLevel: undefined }, failing: ['maxPatchAgeDays'] },
  { name: 'patch not a date fails', device: { patchLevel: '2026-02-31' }, failing: ['maxPatchAgeDays'] },
  {
    name: 'patch age not checked on iOS',
    device: { platform: 'ios', osVersion: '18', patchLevel: undefined },
    failing: [],
  },
  // screen lock / encryption
  {
    name: 'no screen lock',
    device: { screenLock: false },
    failing: ['requireScreenLock'],
    actual: 'no screen lock',
  },
  { name: 'screen lock unknown', device: { screenLock: undefined }, failing: ['requireScreenLock'] },
  { name: 'not encrypted', device: { encrypted: false }, failing: ['requireEncryption'] },
  { name: 'encryption unknown', device: { encrypted: undefined }, failing: ['requireEncryption'] },
  {
    name: 'screen lock and encryption not required',
    rules: { requireScreenLock: false, requireEncryption: false },
    device: { screenLock: false, encrypted: false },
    failing: [],
  },
  // attestation
  {
    name: 'hardware: TEE passes',
    device: { attestation: { state: 'verified', securityLevel: 'trusted-environment' } },
    failing: [],
  },
  {
    name: 'hardware: software level fails',
    device: { attestation: { state: 'verified', securityLevel: 'software' } },
    failing: ['requireAttestation'],
  },
  {
    name: 'hardware: unknown level fails',
    device: { attestation: { state: 'verified' } },
    failing: ['requireAttestation'],
  },
  {
    name: 'any: software level passes',
    rules: { requireAttestation: 'any' },
    device: { attestation: { state: 'verified', securityLevel: 'software' } },
    failing: [],
  },
  {
    name: 'any: failed attestation fails',
    rules: { requireAttestation: 'any' },
    device: { attestation: { state: 'failed' } },
    failing: ['requireAttestation'],
    actual: 'failed',
  },
  {
    name: 'any: missing attestation fails',
    rules: { requireAttestation: 'any' },
    device: { attestation: undefined },
    failing: ['requireAttestation'],
    actual: 'missing',
  },
  {
    name: 'any: a verified attestation past its validUntil fails as expired',
    rules: { requireAttestation: 'any' },
    device: { attestation: { state: 'verified', validUntil: new Date(NOW.getTime() - 1) } },
    failing: ['requireAttestation'],
    actual: 'expired',
  },
  {
    name: 'any: a verified attestation before its validUntil passes',
    rules: { requireAttestation: 'any' },
    device: { attestation: { state: 'verified', validUntil: new Date(NOW.getTime() + 1) } },
    failing: [],
  },
  // several at once, in rule order
  {
    name: 'several failures are all reported',
    device: { riskLevel: 'high', osVersion: '12', screenLock: false, encrypted: false },
    failing: ['maxThreatLevel', 'minOsVersion', 'requireScreenLock', 'requireEncryption'],
  },
  {
    name: 'no rules: everything passes',
    rules: {},
    device: { riskLevel: 'high', screenLock: false },
    failing: [],
  },
];

describe('evaluateRules', () => {
  it.each(cases)('$name', (c) => {
    const verdict = evaluateRules(device(c.device), c.rules ?? strictPolicy.rules, NOW);
    expect(verdict.failing.map((f) => f.rule)).toEqual(c.failing);
    for (const failure of verdict.failing) {
      expect(failure.reason.length).toBeGreaterThan(10);
      expect(failure.expected).not.toBe('');
    }
    if (c.actual !== undefined) expect(verdict.failing[0]?.actual).toBe(c.actual);
  });

  it('says when a passing patch level will become too old', () => {
    const verdict = evaluateRules(device({ patchLevel: '2026-11-01' }), { maxPatchAgeDays: 30 }, NOW);
    expect(verdict.failing).toEqual([]);
    expect(verdict.failsAt?.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    const later = evaluateRules(
      device({ patchLevel: '2026-11-01' }),
      { maxPatchAgeDays: 30 },
      new Date('2026-12-02'),
    );
    expect(later.failing.map((f) => f.rule)).toEqual(['maxPatchAgeDays']);
  });

  it('says when a standing attestation expires (the earlier of that and the patch limit)', () => {
    const validUntil = new Date('2026-11-28T00:00:00.000Z');
    const attested = device({ patchLevel: '2026-11-01', attestation: { state: 'verified', validUntil } });
    const verdict = evaluateRules(attested, { maxPatchAgeDays: 30, requireAttestation: 'any' }, NOW);
    expect(verdict.failing).toEqual([]);
    expect(verdict.failsAt).toEqual(validUntil);
  });
});

describe('parsePatchLevel', () => {
  it.each([
    ['2026-11-01', Date.UTC(2026, 10, 1)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2023-02-29', undefined],
    ['2026-13-01', undefined],
    ['2026-11', undefined],
    ['', undefined],
  ])('%j', (value, expected) => {
    expect(parsePatchLevel(value)).toBe(expected);
  });
});
