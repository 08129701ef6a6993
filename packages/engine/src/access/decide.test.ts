import { describe, expect, it } from 'vitest';
import { compileAccessPolicies, decideAccess } from './decide.ts';
import type { AccessDecision, AccessDevice, AccessReasonCode } from './model.ts';
import type { AccessAssignment, AccessPolicy } from './schema.ts';

const NOW = new Date('2026-11-25T12:00:00.000Z');

function device(overrides: Partial<AccessDevice> = {}): AccessDevice {
  return {
    deviceId: 'dev-1',
    user: 'alice',
    groups: ['sales', 'emea'],
    platform: 'android',
    ownership: 'corporate',
    riskLevel: 'secured',
    complianceState: 'compliant',
    retired: false,
    agentVersion: '1.4.0',
    threats: [],
    ...overrides,
  };
}

function policy(overrides: Partial<AccessPolicy> = {}): AccessPolicy {
  return {
    id: 'p1',
    name: 'Policy',
    state: 'on',
    assignment: {},
    grant: { kind: 'require-compliant' },
    ...overrides,
  };
}

const decide = (
  d: AccessDevice | undefined,
  policies: AccessPolicy[],
  resourceId = 'exchange',
): AccessDecision => decideAccess({ resourceId, device: d, now: NOW }, policies);

describe('grants', () => {
  const cases: {
    name: string;
    policy: Partial<AccessPolicy>;
    device: Partial<AccessDevice>;
    outcome: 'allow' | 'deny';
    code?: AccessReasonCode;
  }[] = [
    {
      name: 'block denies',
      policy: { grant: { kind: 'block' } },
      device: {},
      outcome: 'deny',
      code: 'blocked-by-policy',
    },
    { name: 'require-compliant: compliant', policy: {}, device: {}, outcome: 'allow' },
    {
      name: 'require-compliant: in grace period',
      policy: {},
      device: { complianceState: 'in-grace-period' },
      outcome: 'allow',
    },
    {
      name: 'require-compliant: noncompliant',
      policy: {},
      device: { complianceState: 'noncompliant' },
      outcome: 'deny',
      code: 'noncompliant',
    },
    {
      name: 'require-compliant: unknown',
      policy: {},
      device: { complianceState: 'unknown' },
      outcome: 'deny',
      code: 'compliance-unknown',
    },
    ...(['secured', 'low', 'medium'] as const).map((riskLevel) => ({
      name: `risk at most medium: ${riskLevel}`,
      policy: { grant: { kind: 'require-risk-at-most', level: 'medium' } } as Partial<AccessPolicy>,
      device: { riskLevel },
      outcome: 'allow' as const,
    })),
    {
      name: 'risk at most medium: high',
      policy: { grant: { kind: 'require-risk-at-most', level: 'medium' } },
      device: { riskLevel: 'high' },
      outcome: 'deny',
      code: 'risk-too-high',
    },
    {
      name: 'risk at most secured: low',
      policy: { grant: { kind: 'require-risk-at-most', level: 'secured' } },
      device: { riskLevel: 'low' },
      outcome: 'deny',
      code: 'risk-too-high',
    },
  ];
  it.each(cases)('$name', (c) => {
    const decision = decide(device(c.device), [policy(c.policy)]);
    expect(decision.outcome).toBe(c.outcome);
    expect(decision.reasons.map((r) => r.code)).toEqual(c.code === undefined ? [] : [c.code]);
    expect(decision.matchedPolicies).toEqual([
      { policyId: 'p1', name: 'Policy', state: 'on', result: c.outcome === 'deny' ? 'deny' : 'allow' },
    ]);
    if (c.code !== undefined) expect(decision.reasons[0]).toMatchObject({ policyId: 'p1' });
    expect(decision.reportOnly).toEqual([]);
  });
});

describe('policy state', () => {
  const failing: Partial<AccessDevice> = { complianceState: 'noncompliant' };
  it.each([
    { state: 'on', outcome: 'deny', result: 'deny', reportOnly: 0 },
    { state: 'report-only', outcome: 'allow', result: 'would-deny', reportOnly: 1 },
    { state: 'off', outcome: 'allow', result: undefined, reportOnly: 0 },
  ] as const)('$state', (c) => {
    const decision = decide(device(failing), [policy({ state: c.state })]);
    expect(decision.outcome).toBe(c.outcome);
    expect(decision.matchedPolicies.map((m) => m.result)).toEqual(c.result === undefined ? [] : [c.result]);
    expect(decision.reportOnly.length).toBe(c.reportOnly);
    if (c.reportOnly > 0)
      expect(decision.reportOnly[0]).toMatchObject({ policyId: 'p1', reason: { code: 'noncompliant' } });
  });

  it('report-only that would allow is recorded as allow', () => {
    const decision = decide(device(), [policy({ state: 'report-only' })]);
    expect(decision.matchedPolicies).toEqual([
      { policyId: 'p1', name: 'Policy', state: 'report-only', result: 'allow' },
    ]);
    expect(decision.reportOnly).toEqual([]);
  });

  it('report-only never denies even when every policy would', () => {
    const policies = [
      policy({ id: 'a', state: 'report-only', grant: { kind: 'block' } }),
      policy({ id: 'b', state: 'report-only', grant: { kind: 'require-risk-at-most', level: 'secured' } }),
    ];
    const decision = decide(device({ riskLevel: 'high' }), policies);
    expect(decision.outcome).toBe('allow');
    expect(decision.reportOnly.map((r) => r.reason.code)).toEqual(['blocked-by-policy', 'risk-too-high']);
    expect(decision.remediation).toEqual([]);
  });

  it('every denying on-policy gives a reason, in policy order', () => {
    const policies = [
      policy({ id: 'risk', grant: { kind: 'require-risk-at-most', level: 'low' } }),
      policy({ id: 'audit', state: 'report-only', grant: { kind: 'block' } }),
      policy({ id: 'compliant' }),
    ];
    const decision = decide(device({ riskLevel: 'high', complianceState: 'noncompliant' }), policies);
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons.map((r) => `${r.policyId}:${r.code}`)).toEqual([
      'risk:risk-too-high',
      'compliant:noncompliant',
    ]);
    expect(decision.matchedPolicies.map((m) => `${m.policyId}:${m.result}`)).toEqual([
      'risk:deny',
      'audit:would-deny',
      'compliant:deny',
    ]);
  });
});

describe('assignment and conditions', () => {
  const cases: {
    name: string;
    assignment?: AccessAssignment;
    conditions?: AccessPolicy['conditions'];
    device?: Partial<AccessDevice>;
    resource?: string;
    applies: boolean;
  }[] = [
    { name: 'empty assignment applies to all', assignment: {}, applies: true },
    { name: 'user included', assignment: { users: ['alice'] }, applies: true },
    { name: 'user not included', assignment: { users: ['bob'] }, applies: false },
    { name: 'group included', assignment: { groups: ['emea'] }, applies: true },
    { name: 'group not included', assignment: { groups: ['eng'] }, applies: false },
    { name: 'user or group', assignment: { users: ['bob'], groups: ['sales'] }, applies: true },
    { name: 'user excluded', assignment: { excludeUsers: ['alice'] }, applies: false },
    { name: 'group excluded', assignment: { excludeGroups: ['emea'] }, applies: false },
    {
      name: 'exclusion beats inclusion',
      assignment: { users: ['alice'], excludeGroups: ['sales'] },
      applies: false,
    },
    {
      name: 'other user excluded',
      assignment: { excludeUsers: ['bob'], excludeGroups: ['eng'] },
      applies: true,
    },
    { name: 'resource listed', assignment: { resources: ['exchange', 'sharepoint'] }, applies: true },
    { name: 'resource not listed', assignment: { resources: ['sharepoint'] }, applies: false },
    { name: 'resource empty list = all', assignment: { resources: [] }, resource: 'anything', applies: true },
    { name: 'platform match', assignment: { platforms: ['android'] }, applies: true },
    { name: 'platform miss', assignment: { platforms: ['ios'] }, applies: false },
    { name: 'ownership match', assignment: { ownership: ['corporate'] }, applies: true },
    { name: 'ownership miss', assignment: { ownership: ['personal'] }, applies: false },
    { name: 'agent older than required', conditions: { agentVersionBelow: '1.5' }, applies: true },
    { name: 'agent recent enough', conditions: { agentVersionBelow: '1.4' }, applies: false },
    {
      name: 'agent version unknown counts as old',
      conditions: { agentVersionBelow: '1.0' },
      device: { agentVersion: undefined },
      applies: true,
    },
    { name: 'risk level condition met', conditions: { riskLevels: ['secured', 'low'] }, applies: true },
    { name: 'risk level condition not met', conditions: { riskLevels: ['high'] }, applies: false },
  ];
  it.each(cases)('$name', (c) => {
    const p = policy({
      grant: { kind: 'block' },
      assignment: c.assignment ?? {},
      ...(c.conditions ? { conditions: c.conditions } : {}),
    });
    const decision = decide(device(c.device), [p], c.resource ?? 'exchange');
    expect(decision.outcome).toBe(c.applies ? 'deny' : 'allow');
    expect(decision.matchedPolicies.length).toBe(c.applies ? 1 : 0);
  });
});

describe('device-level outcomes', () => {
  it('no policy applies → allow', () => {
    const decision = decide(device({ riskLevel: 'high', complianceState: 'noncompliant' }), []);
    expect(decision).toEqual({
      outcome: 'allow',
      resourceId: 'exchange',
      deviceId: 'dev-1',
      reasons: [],
      matchedPolicies: [],
      reportOnly: [],
      remediation: [],
      decidedAt: NOW,
    });
  });

  it.each([[[]], [[policy()]]])('unknown device → deny device-unknown (%#)', (policies) => {
    const decision = decide(undefined, policies);
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons).toEqual([{ code: 'device-unknown', message: expect.any(String) }]);
    expect(decision.deviceId).toBeUndefined();
  });

  it('retired device → deny device-retired, even with no policy', () => {
    const decision = decide(device({ retired: true }), []);
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons.map((r) => r.code)).toEqual(['device-retired']);
  });
});

describe('remediation', () => {
  const threats: AccessDevice['threats'] = [
    { typeId: 'device.no-screen-lock', title: 'No screen lock', risk: 'low', remediation: ['Set a PIN.'] },
    {
      typeId: 'app.stalkerware',
      title: 'Stalkerware: TheTruthSpy',
      risk: 'high',
      remediation: ['Uninstall it.'],
    },
    {
      typeId: 'os.developer-options',
      title: 'Developer options on',
      risk: 'none',
      remediation: ['Turn off.'],
    },
  ];

  it('lists threats highest risk first, without risk-none ones, when denied for risk', () => {
    const p = policy({ grant: { kind: 'require-risk-at-most', level: 'low' } });
    const decision = decide(device({ riskLevel: 'high', threats }), [p]);
    expect(decision.remediation).toEqual([
      {
        typeId: 'app.stalkerware',
        title: 'Stalkerware: TheTruthSpy',
        risk: 'high',
        steps: ['Uninstall it.'],
      },
      { typeId: 'device.no-screen-lock', title: 'No screen lock', risk: 'low', steps: ['Set a PIN.'] },
    ]);
  });

  it('adds compliance issues when denied as noncompliant', () => {
    const d = device({
      complianceState: 'noncompliant',
      threats: [],
      complianceIssues: ['Update to Android 14.'],
    });
    expect(decide(d, [policy()]).remediation).toEqual([
      { title: 'Update to Android 14.', steps: ['Update to Android 14.'] },
    ]);
  });

  it('is empty when allowed or when only a block policy denies', () => {
    expect(decide(device({ threats }), [policy()]).remediation).toEqual([]);
    expect(decide(device({ threats }), [policy({ grant: { kind: 'block' } })]).remediation).toEqual([]);
  });
});

describe('compileAccessPolicies', () => {
  it('gives the same decisions as decideAccess across resources', () => {
    const policies = [
      policy({ id: 'global', grant: { kind: 'require-risk-at-most', level: 'medium' } }),
      policy({ id: 'mail', assignment: { resources: ['exchange'] } }),
      policy({ id: 'pay', assignment: { resources: ['payroll'] }, grant: { kind: 'block' } }),
      policy({ id: 'off', state: 'off', grant: { kind: 'block' } }),
    ];
    const compiled = compileAccessPolicies(policies);
    const devices = [device(), device({ complianceState: 'noncompliant' }), device({ riskLevel: 'high' })];
    for (const resourceId of ['exchange', 'payroll', 'wifi', 'unknown-resource']) {
      for (const d of devices) {
        const request = { resourceId, device: d, now: NOW };
        expect(compiled.decide(request)).toEqual(decideAccess(request, policies));
      }
    }
    const mail = compiled.decide({ resourceId: 'exchange', device: devices[1], now: NOW });
    expect(mail.matchedPolicies.map((m) => m.policyId)).toEqual(['global', 'mail']);
    const other = compiled.decide({ resourceId: 'unknown-resource', device: devices[2], now: NOW });
    expect(other.matchedPolicies.map((m) => `${m.policyId}:${m.result}`)).toEqual(['global:deny']);
  });
});

describe('agent versions across decisions of one compiled policy set', () => {
  it('each device is judged by its own version, however the versions interleave', () => {
    const compiled = compileAccessPolicies([
      policy({ grant: { kind: 'block' }, conditions: { agentVersionBelow: '1.10' } }),
    ]);
    const cases: [string | undefined, 'allow' | 'deny'][] = [
      ['1.9', 'deny'],
      ['1.10', 'allow'],
      ['1.9.9', 'deny'],
      ['2', 'allow'],
      ['unknown', 'deny'],
      [undefined, 'deny'],
      ['1.10.0-beta', 'allow'],
    ];
    for (let round = 0; round < 3; round++)
      for (const [agentVersion, outcome] of cases) {
        const decision = compiled.decide({
          resourceId: 'exchange',
          device: device({ agentVersion }),
          now: NOW,
        });
        expect(decision.outcome, `${agentVersion} round ${round}`).toBe(outcome);
      }
  });
});
