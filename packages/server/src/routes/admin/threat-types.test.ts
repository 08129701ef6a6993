import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, threatRow } from '../../../test-support/seed-fleet.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`admin threat types (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** A high-risk device with a high stalkerware threat and a medium OS threat. */
    async function seedRiskyDevice(tenantId = h.tenant.tenantId) {
      const device = deviceRow(tenantId, { risk_level: 'high', labels: '["vip","MTD - High Risk"]' });
      const stalker = threatRow(tenantId, device.id);
      const os = threatRow(tenantId, device.id, {
        type_id: 'os.patch-outdated',
        class: 'os',
        risk: 'medium',
        family: null,
      });
      await insertRows(h.testDb.db.db, [device], [stalker, os]);
      return { device, stalker, os };
    }

    async function deviceState(id: string) {
      const reply = await h.app.inject({ url: `/v1/admin/devices/${id}`, headers: h.auth('analyst') });
      expect(reply.statusCode).toBe(200);
      return reply.json().device as { riskLevel: string; labels: string[] };
    }

    async function countRows(table: 'device_history' | 'outbox', deviceId: string) {
      if (table === 'device_history') {
        const rows = await h.testDb.db.db
          .selectFrom('device_history')
          .select('id')
          .where('device_id', '=', deviceId)
          .execute();
        return rows.length;
      }
      const rows = await h.testDb.db.db
        .selectFrom('outbox')
        .select('payload')
        .where('tenant_id', '=', h.tenant.tenantId)
        .execute();
      return rows.filter((row) => JSON.parse(row.payload).deviceId === deviceId).length;
    }

    async function auditActions(target: string) {
      const audit = await h.app.inject({ url: '/v1/admin/audit-log?limit=1000', headers: h.auth('owner') });
      return (audit.json().items as { action: string; target: string }[])
        .filter((e) => e.target === target)
        .map((e) => e.action);
    }

    it('a threat type override re-rates open threats and devices at once; DELETE goes back', async () => {
      const a = await seedRiskyDevice();
      const b = await seedRiskyDevice();
      const put = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/threat-types/app.stalkerware/risk',
        headers: h.auth('admin'),
        payload: { risk: 'low' },
      });
      expect(put.statusCode).toBe(200);
      expect(put.json().threatsUpdated).toBeGreaterThanOrEqual(2);
      expect(put.json().devicesChanged).toBeGreaterThanOrEqual(2);
      for (const seeded of [a, b]) expect((await deviceState(seeded.device.id)).riskLevel).toBe('medium');
      expect(await countRows('device_history', a.device.id)).toBe(1);
      expect(await countRows('outbox', a.device.id)).toBe(1);
      const types = await h.app.inject({ url: '/v1/admin/threat-types', headers: h.auth('analyst') });
      expect(types.json().items).toContainEqual(
        expect.objectContaining({
          id: 'app.stalkerware',
          risk: 'low',
          defaultRisk: 'high',
          overridden: true,
        }),
      );
      await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/threat-types/os.patch-outdated/risk',
        headers: h.auth('admin'),
        payload: { risk: 'none' },
      });
      expect(await deviceState(a.device.id)).toMatchObject({
        riskLevel: 'low',
        labels: ['vip', 'MTD - Low Risk'],
      });
      const reset = await h.app.inject({
        method: 'DELETE',
        url: '/v1/admin/threat-types/app.stalkerware/risk',
        headers: h.auth('owner'),
      });
      expect(reset.statusCode).toBe(200);
      expect(await deviceState(a.device.id)).toMatchObject({
        riskLevel: 'high',
        labels: ['vip', 'MTD - High Risk'],
      });
      const again = await h.app.inject({
        method: 'DELETE',
        url: '/v1/admin/threat-types/app.stalkerware/risk',
        headers: h.auth('owner'),
      });
      expect(again.statusCode).toBe(404);
      await h.app.inject({
        method: 'DELETE',
        url: '/v1/admin/threat-types/os.patch-outdated/risk',
        headers: h.auth('owner'),
      });
      expect(await auditActions('app.stalkerware')).toEqual(['threat-type.override', 'threat-type.reset']);
      const verify = await h.app.inject({ url: '/v1/admin/audit-log/verify', headers: h.auth('owner') });
      expect(verify.json()).toMatchObject({ ok: true });
    });

    it('a family override wins over the type and can be removed', async () => {
      const { device } = await seedRiskyDevice();
      const put = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/threat-families/TheTruthSpy/risk',
        headers: h.auth('owner'),
        payload: { risk: 'none' },
      });
      expect(put.statusCode).toBe(200);
      expect((await deviceState(device.id)).riskLevel).toBe('medium');
      const types = await h.app.inject({ url: '/v1/admin/threat-types', headers: h.auth('owner') });
      expect(types.json().families).toEqual([{ family: 'thetruthspy', risk: 'none' }]);
      await h.app.inject({
        method: 'DELETE',
        url: '/v1/admin/threat-families/thetruthspy/risk',
        headers: h.auth('owner'),
      });
      expect((await deviceState(device.id)).riskLevel).toBe('high');
    });

    it('refuses an unknown type and a bad risk; never touches another tenant', async () => {
      const other = await seedRiskyDevice(h.otherTenant.tenantId);
      const put = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/threat-types/app.stalkerware/risk',
        headers: h.auth('owner'),
        payload: { risk: 'none' },
      });
      expect(put.statusCode).toBe(200);
      const cases = [
        {
          method: 'PUT' as const,
          url: '/v1/admin/threat-types/app.nope/risk',
          payload: { risk: 'low' },
          status: 404,
        },
        {
          method: 'PUT' as const,
          url: '/v1/admin/threat-types/app.stalkerware/risk',
          payload: { risk: 'huge' },
          status: 400,
        },
      ];
      for (const { status, ...request } of cases) {
        const reply = await h.app.inject({ ...request, headers: h.auth('owner') });
        expect(reply.statusCode).toBe(status);
      }
      const untouched = await h.testDb.db.db
        .selectFrom('threats')
        .select(['state', 'risk'])
        .where('id', '=', other.stalker.id)
        .executeTakeFirstOrThrow();
      expect(untouched).toEqual({ state: 'active', risk: 'high' });
      const device = await h.testDb.db.db
        .selectFrom('devices')
        .select('risk_level')
        .where('id', '=', other.device.id)
        .executeTakeFirstOrThrow();
      expect(device.risk_level).toBe('high');
      await h.app.inject({
        method: 'DELETE',
        url: '/v1/admin/threat-types/app.stalkerware/risk',
        headers: h.auth('owner'),
      });
    });
  });
}
