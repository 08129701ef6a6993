import type { ComplianceDevice } from '../src/compliance/model.ts';
import type { CompliancePolicy } from '../src/compliance/schema.ts';

/** Shared test data for compliance tests (not exported from the engine). */
export const NOW = new Date('2026-11-25T12:00:00.000Z');

export const hoursBefore = (hours: number, from: Date = NOW): Date =>
  new Date(from.getTime() - hours * 3_600_000);

/** A device that passes every rule of `strictPolicy` at NOW. */
export function device(overrides: Partial<ComplianceDevice> = {}): ComplianceDevice {
  return {
    platform: 'android',
    ownership: 'corporate',
    user: 'alice',
    groups: ['sales'],
    riskLevel: 'secured',
    osVersion: '14',
    patchLevel: '2026-11-01',
    screenLock: true,
    encrypted: true,
    attestation: { state: 'verified', securityLevel: 'strongbox' },
    lastSeenAt: hoursBefore(1),
    ...overrides,
  };
}

export function policy(overrides: Partial<CompliancePolicy> = {}): CompliancePolicy {
  return {
    id: 'p1',
    name: 'Baseline',
    assignment: {},
    rules: {},
    gracePeriodHours: 0,
    actions: [],
    unresponsive: { afterDays: 7, treatAs: 'compliant' },
    enabled: true,
    ...overrides,
  };
}

/** A policy that sets every rule. */
export const strictPolicy = policy({
  id: 'strict',
  rules: {
    maxThreatLevel: 'low',
    minOsVersion: { android: '13', ios: '17.5' },
    maxPatchAgeDays: 90,
    requireScreenLock: true,
    requireEncryption: true,
    requireAttestation: 'hardware',
  },
});
