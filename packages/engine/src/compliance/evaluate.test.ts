import { describe, expect, it } from 'vitest';
import { device, hoursBefore, NOW, policy } from '../../test-support/compliance.ts';
import { evaluateCompliance } from './evaluate.ts';
import type { ComplianceDevice, ComplianceState } from './model.ts';
import type { ComplianceAssignment, CompliancePolicy } from './schema.ts';

/** Fails whenever the device is at medium risk or above. */
const riskPolicy = (overrides: Partial<CompliancePolicy> = {}): CompliancePolicy =>
  policy({ rules: { maxThreatLevel: 'low' }, ...overrides });

describe('assignment filtering', () => {
  const risky: Partial<ComplianceDevice> = { riskLevel: 'high' };
  const cases: {
    name: string;
    assignment: ComplianceAssignment;
    device: Partial<ComplianceDevice>;
    applies: boolean;
  }[] = [
    { name: 'empty assignment is everyone', assignment: {}, device: {}, applies: true },
    {
      name: 'empty lists are everyone',
      assignment: { groups: [], users: [], platforms: [] },
      device: {},
      applies: true,
    },
    { name: 'group match', assignment: { groups: ['eng', 'sales'] }, device: {}, applies: true },
    { name: 'group miss', assignment: { groups: ['eng'] }, device: {}, applies: false },
    { name: 'no groups on device', assignment: { groups: ['eng'] }, device: { groups: [] }, applies: false },
    { name: 'user match', assignment: { users: ['alice'] }, device: {}, applies: true },
    { name: 'user miss', assignment: { users: ['bob'] }, device: {}, applies: false },
    { name: 'platform match', assignment: { platforms: ['android'] }, device: {}, applies: true },
    { name: 'platform miss', assignment: { platforms: ['ios'] }, device: {}, applies: false },
    { name: 'ownership match', assignment: { ownership: ['corporate'] }, device: {}, applies: true },
    { name: 'ownership miss', assignment: { ownership: ['personal'] }, device: {}, applies: false },
    {
      name: 'user or group: group matches',
      assignment: { users: ['bob'], groups: ['sales'] },
      device: {},
      applies: true,
    },
    {
      name: 'user or group: user matches',
      assignment: { users: ['alice'], groups: ['eng'] },
      device: {},
      applies: true,
    },
    {
      name: 'user or group: neither',
      assignment: { users: ['bob'], groups: ['eng'] },
      device: {},
      applies: false,
    },
    {
      name: 'all dimensions must match',
      assignment: { groups: ['sales'], platforms: ['android'], ownership: ['personal'] },
      device: {},
      applies: false,
    },
  ];
  it.each(cases)('$name', (c) => {
    const result = evaluateCompliance(
      device({ ...risky, ...c.device }),
      [riskPolicy({ assignment: c.assignment })],
      NOW,
    );
    expect(result.policies.length).toBe(c.applies ? 1 : 0);
    expect(result.state).toBe(c.applies ? 'noncompliant' : 'compliant');
  });

  it('skips disabled policies', () => {
    const result = evaluateCompliance(device(risky), [riskPolicy({ enabled: false })], NOW);
    expect(result).toMatchObject({ state: 'compliant', policies: [], failingRules: [], dueActions: [] });
    expect(result.noncompliantSince).toBeUndefined();
  });

  it('a device with no policy is compliant', () => {
    expect(evaluateCompliance(device(risky), [], NOW).state).toBe('compliant');
  });
});

describe('grace period', () => {
  const cases: { name: string; grace: number; since?: Date; state: ComplianceState; sinceOut: Date }[] = [
    { name: 'first failure with no grace', grace: 0, state: 'noncompliant', sinceOut: NOW },
    { name: 'first failure starts the grace period now', grace: 24, state: 'in-grace-period', sinceOut: NOW },
    {
      name: 'inside the grace period',
      grace: 24,
      since: hoursBefore(23),
      state: 'in-grace-period',
      sinceOut: hoursBefore(23),
    },
    {
      name: 'grace ends exactly now',
      grace: 24,
      since: hoursBefore(24),
      state: 'noncompliant',
      sinceOut: hoursBefore(24),
    },
    {
      name: 'after the grace period',
      grace: 24,
      since: hoursBefore(48),
      state: 'noncompliant',
      sinceOut: hoursBefore(48),
    },
  ];
  it.each(cases)('$name', (c) => {
    const d = device(
      c.since === undefined ? { riskLevel: 'high' } : { riskLevel: 'high', noncompliantSince: c.since },
    );
    const result = evaluateCompliance(d, [riskPolicy({ gracePeriodHours: c.grace })], NOW);
    expect(result.state).toBe(c.state);
    expect(result.noncompliantSince).toEqual(c.sinceOut);
    expect(result.policies[0]?.graceEndsAt).toEqual(new Date(c.sinceOut.getTime() + c.grace * 3_600_000));
    expect(result.failingRules).toEqual([
      expect.objectContaining({
        policyId: 'p1',
        rule: 'maxThreatLevel',
        expected: 'at most low',
        actual: 'high',
      }),
    ]);
    if (c.state === 'in-grace-period') expect(result.reevaluateAt).toEqual(result.policies[0]?.graceEndsAt);
  });

  it('a fixed device is compliant again and its noncompliantSince is cleared', () => {
    const result = evaluateCompliance(device({ noncompliantSince: hoursBefore(48) }), [riskPolicy()], NOW);
    expect(result.state).toBe('compliant');
    expect(result.noncompliantSince).toBeUndefined();
    expect(result.dueActions).toEqual([]);
  });

  it('the worst policy decides the device state', () => {
    const d = device({ riskLevel: 'high', screenLock: false, noncompliantSince: hoursBefore(10) });
    const policies = [
      riskPolicy({ id: 'lenient', gracePeriodHours: 72 }),
      policy({ id: 'lock', rules: { requireScreenLock: true }, gracePeriodHours: 4 }),
      policy({ id: 'passing', rules: { requireEncryption: true } }),
    ];
    const result = evaluateCompliance(d, policies, NOW);
    expect(result.policies.map((p) => [p.policyId, p.state])).toEqual([
      ['lenient', 'in-grace-period'],
      ['lock', 'noncompliant'],
      ['passing', 'compliant'],
    ]);
    expect(result.state).toBe('noncompliant');
    expect(result.failingRules.map((f) => `${f.policyId}:${f.rule}`)).toEqual([
      'lenient:maxThreatLevel',
      'lock:requireScreenLock',
    ]);
  });
});

describe('action schedule', () => {
  const schedule = riskPolicy({
    gracePeriodHours: 24,
    actions: [
      { afterHours: 0, action: 'notify' },
      { afterHours: 24, action: 'mark-noncompliant' },
      { afterHours: 24, action: 'block-access' },
      { afterHours: 72, action: 'quarantine' },
      { afterHours: 168, action: 'remote-lock' },
      { afterHours: 720, action: 'retire' },
    ],
  });
  const cases: { name: string; sinceHours?: number; due: string[]; nextInHours?: number }[] = [
    { name: 'first failure: notify at once', due: ['notify'], nextInHours: 24 },
    { name: '23 hours in', sinceHours: 23, due: ['notify'], nextInHours: 1 },
    {
      name: '24 hours in',
      sinceHours: 24,
      due: ['notify', 'mark-noncompliant', 'block-access'],
      nextInHours: 48,
    },
    {
      name: '100 hours in',
      sinceHours: 100,
      due: ['notify', 'mark-noncompliant', 'block-access', 'quarantine'],
      nextInHours: 68,
    },
    {
      name: 'a month in: everything',
      sinceHours: 720,
      due: ['notify', 'mark-noncompliant', 'block-access', 'quarantine', 'remote-lock', 'retire'],
    },
  ];
  it.each(cases)('$name', (c) => {
    const since = c.sinceHours === undefined ? undefined : hoursBefore(c.sinceHours);
    const d = device(
      since === undefined ? { riskLevel: 'high' } : { riskLevel: 'high', noncompliantSince: since },
    );
    const result = evaluateCompliance(d, [schedule], NOW);
    expect(result.dueActions.map((a) => a.action)).toEqual(c.due);
    const start = (since ?? NOW).getTime();
    for (const a of result.dueActions) {
      expect(a.policyId).toBe('p1');
      expect(a.dueAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(a.dueAt.getTime()).toBeGreaterThanOrEqual(start);
    }
    expect(result.nextActionAt).toEqual(
      c.nextInHours === undefined ? undefined : new Date(NOW.getTime() + c.nextInHours * 3_600_000),
    );
  });

  it('no actions are due for a compliant device', () => {
    const result = evaluateCompliance(device({ noncompliantSince: hoursBefore(1000) }), [schedule], NOW);
    expect(result.dueActions).toEqual([]);
    expect(result.nextActionAt).toBeUndefined();
  });

  it('due actions from several policies come oldest first', () => {
    const d = device({ riskLevel: 'high', screenLock: false, noncompliantSince: hoursBefore(10) });
    const result = evaluateCompliance(
      d,
      [
        riskPolicy({ id: 'a', actions: [{ afterHours: 8, action: 'block-access' }] }),
        policy({
          id: 'b',
          rules: { requireScreenLock: true },
          actions: [{ afterHours: 1, action: 'notify' }],
        }),
      ],
      NOW,
    );
    expect(result.dueActions.map((a) => `${a.policyId}:${a.action}`)).toEqual(['b:notify', 'a:block-access']);
  });
});

describe('unresponsive devices', () => {
  const cases: {
    name: string;
    treatAs: 'noncompliant' | 'compliant' | 'unknown';
    silentHours: number;
    risk?: 'high';
    state: ComplianceState;
    rules: string[];
  }[] = [
    {
      name: 'recent report, noncompliant policy',
      treatAs: 'noncompliant',
      silentHours: 24,
      state: 'compliant',
      rules: [],
    },
    {
      name: 'silent past the limit → noncompliant',
      treatAs: 'noncompliant',
      silentHours: 24 * 7,
      state: 'noncompliant',
      rules: ['unresponsive'],
    },
    {
      name: 'silent, treated as unknown',
      treatAs: 'unknown',
      silentHours: 24 * 8,
      state: 'unknown',
      rules: [],
    },
    {
      name: 'silent, treated as compliant',
      treatAs: 'compliant',
      silentHours: 24 * 30,
      state: 'compliant',
      rules: [],
    },
    {
      name: 'silent and failing stays noncompliant even when treated as compliant',
      treatAs: 'compliant',
      silentHours: 24 * 30,
      risk: 'high',
      state: 'noncompliant',
      rules: ['maxThreatLevel'],
    },
    {
      name: 'silent and failing, treated as unknown: failing wins',
      treatAs: 'unknown',
      silentHours: 24 * 30,
      risk: 'high',
      state: 'noncompliant',
      rules: ['maxThreatLevel'],
    },
    {
      name: 'silent and failing, treated as noncompliant: both rules',
      treatAs: 'noncompliant',
      silentHours: 24 * 30,
      risk: 'high',
      state: 'noncompliant',
      rules: ['maxThreatLevel', 'unresponsive'],
    },
  ];
  it.each(cases)('$name', (c) => {
    const d = device({ lastSeenAt: hoursBefore(c.silentHours), riskLevel: c.risk ?? 'secured' });
    const result = evaluateCompliance(
      d,
      [riskPolicy({ unresponsive: { afterDays: 7, treatAs: c.treatAs } })],
      NOW,
    );
    expect(result.state).toBe(c.state);
    expect(result.failingRules.map((f) => f.rule)).toEqual(c.rules);
  });

  it('unresponsiveness goes through the grace period like any rule', () => {
    const d = device({ lastSeenAt: hoursBefore(24 * 10) });
    const p = riskPolicy({ gracePeriodHours: 48, unresponsive: { afterDays: 7, treatAs: 'noncompliant' } });
    const result = evaluateCompliance(d, [p], NOW);
    expect(result.state).toBe('in-grace-period');
    expect(result.failingRules[0]?.reason).toMatch(/not reported for 10 days/);
  });

  it('asks to be evaluated again when the device will become unresponsive', () => {
    const d = device({ lastSeenAt: hoursBefore(24) });
    const p = riskPolicy({ unresponsive: { afterDays: 7, treatAs: 'noncompliant' } });
    expect(evaluateCompliance(d, [p], NOW).reevaluateAt).toEqual(
      new Date(NOW.getTime() + 6 * 24 * 3_600_000),
    );
  });
});
