import type { Resource } from '@riskgate/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, createAccessHarness } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';

const exchange: Resource = { id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] };
const policy = {
  id: 'risk-low',
  name: 'Risk at most low',
  state: 'on',
  assignment: {},
  grant: { kind: 'require-risk-at-most', level: 'low' },
} as const;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`access admin API (${dialect})`, () => {
    let h: AccessHarness;
    beforeAll(async () => {
      h = await createAccessHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('creates, lists, replaces and deletes resources and policies; audits each change', async () => {
      await h.addResource(exchange);
      await h.addPolicy(policy);
      const listed = await h.admin('GET', '/v1/admin/resources', undefined, 'analyst');
      expect(listed.json()).toEqual({ items: [exchange] });
      const dup = await h.admin('POST', '/v1/admin/resources', exchange);
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({ code: 'conflict', requestId: expect.any(String) });

      const replaced = await h.admin('PUT', '/v1/admin/access-policies/risk-low', {
        ...policy,
        state: 'report-only',
      });
      expect(replaced.statusCode).toBe(200);
      expect((await h.admin('GET', '/v1/admin/access-policies/risk-low')).json()).toMatchObject({
        state: 'report-only',
      });
      const mismatch = await h.admin('PUT', '/v1/admin/access-policies/risk-low', { ...policy, id: 'other' });
      expect(mismatch.statusCode).toBe(400);

      expect((await h.admin('DELETE', '/v1/admin/access-policies/risk-low')).statusCode).toBe(204);
      expect((await h.admin('GET', '/v1/admin/access-policies/risk-low')).statusCode).toBe(404);
      expect((await h.admin('DELETE', '/v1/admin/resources/exchange')).statusCode).toBe(204);

      const audit = await h.admin('GET', '/v1/admin/audit-log?limit=100', undefined, 'owner');
      const actions = (audit.json().items as { action: string }[]).map((e) => e.action);
      for (const action of [
        'resource.create',
        'access-policy.create',
        'access-policy.update',
        'access-policy.delete',
        'resource.delete',
      ]) {
        expect(actions).toContain(action);
      }
    });

    it.each([
      [{ id: 'wifi1', name: 'Corp Wi-Fi', kind: 'wifi' }, 'needs an ssid'],
      [{ id: 'sso', name: 'SSO', kind: 'oidc-client' }, 'needs a clientId'],
      [{ id: 'w2', name: 'W', kind: 'wifi', ssid: 'Corp', hosts: ['a.test'] }, 'http-app resources only'],
      [{ id: 'bad id!', name: 'x', kind: 'http-app' }, 'ids may contain'],
      [{ id: 'x', name: 'x', kind: 'ftp' }, ''],
    ])('refuses an invalid resource %j', async (resource, message) => {
      const reply = await h.admin('POST', '/v1/admin/resources', resource);
      expect(reply.statusCode).toBe(400);
      expect(reply.json().message).toContain(message);
    });

    it.each([
      ['analyst', 'POST', 403],
      ['helpdesk', 'POST', 403],
      ['helpdesk', 'GET', 403],
      ['analyst', 'GET', 200],
    ] as const)('role %s %s → %i', async (role, method, status) => {
      const reply = await h.admin(
        method,
        '/v1/admin/resources',
        method === 'POST' ? { ...exchange, id: `r-${role}` } : undefined,
        role,
      );
      expect(reply.statusCode).toBe(status);
    });

    it('serves the device CA certificate proxies verify against, per tenant', async () => {
      const mine = await h.admin('GET', '/v1/admin/device-ca', undefined, 'analyst');
      expect(mine.json().certificate).toContain('-----BEGIN CERTIFICATE-----');
      const theirs = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/device-ca',
        headers: h.auth('owner', h.otherTenant),
      });
      expect(theirs.json().certificate).not.toBe(mine.json().certificate);
      const device = await h.enroll();
      expect(device.caCertificate.trim()).toBe(mine.json().certificate.trim());
    });

    it('a host is claimed by one tenant only: another tenant naming or covering it gets 409 and nothing changes', async () => {
      await h.addResource({
        id: 'claims',
        name: 'Claims',
        kind: 'http-app',
        hosts: ['claims.acme.test', '*.apps.acme.test'],
      });
      const asGlobex = (method: 'POST' | 'PUT', url: string, payload: object) =>
        h.app.inject({ method, url, headers: h.auth('admin', h.otherTenant), payload });
      for (const hosts of [
        ['claims.acme.test'],
        ['CLAIMS.acme.test.'],
        ['*.acme.test'],
        ['x.apps.acme.test'],
        ['*.x.apps.acme.test'],
        ['*.apps.acme.test'],
        ['ok.globex.test', 'claims.acme.test'],
      ]) {
        const reply = await asGlobex('POST', '/v1/admin/resources', {
          id: 'grab',
          name: 'Grab',
          kind: 'http-app',
          hosts,
        });
        expect(reply.statusCode, hosts.join()).toBe(409);
        expect(reply.json()).toMatchObject({
          code: 'conflict',
          message: expect.stringContaining('another tenant'),
        });
      }
      const none = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/resources/grab',
        headers: h.auth('admin', h.otherTenant),
      });
      expect(none.statusCode).toBe(404);
      // Growing an existing resource onto a claimed host is refused too, and leaves it as it was.
      expect(
        (
          await asGlobex('POST', '/v1/admin/resources', {
            id: 'mine',
            name: 'Mine',
            kind: 'http-app',
            hosts: ['mine.globex.test'],
          })
        ).statusCode,
      ).toBe(201);
      const grow = await asGlobex('PUT', '/v1/admin/resources/mine', {
        id: 'mine',
        name: 'Mine',
        kind: 'http-app',
        hosts: ['mine.globex.test', 'claims.acme.test'],
      });
      expect(grow.statusCode).toBe(409);
      const kept = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/resources/mine',
        headers: h.auth('admin', h.otherTenant),
      });
      expect(kept.json().hosts).toEqual(['mine.globex.test']);
      // The same tenant may name its own host twice; a deleted resource frees its hosts.
      await h.addResource({
        id: 'claims-2',
        name: 'Claims 2',
        kind: 'http-app',
        hosts: ['claims.acme.test'],
      });
      expect((await h.admin('DELETE', '/v1/admin/resources/claims')).statusCode).toBe(204);
      expect(
        (
          await asGlobex('POST', '/v1/admin/resources', {
            id: 'apps',
            name: 'Apps',
            kind: 'http-app',
            hosts: ['*.apps.acme.test'],
          })
        ).statusCode,
      ).toBe(201);
      expect(
        (
          await asGlobex('POST', '/v1/admin/resources', {
            id: 'c',
            name: 'C',
            kind: 'http-app',
            hosts: ['claims.acme.test'],
          })
        ).statusCode,
      ).toBe(409);
      expect((await h.admin('DELETE', '/v1/admin/resources/claims-2')).statusCode).toBe(204);
      expect(
        (
          await asGlobex('POST', '/v1/admin/resources', {
            id: 'c',
            name: 'C',
            kind: 'http-app',
            hosts: ['claims.acme.test'],
          })
        ).statusCode,
      ).toBe(201);
    });

    it('needs a bearer token and keeps tenants apart (same ids in two tenants)', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/v1/admin/resources' })).statusCode).toBe(401);
      await h.addResource({ ...exchange, id: 'shared' });
      const other = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/resources',
        headers: h.auth('owner', h.otherTenant),
        payload: { ...exchange, id: 'shared', name: 'Globex mail', hosts: ['mail.globex.test'] },
      });
      expect(other.statusCode).toBe(201);
      const mine = await h.admin('GET', '/v1/admin/resources/shared');
      expect(mine.json().name).toBe('Exchange');
      const theirs = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/access-log',
        headers: h.auth('owner', h.otherTenant),
      });
      expect(theirs.json().items).toEqual([]);
      const del = await h.app.inject({
        method: 'DELETE',
        url: '/v1/admin/resources/r-analyst',
        headers: h.auth('owner', h.otherTenant),
      });
      expect(del.statusCode).toBe(404);
    });
  });
}
