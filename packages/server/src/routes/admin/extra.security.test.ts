import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows } from '../../../test-support/seed-fleet.ts';
import type { Role } from '../../db/types.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Ids {
  readonly policyId: string;
  readonly feedId: string;
  readonly deviceId: string;
}

interface RouteCase {
  readonly name: string;
  readonly method: Method;
  readonly url: (ids: Ids) => string;
  readonly payload?: Record<string, unknown>;
  readonly allowed: readonly Role[];
  /** The url names a row of the tenant: another tenant gets 404. */
  readonly owned?: boolean;
}

const ALL: readonly Role[] = ['owner', 'admin', 'analyst', 'helpdesk'];
const MANAGERS: readonly Role[] = ['owner', 'admin'];
const READERS: readonly Role[] = ['owner', 'admin', 'analyst'];

const POLICY = {
  name: 'p',
  assignment: {},
  rules: { maxThreatLevel: 'medium' },
  gracePeriodHours: 0,
  actions: [],
  unresponsive: { afterDays: 30, treatAs: 'compliant' },
  enabled: true,
};
const FEED = {
  name: 'ioc.yaml',
  content: '- name: X\n  type: stalkerware\n  packages:\n  - com.example.sec\n',
};

const ROUTES: readonly RouteCase[] = [
  { name: 'list threat types', method: 'GET', url: () => '/v1/admin/threat-types', allowed: ALL },
  {
    name: 'override threat type',
    method: 'PUT',
    url: () => '/v1/admin/threat-types/app.adware/risk',
    payload: { risk: 'low' },
    allowed: MANAGERS,
  },
  {
    name: 'reset threat type',
    method: 'DELETE',
    url: () => '/v1/admin/threat-types/app.adware/risk',
    allowed: MANAGERS,
  },
  {
    name: 'override family',
    method: 'PUT',
    url: () => '/v1/admin/threat-families/x/risk',
    payload: { risk: 'low' },
    allowed: MANAGERS,
  },
  {
    name: 'list compliance policies',
    method: 'GET',
    url: () => '/v1/admin/compliance-policies',
    allowed: READERS,
  },
  {
    name: 'read compliance policy',
    method: 'GET',
    url: (ids) => `/v1/admin/compliance-policies/${ids.policyId}`,
    allowed: READERS,
    owned: true,
  },
  {
    name: 'create compliance policy',
    method: 'POST',
    url: () => '/v1/admin/compliance-policies',
    payload: POLICY,
    allowed: MANAGERS,
  },
  {
    name: 'replace compliance policy',
    method: 'PUT',
    url: (ids) => `/v1/admin/compliance-policies/${ids.policyId}`,
    payload: POLICY,
    allowed: MANAGERS,
    owned: true,
  },
  {
    name: 'delete compliance policy',
    method: 'DELETE',
    url: (ids) => `/v1/admin/compliance-policies/${ids.policyId}`,
    allowed: MANAGERS,
    owned: true,
  },
  { name: 'list intel feeds', method: 'GET', url: () => '/v1/admin/intel/feeds', allowed: READERS },
  {
    name: 'upload intel feed',
    method: 'POST',
    url: () => '/v1/admin/intel/feeds',
    payload: FEED,
    allowed: MANAGERS,
  },
  {
    name: 'delete intel feed',
    method: 'DELETE',
    url: (ids) => `/v1/admin/intel/feeds/${ids.feedId}`,
    allowed: MANAGERS,
    owned: true,
  },
  {
    name: 'device explanation',
    method: 'GET',
    url: (ids) => `/v1/admin/devices/${ids.deviceId}/explanation`,
    allowed: ALL,
    owned: true,
  },
];

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `admin API security, threat types/policies/intel (${dialect})`,
    () => {
      let h: Harness;
      beforeAll(async () => {
        h = await createHarness(dialect);
      });
      afterAll(async () => {
        await h?.close();
      });

      async function seed(): Promise<Ids> {
        const policy = await h.app.inject({
          method: 'POST',
          url: '/v1/admin/compliance-policies',
          headers: h.auth('owner'),
          payload: POLICY,
        });
        const feed = await h.app.inject({
          method: 'POST',
          url: '/v1/admin/intel/feeds',
          headers: h.auth('owner'),
          payload: { ...FEED, name: `feed-${Math.random()}.yaml` },
        });
        const device = deviceRow(h.tenant.tenantId);
        await insertRows(h.testDb.db.db, [device]);
        return { policyId: policy.json().policy.id, feedId: feed.json().feed.id, deviceId: device.id };
      }

      const request = (route: RouteCase, ids: Ids, headers: Record<string, string>) =>
        h.app.inject({
          method: route.method,
          url: route.url(ids),
          headers,
          ...(route.payload !== undefined ? { payload: route.payload } : {}),
        });

      for (const route of ROUTES) {
        describe(route.name, () => {
          it('refuses a missing or invalid token with 401', async () => {
            const ids = await seed();
            for (const authorization of [undefined, 'Bearer nope', `Bearer rgat_${'x'.repeat(43)}`]) {
              const reply = await request(route, ids, authorization ? { authorization } : {});
              expect(reply.statusCode).toBe(401);
              expect(reply.json()).toMatchObject({ code: 'unauthorized', requestId: expect.any(String) });
            }
          });

          it('checks the role', async () => {
            for (const role of ALL) {
              const ids = await seed();
              const reply = await request(route, ids, h.auth(role));
              if (route.allowed.includes(role))
                expect([200, 201, 404], `${role}`).toContain(reply.statusCode);
              else {
                expect(reply.statusCode, `${role}`).toBe(403);
                expect(reply.json().code).toBe('forbidden');
              }
            }
          });

          if (route.owned === true) {
            it('answers 404 to another tenant, leaving the row alone', async () => {
              const ids = await seed();
              const reply = await request(route, ids, h.auth('owner', h.otherTenant));
              expect(reply.statusCode).toBe(404);
              expect(reply.json()).toMatchObject({ code: 'not_found' });
              const still = await request(
                { ...route, method: 'GET', url: (i) => route.url(i) },
                ids,
                h.auth('owner'),
              );
              if (route.url(ids).includes('/intel/feeds/')) {
                const feeds = await h.app.inject({ url: '/v1/admin/intel/feeds', headers: h.auth('owner') });
                expect(feeds.json().items.map((f: { id: string }) => f.id)).toContain(ids.feedId);
              } else expect(still.statusCode).toBe(200);
            });
          }
        });
      }
    },
  );
}
