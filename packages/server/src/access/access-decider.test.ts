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
    const result = await decider.decide(
      { fingerprint: device.fingerprint },
      { tenantId: device.tenantId, host, path: '/' },
      'test',
    );
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

describe('access decider decideCached', () => {
  const secured = {
    ...device,
    deviceId: 'dev_2',
    fingerprint: 'cd'.repeat(32),
    riskLevel: 'secured' as const,
  };

  /** A decider whose caches hold `cached` devices (by fingerprint and id) and `configCached`. */
  function setup(cached: readonly CachedDevice[], configCached: boolean) {
    const tokens = createTokenSigner(randomBytes(32));
    const all = [device, secured];
    const devices = {
      peekFingerprint: (fp: string) => cached.find((d) => d.fingerprint === fp),
      peek: (id: string) => cached.find((d) => d.deviceId === id),
      byFingerprint: async (fp: string) => all.find((d) => d.fingerprint === fp),
      byId: async (tenantId: string, id: string) =>
        all.find((d) => d.deviceId === id && d.tenantId === tenantId),
    } as unknown as DecisionCache;
    const policies = {
      peek: () => (configCached ? config : undefined),
      get: async () => config,
    } as unknown as PolicyCache;
    const records: unknown[][] = [];
    const log = { record: (...args: unknown[]) => records.push(args) } as unknown as AccessLog;
    const now = new Date('2026-11-25T12:00:00.000Z');
    const decider = createAccessDecider({
      devices,
      policies,
      tokens,
      log,
      now: () => now,
      publicUrl: 'https://rg.test',
    });
    const token = (tenantId: string, deviceId: string) =>
      tokens.sign({ kind: 'dev', tenantId, deviceId, exp: now.getTime() / 1000 + 600 });
    return { decider, records, token };
  }

  it.each([
    ['high-risk device, known host', { fingerprint: device.fingerprint }, 'mail.acme.test'],
    ['secured device, known host', { fingerprint: secured.fingerprint }, 'wiki.acme.test'],
    ['secured device, unknown host', { fingerprint: secured.fingerprint }, 'nowhere.acme.test'],
  ])('%s: the same result and log entries as decide when everything is cached', async (_, identity, host) => {
    const cachedSide = setup([device, secured], true);
    const loadingSide = setup([device, secured], true);
    const target = { tenantId: 'ten_1', host, path: '/x', method: 'GET' };
    const fast = cachedSide.decider.decideCached(identity, target, 'forward-auth');
    expect(fast).toBeDefined();
    const slow = await loadingSide.decider.decide(identity, target, 'forward-auth');
    // Remediation links are signed with each side's own key: compare everything else.
    const strip = (r: typeof slow | undefined) => ({
      ...r,
      remediationUrl: r?.remediationUrl?.split('?')[0],
    });
    expect(strip(fast)).toEqual(strip(slow));
    expect(cachedSide.records).toEqual(loadingSide.records);
    expect(cachedSide.records).toHaveLength(1);
  });

  it('a device token names a cached device of its own tenant only', () => {
    const { decider, token } = setup([secured], true);
    const target = { tenantId: 'ten_1', host: 'wiki.acme.test', path: '/' };
    expect(decider.decideCached({ deviceToken: token('ten_1', 'dev_2') }, target, 'decide')?.status).toBe(
      200,
    );
    expect(decider.decideCached({ deviceToken: token('ten_9', 'dev_2') }, target, 'decide')).toBeUndefined();
    expect(decider.decideCached({ deviceToken: 'not-a-token' }, target, 'decide')).toBeUndefined();
    expect(decider.decideCached({ deviceId: 'dev_2', tenantId: 'ten_1' }, target, 'decide')?.status).toBe(
      200,
    );
    expect(decider.decideCached({ deviceId: 'dev_2', tenantId: 'ten_9' }, target, 'decide')).toBeUndefined();
  });

  it.each([
    ['the device is not cached', [] as CachedDevice[], true],
    ['the tenant configuration is not cached', [secured], false],
  ])(
    'answers undefined and logs nothing when %s; decide then loads and decides',
    async (_, cached, configCached) => {
      const { decider, records } = setup(cached, configCached);
      const identity = { fingerprint: secured.fingerprint };
      const target = { tenantId: 'ten_1', host: 'wiki.acme.test', path: '/' };
      expect(decider.decideCached(identity, target, 'forward-auth')).toBeUndefined();
      expect(decider.decideCached({}, target, 'forward-auth')).toBeUndefined();
      expect(records).toHaveLength(0);
      expect((await decider.decide(identity, target, 'forward-auth')).status).toBe(200);
      expect(records).toHaveLength(1);
    },
  );
});
