import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AccessPolicySchema, type Resource, ResourceSchema, resourceProblems } from './schema.ts';

const validPolicy = {
  id: 'p1',
  name: 'Require compliant for mail',
  state: 'report-only',
  assignment: { groups: ['sales'], resources: ['exchange'], excludeUsers: ['breakglass'] },
  conditions: { agentVersionBelow: '2.0', riskLevels: ['high'] },
  grant: { kind: 'require-risk-at-most', level: 'low' },
};

describe('AccessPolicySchema', () => {
  it('accepts a full policy', () => {
    expect(Value.Check(AccessPolicySchema, validPolicy)).toBe(true);
  });

  it.each([
    ['an unknown state', { state: 'enabled' }],
    ['an unknown grant', { grant: { kind: 'mfa' } }],
    ['a risk grant without a level', { grant: { kind: 'require-risk-at-most' } }],
    ['a risk grant with a bad level', { grant: { kind: 'require-risk-at-most', level: 'critical' } }],
    ['a block grant with extra fields', { grant: { kind: 'block', level: 'low' } }],
    ['a bad agent version', { conditions: { agentVersionBelow: 'latest' } }],
    ['an unknown platform', { assignment: { platforms: ['windows'] } }],
  ])('rejects %s', (_name, patch) => {
    expect(Value.Check(AccessPolicySchema, { ...validPolicy, ...patch })).toBe(false);
  });
});

describe('ResourceSchema', () => {
  it.each([
    [
      {
        id: 'r',
        name: 'Mail',
        kind: 'http-app',
        hosts: ['mail.example.com', '*.example.com'],
        pathPrefix: '/owa',
      },
      true,
    ],
    [{ id: 'r', name: 'Mail', kind: 'http-app', hosts: ['mail.example.com/owa'] }, false],
    [{ id: 'r', name: 'Mail', kind: 'http-app', hosts: ['*'] }, false],
    [{ id: 'r', name: 'Mail', kind: 'http-app', pathPrefix: 'owa' }, false],
    [{ id: 'r', name: 'Wi-Fi', kind: 'wifi', ssid: 'Corp' }, true],
    [{ id: 'r', name: 'Wi-Fi', kind: 'wifi', ssid: 'x'.repeat(33) }, false],
    [{ id: 'r', name: 'Radio', kind: 'radio' }, false],
  ])('%j → %s', (resource, valid) => {
    expect(Value.Check(ResourceSchema, resource)).toBe(valid);
  });

  it.each([
    [{ id: 'r', name: 'W', kind: 'wifi' }, ['a wifi resource needs an ssid']],
    [{ id: 'r', name: 'O', kind: 'oidc-client' }, ['an oidc-client resource needs a clientId']],
    [
      { id: 'r', name: 'W', kind: 'wifi', ssid: 'x', hosts: ['a.test'] },
      ['hosts and pathPrefix apply to http-app resources only'],
    ],
    [{ id: 'r', name: 'H', kind: 'http-app' }, []],
  ] as [Resource, string[]][])('resourceProblems(%j)', (resource, problems) => {
    expect(resourceProblems(resource)).toEqual(problems);
  });
});
