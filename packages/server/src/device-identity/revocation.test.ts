import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, createAccessHarness, PROXY_SECRET } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';

/** Issue 11.1: retire revokes the certificate; the revocation wins over the device row. */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`certificate revocation (${dialect})`, () => {
    let h: AccessHarness;
    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      await h.addResource({ id: 'mail', name: 'Mail', kind: 'http-app', hosts: ['mail.acme.test'] });
      await h.addPolicy({
        id: 'compliant',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    const check = (fingerprint: string) =>
      h.app.inject({
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          'x-forwarded-host': 'mail.acme.test',
          'x-forwarded-uri': '/',
          'x-client-cert-sha256': fingerprint,
          'x-riskgate-proxy-secret': PROXY_SECRET,
        },
      });

    it('a retired device stays refused after its row is set back to not retired in SQL', async () => {
      const device = await h.enroll();
      await h.report(device, false);
      expect((await check(device.fingerprint)).statusCode).toBe(200);
      const retire = await h.admin('POST', `/v1/admin/devices/${device.deviceId}/retire`);
      expect(retire.statusCode).toBe(200);
      const rows = await sql<{
        reason: string;
      }>`select reason from revoked_certificates where fingerprint = ${device.fingerprint}`.execute(
        h.testDb.db.db,
      );
      expect(rows.rows.map((row) => row.reason)).toEqual(['retired']);

      await sql`update devices set retired_at = null where id = ${device.deviceId}`.execute(h.testDb.db.db);
      // This node reloads the device from the tampered row: still refused.
      await h.access.devicesChanged(h.tenant.tenantId, [device.deviceId]);
      const afterReload = await check(device.fingerprint);
      expect(afterReload.statusCode).not.toBe(200);
      // A cold cache (a node that starts now) reads the same: still refused.
      h.access.devices.clear();
      const cold = await check(device.fingerprint);
      expect(cold.statusCode).not.toBe(200);
      expect(cold.headers['x-riskgate-reason']).toBe('device-retired');
      // And the device's own signed requests are refused.
      const status = await h.app.inject(
        device.key.request('GET', '/v1/device/status', undefined, h.clock.now),
      );
      expect(status.statusCode).toBe(401);
    });
  });
}
