import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot } from '../../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';

/** A one-family stalkerware-indicators file listing `pkg`. */
export const iocYaml = (pkg: string) =>
  `- name: TestSpy\n  names:\n  - TestSpy\n  type: stalkerware\n  packages:\n  - ${pkg}\n`;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`admin intel feeds (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    async function deviceOf(id: string) {
      return h.testDb.db.db
        .selectFrom('devices')
        .select(['risk_level', 'labels'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    }

    it('an upload is parsed and counted, and a device holding a newly listed app becomes high risk at once', async () => {
      const pkg = 'com.example.newlylisted';
      const holder = deviceRow(h.tenant.tenantId);
      const bystander = deviceRow(h.tenant.tenantId);
      const foreign = deviceRow(h.otherTenant.tenantId);
      await insertRows(h.testDb.db.db, [holder, bystander, foreign]);
      const at = h.clock.now;
      await insertSnapshot(
        h.testDb.db.db,
        h.tenant.tenantId,
        holder.id,
        cleanAndroidSnapshot(at, [storeApp(pkg)]),
      );
      await insertSnapshot(h.testDb.db.db, h.tenant.tenantId, bystander.id, cleanAndroidSnapshot(at));
      await insertSnapshot(
        h.testDb.db.db,
        h.otherTenant.tenantId,
        foreign.id,
        cleanAndroidSnapshot(at, [storeApp(pkg)]),
      );

      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/feeds',
        headers: h.auth('admin'),
        payload: { name: 'ioc.yaml', content: iocYaml(pkg) },
      });
      expect(reply.statusCode).toBe(201);
      expect(reply.json()).toMatchObject({
        feed: { name: 'ioc.yaml', format: 'stalkerware-yaml', scope: 'tenant', counts: { indicators: 1 } },
        reassessment: { devicesExamined: 2, devicesWithNewThreats: 1, devicesChanged: 1 },
      });
      expect(reply.json().feed).not.toHaveProperty('content');
      expect(await deviceOf(holder.id)).toEqual({ risk_level: 'high', labels: '["MTD - High Risk"]' });
      expect((await deviceOf(bystander.id)).risk_level).toBe('secured');
      expect((await deviceOf(foreign.id)).risk_level).toBe('secured');
      const threats = await h.app.inject({
        url: `/v1/admin/threats?deviceId=${holder.id}`,
        headers: h.auth('helpdesk'),
      });
      expect(threats.json().items).toEqual([
        expect.objectContaining({ typeId: 'app.stalkerware', state: 'active', risk: 'high' }),
      ]);
      // Ingest reads the same registry: the tenant's lookup now knows the package; the other tenant's does not.
      expect(h.runtime.intel.lookup(h.tenant.tenantId).find('app-id', pkg)).toBeDefined();
      expect(h.runtime.intel.lookup(h.otherTenant.tenantId).find('app-id', pkg)).toBeUndefined();

      const list = await h.app.inject({ url: '/v1/admin/intel/feeds', headers: h.auth('analyst') });
      expect(list.json().items).toEqual([expect.objectContaining({ name: 'ioc.yaml' })]);
      const theirs = await h.app.inject({
        url: '/v1/admin/intel/feeds',
        headers: h.auth('analyst', h.otherTenant),
      });
      expect(theirs.json().items).toEqual([]);
      const id = list.json().items[0].id as string;
      const foreignDelete = await h.app.inject({
        method: 'DELETE',
        url: `/v1/admin/intel/feeds/${id}`,
        headers: h.auth('owner', h.otherTenant),
      });
      expect(foreignDelete.statusCode).toBe(404);
      const deleted = await h.app.inject({
        method: 'DELETE',
        url: `/v1/admin/intel/feeds/${id}`,
        headers: h.auth('owner'),
      });
      expect(deleted.statusCode).toBe(200);
      expect(h.runtime.intel.lookup(h.tenant.tenantId).find('app-id', pkg)).toBeUndefined();
      const audit = await h.app.inject({ url: '/v1/admin/audit-log?limit=1000', headers: h.auth('owner') });
      const actions = (audit.json().items as { action: string }[]).map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining(['intel-feed.upload', 'intel.reassess', 'intel-feed.delete']),
      );
    });

    it('refuses unparsable content, unknown formats and readers, storing nothing', async () => {
      await h.testDb.db.db.deleteFrom('intel_feeds').execute();
      const cases = [
        {
          role: 'owner' as const,
          payload: { name: 'x.yaml', format: 'stalkerware-yaml', content: '- name: [unclosed' },
          status: 400,
        },
        {
          role: 'owner' as const,
          payload: { name: 'x.txt', format: 'no-such-format', content: 'a' },
          status: 400,
        },
        { role: 'owner' as const, payload: { name: 'README.md', content: 'hello' }, status: 400 },
        { role: 'analyst' as const, payload: { name: 'ioc.yaml', content: iocYaml('com.a.b') }, status: 403 },
        {
          role: 'helpdesk' as const,
          payload: { name: 'ioc.yaml', content: iocYaml('com.a.b') },
          status: 403,
        },
      ];
      for (const { role, payload, status } of cases) {
        const reply = await h.app.inject({
          method: 'POST',
          url: '/v1/admin/intel/feeds',
          headers: h.auth(role),
          payload,
        });
        expect(reply.statusCode, JSON.stringify(payload)).toBe(status);
      }
      const rows = await h.testDb.db.db
        .selectFrom('intel_feeds')
        .select('id')
        .where('tenant_id', '=', h.tenant.tenantId)
        .execute();
      expect(rows).toEqual([]);
    });
  });
}
