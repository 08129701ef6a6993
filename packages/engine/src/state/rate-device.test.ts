import { describe, expect, it } from 'vitest';
import { device, hoursBefore, NOW, policy } from '../../test-support/compliance.ts';
import type { ComplianceState } from '../compliance/model.ts';
import type { CompliancePolicy } from '../compliance/schema.ts';
import type { RiskLevel } from '../types.ts';
import { type RatedThreat, rateDevice } from './rate-device.ts';

const { riskLevel: _ignored, ...facts } = device();
const atMostLow = policy({ id: 'low', rules: { maxThreatLevel: 'low' } });
const withGrace = policy({
  id: 'grace',
  rules: { maxThreatLevel: 'low' },
  gracePeriodHours: 24,
  actions: [
    { afterHours: 0, action: 'notify' },
    { afterHours: 48, action: 'block-access' },
  ],
});
const unresponsive = policy({ id: 'silent', unresponsive: { afterDays: 7, treatAs: 'noncompliant' } });

interface Case {
  readonly name: string;
  readonly threats: readonly RatedThreat[];
  readonly policies: readonly CompliancePolicy[];
  readonly labels?: readonly string[];
  readonly device?: Partial<typeof facts>;
  readonly risk: RiskLevel;
  readonly labelsAfter: readonly string[];
  readonly state: ComplianceState;
  readonly failing: readonly string[];
  readonly due?: readonly string[];
}

const cases: Case[] = [
  {
    name: 'no threats, no policy',
    threats: [],
    policies: [],
    risk: 'secured',
    labelsAfter: [],
    state: 'compliant',
    failing: [],
  },
  {
    name: 'an active high threat fails "at most low"',
    threats: [{ risk: 'high', state: 'active' }],
    policies: [atMostLow],
    labels: ['vip'],
    risk: 'high',
    labelsAfter: ['vip', 'MTD - High Risk'],
    state: 'noncompliant',
    failing: ['low:maxThreatLevel'],
  },
  {
    name: 'the only high threat ignored: secured and compliant (issue 12)',
    threats: [{ risk: 'high', state: 'ignored' }],
    policies: [atMostLow],
    labels: ['MTD - High Risk'],
    risk: 'secured',
    labelsAfter: [],
    state: 'compliant',
    failing: [],
  },
  {
    name: 'resolved threats do not count',
    threats: [
      { risk: 'high', state: 'resolved' },
      { risk: 'low', state: 'active' },
    ],
    policies: [atMostLow],
    risk: 'low',
    labelsAfter: ['MTD - Low Risk'],
    state: 'compliant',
    failing: [],
  },
  {
    name: 'a threat overridden to none counts as secured',
    threats: [{ risk: 'none', state: 'active' }],
    policies: [atMostLow],
    labels: ['MTD - Moderate Risk'],
    risk: 'secured',
    labelsAfter: [],
    state: 'compliant',
    failing: [],
  },
  {
    name: 'medium: highest active wins over ignored high',
    threats: [
      { risk: 'medium', state: 'active' },
      { risk: 'high', state: 'ignored' },
      { risk: 'low', state: 'active' },
    ],
    policies: [atMostLow],
    risk: 'medium',
    labelsAfter: ['MTD - Moderate Risk'],
    state: 'noncompliant',
    failing: ['low:maxThreatLevel'],
  },
  {
    name: 'first failure starts the grace period, notify is due at once',
    threats: [{ risk: 'high', state: 'active' }],
    policies: [withGrace],
    risk: 'high',
    labelsAfter: ['MTD - High Risk'],
    state: 'in-grace-period',
    failing: ['grace:maxThreatLevel'],
    due: ['grace:notify'],
  },
  {
    name: 'grace over after 50 hours: noncompliant, notify and block due',
    threats: [{ risk: 'high', state: 'active' }],
    policies: [withGrace],
    device: { noncompliantSince: hoursBefore(50) },
    risk: 'high',
    labelsAfter: ['MTD - High Risk'],
    state: 'noncompliant',
    failing: ['grace:maxThreatLevel'],
    due: ['grace:notify', 'grace:block-access'],
  },
  {
    name: 'a silent device fails the unresponsive rule without any threat',
    threats: [],
    policies: [unresponsive],
    device: { lastSeenAt: hoursBefore(8 * 24) },
    risk: 'secured',
    labelsAfter: [],
    state: 'noncompliant',
    failing: ['silent:unresponsive'],
  },
  {
    name: 'a disabled policy does not apply',
    threats: [{ risk: 'high', state: 'active' }],
    policies: [{ ...atMostLow, enabled: false }],
    risk: 'high',
    labelsAfter: ['MTD - High Risk'],
    state: 'compliant',
    failing: [],
  },
];

describe('rateDevice', () => {
  it.each(cases)('$name', (c) => {
    const rating = rateDevice({
      threats: c.threats,
      device: { ...facts, ...c.device },
      labels: c.labels ?? [],
      policies: c.policies,
      now: NOW,
    });
    expect(rating.riskLevel).toBe(c.risk);
    expect(rating.labels).toEqual(c.labelsAfter);
    expect(rating.compliance.state).toBe(c.state);
    expect(rating.compliance.failingRules.map((r) => `${r.policyId}:${r.rule}`)).toEqual(c.failing);
    expect(rating.compliance.dueActions.map((a) => `${a.policyId}:${a.action}`)).toEqual(c.due ?? []);
  });

  it('reads a generator of threats once (the server may stream rows)', () => {
    function* rows(): Iterable<RatedThreat> {
      yield { risk: 'low', state: 'active' };
      yield { risk: 'high', state: 'active' };
    }
    expect(rateDevice({ threats: rows(), device: facts, labels: [], policies: [], now: NOW }).riskLevel).toBe(
      'high',
    );
  });
});
