import { randomBytes } from 'node:crypto';
import { compileAccessPolicies, compileResourceIndex } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { createAccessDecider } from './access-decider.ts';
import type { AccessLog } from './access-log.ts';
import type { CachedDevice, DecisionCache } from './decision-cache.ts';
import type { PolicyCache, TenantAccessConfig } from './policy-cache.ts';
import { createTokenSigner } from './signed-token.ts';

const device: CachedDevice = {
  tenantId: 'ten_1',
  deviceId: 'dev_1',
  fingerprint: 'ab'.repeat(32),
  version: 1,
  user: 'alice@acme.test',
  groups: [],
  platform: 'android',
  ownership: 'corporate',
  riskLevel: 'high',
  complianceState: 'compliant',
  retired: false,
  threats: [],
};

const config: TenantAccessConfig = {
  resources: compileResourceIndex([
    { id: 'mail', name: 'Mail', kind: 'http-app', hosts: ['mail.acme.test'] },
    { id: 'wiki', name: 'Wiki', kind: 'http-app', hosts: ['wiki.acme.test'] },
  ]),
  policies: compileAccessPolicies([
    {
      id: 'risk-low',
      name: 'Risk at most low',
      state: 'on',
      assignment: {},
      grant: { kind: 'require-risk-at-most', level: 'low' },
    },
  ]),
  policyNames: new Map([['risk-low', 'Risk at most low']]),
};

/** A decider over one cached high-risk device and fixed policies; the clock is the test's. */
function deciderAt(clock: { now: Date }, remediationTtlSeconds?: number) {
  const tokens = createTokenSigner(randomBytes(32));
  // Only the lookups `decide` calls are implemented; the rest of the interfaces is never reached.
  const devices = {
    byFingerprint: async (fp: string) => (fp === device.fingerprint ? device : undefined),
    byId: async () => undefined,
  } as unknown as DecisionCache;
  const policies = { peek: () => config, get: async () => config } as unknown as PolicyCache;
  const log = { record() {} } as unknown as AccessLog;
  const decider = createAccessDecider({
    devices,
    policies,
    tokens,
    log,
    now: () => clock.now,
    publicUrl: 'https://rg.test',
    ...(remediationTtlSeconds === undefined ? {} : { remediationTtlSeconds }),
  });
  const linkOf = async (host: string) => {
    const result = await decider.decide({ fingerprint: device.fingerprint }, { host, path: '/' }, 'test');
    expect(result.status).toBe(403);
    return result.remediationUrl ?? '';
  };
  const claimsOf = (url: string) => tokens.verify(new URL(url).searchParams.get('t') ?? '', 'rem', clock.now);
  return { linkOf, claimsOf };
}

describe('access decider remediation links', () => {
  it('reuses a device’s link for the same resource for up to a minute, then signs a new one', async () => {
    const clock = { now: new Date('2026-11-25T12:00:00.000Z') };
    const { linkOf, claimsOf } = deciderAt(clock);
    const first = await linkOf('mail.acme.test');
    expect(claimsOf(first)).toMatchObject({ deviceId: 'dev_1', resourceId: 'mail', policyId: 'risk-low' });
    expect(claimsOf(first)?.exp).toBe(Date.parse('2026-11-26T12:00:00.000Z') / 1000);
    // Another resource gets its own link.
    const wiki = await linkOf('wiki.acme.test');
    expect(wiki).not.toBe(first);
    expect(claimsOf(wiki)).toMatchObject({ resourceId: 'wiki' });

    clock.now = new Date('2026-11-25T12:00:59.000Z');
    expect(await linkOf('mail.acme.test')).toBe(first);

    clock.now = new Date('2026-11-25T12:01:00.000Z');
    const later = await linkOf('mail.acme.test');
    expect(later).not.toBe(first);
    expect(claimsOf(later)?.exp).toBe(Date.parse('2026-11-26T12:01:00.000Z') / 1000);
  });

  it('never hands out a link valid for longer than the lifetime when the clock goes back', async () => {
    const clock = { now: new Date('2026-11-25T12:00:00.000Z') };
    const { linkOf, claimsOf } = deciderAt(clock, 600);
    const first = await linkOf('mail.acme.test');
    clock.now = new Date('2026-11-25T11:59:00.000Z');
    const earlier = await linkOf('mail.acme.test');
    expect(earlier).not.toBe(first);
    expect(claimsOf(earlier)?.exp).toBe(Date.parse('2026-11-25T12:09:00.000Z') / 1000);
  });
});
