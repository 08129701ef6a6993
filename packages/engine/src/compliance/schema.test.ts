import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { strictPolicy } from '../../test-support/compliance.ts';
import { CompliancePolicySchema } from './schema.ts';

describe('CompliancePolicySchema', () => {
  it('accepts a full policy', () => {
    const full = {
      ...strictPolicy,
      assignment: {
        groups: ['sales'],
        platforms: ['android', 'ios'],
        ownership: ['corporate'],
        users: ['alice'],
      },
      actions: [{ afterHours: 0, action: 'notify' }],
      unresponsive: { afterDays: 7, treatAs: 'unknown' },
    };
    expect(Value.Check(CompliancePolicySchema, full)).toBe(true);
  });

  it.each([
    ['a non-numeric minimum OS version', { rules: { minOsVersion: { ios: 'seventeen' } } }],
    ['a negative grace period', { gracePeriodHours: -1 }],
    ['an unknown action', { actions: [{ afterHours: 1, action: 'wipe' }] }],
    ['an unknown attestation level', { rules: { requireAttestation: 'tpm' } }],
    ['an unknown rule', { rules: { requireVpn: true } }],
    ['a zero-day unresponsive limit', { unresponsive: { afterDays: 0, treatAs: 'unknown' } }],
    ['a fractional patch age', { rules: { maxPatchAgeDays: 1.5 } }],
    ['an empty id', { id: '' }],
  ])('rejects %s', (_name, patch) => {
    expect(Value.Check(CompliancePolicySchema, { ...strictPolicy, ...patch })).toBe(false);
  });
});
