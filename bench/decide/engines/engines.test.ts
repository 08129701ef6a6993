import { createRng } from '@riskgate/agent';
import { type AccessDevice, type AccessPolicy, compileResourceIndex } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED } from '../../lib/seed.ts';
import { generateDecideInputs } from '../inputs.ts';
import { createDeciders, type Decider } from './compare.ts';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const SIZES = { resources: 200, policies: 40, devices: 10_000, requests: 4096 };

function device(overrides: Partial<AccessDevice> = {}): AccessDevice {
  return {
    deviceId: 'dev-1',
    user: 'alice',
    groups: ['sales'],
    platform: 'android',
    ownership: 'corporate',
    riskLevel: 'secured',
    complianceState: 'compliant',
    retired: false,
    agentVersion: '0.2.3',
    threats: [],
    ...overrides,
  };
}

const policy = (p: Partial<AccessPolicy> & Pick<AccessPolicy, 'grant'>): AccessPolicy => ({
  id: 'p',
  name: 'P',
  state: 'on',
  assignment: {},
  ...p,
});

/** Every engine's answer for one request, by name. */
async function answers(policies: readonly AccessPolicy[], resourceId: string, d: AccessDevice | undefined) {
  const deciders = await createDeciders(policies, NOW);
  return Object.fromEntries(
    (Object.entries(deciders) as [string, Decider][]).map(([name, decide]) => [name, decide(resourceId, d)]),
  );
}

describe('Cedar and Casbin translations of access policies', () => {
  // Each case: policies, resource, device, expected outcome (true = allow), for all three engines.
  const cases: [string, AccessPolicy[], string, AccessDevice | undefined, boolean][] = [
    ['no policy allows a known device', [], 'r1', device(), true],
    ['an unknown device is denied', [], 'r1', undefined, false],
    ['a retired device is denied', [], 'r1', device({ retired: true }), false],
    [
      'require-compliant denies noncompliant',
      [policy({ grant: { kind: 'require-compliant' } })],
      'r1',
      device({ complianceState: 'noncompliant' }),
      false,
    ],
    [
      'require-compliant allows the grace period',
      [policy({ grant: { kind: 'require-compliant' } })],
      'r1',
      device({ complianceState: 'in-grace-period' }),
      true,
    ],
    [
      'require-compliant denies unknown compliance',
      [policy({ grant: { kind: 'require-compliant' } })],
      'r1',
      device({ complianceState: 'unknown' }),
      false,
    ],
    [
      'risk at most low denies medium',
      [policy({ grant: { kind: 'require-risk-at-most', level: 'low' } })],
      'r1',
      device({ riskLevel: 'medium' }),
      false,
    ],
    [
      'risk at most low allows low',
      [policy({ grant: { kind: 'require-risk-at-most', level: 'low' } })],
      'r1',
      device({ riskLevel: 'low' }),
      true,
    ],
    [
      'a policy for other resources does not apply',
      [policy({ assignment: { resources: ['r2'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'a policy for this resource applies',
      [policy({ assignment: { resources: ['r2', 'r1'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      false,
    ],
    [
      'a block for another user does not apply',
      [policy({ assignment: { users: ['bob'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'users or groups: member of a group',
      [policy({ assignment: { users: ['bob'], groups: ['sales'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      false,
    ],
    [
      'an excluded group escapes',
      [policy({ assignment: { excludeGroups: ['sales'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'an excluded user escapes',
      [policy({ assignment: { excludeUsers: ['alice'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'another platform does not apply',
      [policy({ assignment: { platforms: ['ios'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'another ownership does not apply',
      [policy({ assignment: { ownership: ['personal'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'an outdated agent is caught',
      [policy({ conditions: { agentVersionBelow: '0.3.0' }, grant: { kind: 'block' } })],
      'r1',
      device(),
      false,
    ],
    [
      'a current agent is not',
      [policy({ conditions: { agentVersionBelow: '0.2.3' }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'an agent without a version counts as outdated',
      [policy({ conditions: { agentVersionBelow: '0.1.0' }, grant: { kind: 'block' } })],
      'r1',
      device({ agentVersion: undefined as unknown as string }),
      false,
    ],
    [
      'a risk-level condition',
      [policy({ conditions: { riskLevels: ['low'] }, grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    [
      'report-only never denies',
      [policy({ state: 'report-only', grant: { kind: 'block' } })],
      'r1',
      device(),
      true,
    ],
    ['off never denies', [policy({ state: 'off', grant: { kind: 'block' } })], 'r1', device(), true],
  ];
  it.each(cases)('%s', async (_name, policies, resourceId, d, expected) => {
    const dev = d === undefined ? undefined : { ...d };
    if (dev !== undefined && dev.agentVersion === undefined)
      delete (dev as { agentVersion?: string }).agentVersion;
    expect(await answers(policies, resourceId, dev)).toEqual({
      riskgate: expected,
      cedar: expected,
      casbin: expected,
    });
  });

  it.each([DEFAULT_SEED, 7])(
    'give the same allow/deny as Riskgate for every request the decide benchmark generates (seed %i)',
    async (seed) => {
      const inputs = generateDecideInputs(createRng(`decide:${seed}`), SIZES);
      const index = compileResourceIndex(inputs.resources);
      const deciders = await createDeciders(inputs.policies, NOW);
      const outcomes = { allow: 0, deny: 0 };
      const disagreements: string[] = [];
      for (const request of inputs.requests) {
        const resource = index.matchHttp({ host: request.host, path: request.path });
        if (resource === undefined) continue;
        const d = inputs.devices.get(request.deviceId);
        const riskgate = deciders.riskgate(resource.id, d);
        outcomes[riskgate ? 'allow' : 'deny']++;
        for (const engine of ['cedar', 'casbin'] as const)
          if (deciders[engine](resource.id, d) !== riskgate)
            disagreements.push(`${engine} on ${request.deviceId} → ${resource.id}: Riskgate ${riskgate}`);
      }
      expect(disagreements).toEqual([]);
      // Both outcomes occur, so agreement is not agreement on "always allow".
      expect(outcomes.allow).toBeGreaterThan(100);
      expect(outcomes.deny).toBeGreaterThan(100);
    },
    180_000,
  );
});
