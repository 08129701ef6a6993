import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot, threatRow } from '../../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot } from '../../../test-support/snapshots.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`admin device explanation (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('explains risk from active threats (with overrides) and compliance from failing rules', async () => {
      const device = deviceRow(h.tenant.tenantId, { risk_level: 'high', labels: '["MTD - High Risk"]' });
      const stalker = threatRow(h.tenant.tenantId, device.id);
      const resolved = threatRow(h.tenant.tenantId, device.id, {
        type_id: 'device.rooted',
        class: 'device',
        state: 'resolved',
        family: null,
      });
      await insertRows(h.testDb.db.db, [device], [stalker, resolved]);
      await insertSnapshot(h.testDb.db.db, h.tenant.tenantId, device.id, cleanAndroidSnapshot(h.clock.now));
      await h.app.inject({
        method: 'POST',
        url: '/v1/admin/compliance-policies',
        headers: h.auth('owner'),
        payload: {
          name: 'max low',
          assignment: {},
          rules: { maxThreatLevel: 'low' },
          gracePeriodHours: 0,
          actions: [],
          unresponsive: { afterDays: 30, treatAs: 'compliant' },
          enabled: true,
        },
      });
      const reply = await h.app.inject({
        url: `/v1/admin/devices/${device.id}/explanation`,
        headers: h.auth('helpdesk'),
      });
      expect(reply.statusCode).toBe(200);
      const body = reply.json();
      expect(body.risk).toMatchObject({
        level: 'high',
        drivers: [{ key: stalker.key, typeId: 'app.stalkerware' }],
      });
      expect(body.risk.contributors).toHaveLength(1);
      expect(body.risk.summary).toContain('High risk because of 1 high-risk threat');
      expect(body.compliance).toMatchObject({
        state: 'noncompliant',
        failingRules: [{ rule: 'maxThreatLevel' }],
      });
      expect(body.snapshot).toMatchObject({ device: { model: 'Pixel 9' } });

      await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/threat-families/thetruthspy/risk',
        headers: h.auth('owner'),
        payload: { risk: 'low' },
      });
      const after = (
        await h.app.inject({ url: `/v1/admin/devices/${device.id}/explanation`, headers: h.auth('analyst') })
      ).json();
      expect(after.risk).toMatchObject({
        level: 'low',
        overrides: [{ by: 'family', key: 'thetruthspy', from: 'high', to: 'low' }],
      });
      expect(after.compliance).toMatchObject({ state: 'compliant', failingRules: [] });
    });

    it('is 404 for another tenant’s device and for unknown ids', async () => {
      const foreign = deviceRow(h.otherTenant.tenantId);
      await insertRows(h.testDb.db.db, [foreign]);
      for (const id of [foreign.id, 'dev_nope']) {
        const reply = await h.app.inject({
          url: `/v1/admin/devices/${id}/explanation`,
          headers: h.auth('owner'),
        });
        expect(reply.statusCode).toBe(404);
        expect(reply.json()).toMatchObject({ code: 'not_found' });
      }
    });
  });
}
