import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, threatRow } from '../../../test-support/seed-fleet.ts';

const policy = (maxThreatLevel: string) => ({
  name: `max ${maxThreatLevel}`,
  assignment: {},
  rules: { maxThreatLevel },
  gracePeriodHours: 0,
  actions: [],
  unresponsive: { afterDays: 30, treatAs: 'compliant' },
  enabled: true,
});

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`admin compliance policies (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    async function complianceOf(id: string) {
      const row = await h.testDb.db.db
        .selectFrom('devices')
        .select('compliance_state')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return row.compliance_state;
    }

    it('create, read, replace and delete re-evaluate every device of the tenant, audited', async () => {
      const risky = deviceRow(h.tenant.tenantId, { risk_level: 'high' });
      const clean = deviceRow(h.tenant.tenantId, { risk_level: 'secured' });
      const foreign = deviceRow(h.otherTenant.tenantId, { risk_level: 'high' });
      await insertRows(
        h.testDb.db.db,
        [risky, clean, foreign],
        [threatRow(h.tenant.tenantId, risky.id), threatRow(h.otherTenant.tenantId, foreign.id)],
      );

      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/compliance-policies',
        headers: h.auth('admin'),
        payload: policy('low'),
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().policy.id as string;
      expect(created.json()).toMatchObject({
        policy: { id, name: 'max low', rules: { maxThreatLevel: 'low' } },
        devicesChanged: 2,
      });
      expect([
        await complianceOf(risky.id),
        await complianceOf(clean.id),
        await complianceOf(foreign.id),
      ]).toEqual(['noncompliant', 'compliant', 'unknown']);

      const read = await h.app.inject({
        url: `/v1/admin/compliance-policies/${id}`,
        headers: h.auth('analyst'),
      });
      expect(read.json()).toMatchObject({ id, createdAt: expect.any(String) });
      const list = await h.app.inject({ url: '/v1/admin/compliance-policies', headers: h.auth('analyst') });
      expect(list.json().items.map((p: { id: string }) => p.id)).toEqual([id]);

      const replaced = await h.app.inject({
        method: 'PUT',
        url: `/v1/admin/compliance-policies/${id}`,
        headers: h.auth('owner'),
        payload: policy('high'),
      });
      expect(replaced.statusCode).toBe(200);
      expect(await complianceOf(risky.id)).toBe('compliant');
      const history = await h.testDb.db.db
        .selectFrom('device_history')
        .select('details')
        .where('device_id', '=', risky.id)
        .execute();
      expect(history.map((row) => JSON.parse(row.details).after.complianceState)).toEqual([
        'noncompliant',
        'compliant',
      ]);

      const deleted = await h.app.inject({
        method: 'DELETE',
        url: `/v1/admin/compliance-policies/${id}`,
        headers: h.auth('owner'),
      });
      expect(deleted.json()).toMatchObject({ policy: null });
      const gone = await h.app.inject({
        url: `/v1/admin/compliance-policies/${id}`,
        headers: h.auth('owner'),
      });
      expect(gone.statusCode).toBe(404);

      const audit = await h.app.inject({ url: '/v1/admin/audit-log?limit=1000', headers: h.auth('owner') });
      const actions = (audit.json().items as { action: string; target: string }[])
        .filter((e) => e.target === id)
        .map((e) => e.action);
      expect(actions).toEqual([
        'compliance-policy.create',
        'compliance-policy.update',
        'compliance-policy.delete',
      ]);
    });

    it('refuses bad documents with 400 and stores nothing', async () => {
      const bad = [
        { ...policy('low'), extra: true },
        { ...policy('low'), rules: { maxThreatLevel: 'extreme' } },
        { ...policy('low'), id: 'chosen-by-client' },
        { ...policy('low'), gracePeriodHours: -1 },
        { name: 'x' },
      ];
      for (const payload of bad) {
        const reply = await h.app.inject({
          method: 'POST',
          url: '/v1/admin/compliance-policies',
          headers: h.auth('owner'),
          payload,
        });
        expect(reply.statusCode).toBe(400);
        expect(reply.json().code).toBe('invalid_request');
      }
      const rows = await h.testDb.db.db
        .selectFrom('compliance_policies')
        .select('id')
        .where('tenant_id', '=', h.tenant.tenantId)
        .execute();
      expect(rows).toEqual([]);
    });

    it('another tenant’s policy is 404 for read, replace and delete', async () => {
      const theirs = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/compliance-policies',
        headers: h.auth('owner', h.otherTenant),
        payload: policy('medium'),
      });
      const id = theirs.json().policy.id as string;
      for (const request of [
        { method: 'GET' as const, url: `/v1/admin/compliance-policies/${id}` },
        { method: 'PUT' as const, url: `/v1/admin/compliance-policies/${id}`, payload: policy('low') },
        { method: 'DELETE' as const, url: `/v1/admin/compliance-policies/${id}` },
      ]) {
        const reply = await h.app.inject({ ...request, headers: h.auth('owner') });
        expect(reply.statusCode).toBe(404);
      }
      const still = await h.app.inject({
        url: `/v1/admin/compliance-policies/${id}`,
        headers: h.auth('owner', h.otherTenant),
      });
      expect(still.json().rules).toEqual({ maxThreatLevel: 'medium' });
    });
  });
}
