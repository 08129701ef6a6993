import type { CompliancePolicy } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { readsSnapshot } from './rerate.ts';

const policy = (rules: CompliancePolicy['rules']): CompliancePolicy => ({
  id: 'p',
  name: 'p',
  assignment: {},
  rules,
  gracePeriodHours: 0,
  actions: [],
  unresponsive: { afterDays: 30, treatAs: 'compliant' },
  enabled: true,
});

describe('which policies need the stored snapshot to re-evaluate compliance', () => {
  it.each([
    ['no rules', {}, false],
    ['threat level only', { maxThreatLevel: 'medium' }, false],
    ['minimum OS version', { maxThreatLevel: 'medium', minOsVersion: { android: '14' } }, true],
    ['patch age', { maxPatchAgeDays: 90 }, true],
    ['screen lock (even when false)', { requireScreenLock: false }, true],
    ['encryption', { requireEncryption: true }, true],
    ['attestation', { requireAttestation: 'any' }, true],
    ['a rule this code does not know', { someFutureRule: 1 } as never, true],
  ] as const)('%s', (_name, rules, expected) => {
    expect(readsSnapshot(policy(rules as CompliancePolicy['rules']))).toBe(expected);
  });
});
