import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, type EnrolledDevice, STALKERWARE_APP } from '../../test-support/access.ts';
import { liveALife } from '../../test-support/device-life.ts';
import { createCompliantAccessHarness } from '../../test-support/device-state.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/harness.ts';
import { findRowsContaining } from '../../test-support/table-scan.ts';

/** Values of the device's snapshot and enrollment that must be gone after erasure. */
const PERSONAL = [STALKERWARE_APP, 'com.whatsapp', 'alice@acme.test', 'HomeNet', '10:20:30:40:50:60'];

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`device erasure (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    let other: EnrolledDevice;
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect);
      ({ device, other } = await liveALife(h));
    });
    afterAll(async () => {
      await h?.close();
    });

    it('retire with erase leaves no table holding its apps, user or networks; audited; chain verifies; cert revoked', async () => {
      // The scan is not vacuous: before erasure the values are stored.
      const before = await findRowsContaining(h.testDb.db, PERSONAL);
      expect(before.some((row) => row.table === 'snapshots')).toBe(true);
      const reply = await h.admin('POST', `/v1/admin/devices/${device.deviceId}/retire?erase=true`);
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.json()).toMatchObject({ user: 'erased', labels: [] });
      // The other device (same user, same apps) keeps its data: only rows of the erased device count.
      const left = (await findRowsContaining(h.testDb.db, PERSONAL)).filter(
        ({ row }) => !JSON.stringify(row).includes(other.deviceId),
      );
      expect(left.map(({ table, column, value }) => `${table}.${column} holds ${value}`)).toEqual([]);
      // Aggregates keep their rows: threats (type, risk, state) and report records remain.
      const threats = await h.testDb.db.db
        .selectFrom('threats')
        .select(['type_id', 'evidence'])
        .where('device_id', '=', device.deviceId)
        .execute();
      expect(threats.length).toBeGreaterThan(0);
      expect(threats.every((threat) => threat.evidence === '[]')).toBe(true);
      const erased = await h.testDb.db.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'device.erase')
        .where('target', '=', device.deviceId)
        .executeTakeFirst();
      expect(erased?.details).toContain('"snapshots":1');
      const verify = await h.admin('GET', '/v1/admin/audit-log/verify', undefined, 'owner');
      expect(verify.statusCode, verify.body).toBe(200);
      expect(verify.json()).toMatchObject({ ok: true });
      const revoked = await h.testDb.db.db
        .selectFrom('revoked_certificates')
        .select('reason')
        .where('device_id', '=', device.deviceId)
        .execute();
      expect(revoked.map((row) => row.reason)).toContain('retired');
      const status = await h.app.inject(
        device.key.request('GET', '/v1/device/status', undefined, h.clock.now),
      );
      expect(status.statusCode).toBe(401);
    });
  });
}
