import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';

/** Every transaction that changes a device's access state updates the decision cache before it answers. */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `admin changes reach decisions at once (${dialect})`,
    () => {
      let h: AccessHarness;
      let device: EnrolledDevice;
      beforeAll(async () => {
        h = await createAccessHarness(dialect);
        await h.addResource({
          id: 'exchange',
          name: 'Exchange',
          kind: 'http-app',
          hosts: ['mail.acme.test'],
        });
        await h.addPolicy({
          id: 'risk-low',
          name: 'Risk at most low',
          state: 'on',
          assignment: {},
          grant: { kind: 'require-risk-at-most', level: 'low' },
        });
        device = await h.enroll();
        await h.report(device, true);
      });
      afterAll(async () => {
        await h?.close();
      });

      const check = async () => {
        const reply = await h.app.inject({
          method: 'GET',
          url: '/v1/access/check',
          headers: {
            host: 'mail.acme.test',
            'x-client-cert-sha256': device.fingerprint,
            'x-riskgate-proxy-secret': PROXY_SECRET,
          },
        });
        return `${reply.statusCode} ${String(reply.headers['x-riskgate-reason'] ?? '')}`.trim();
      };

      it('ignoring, reactivating, re-rating by type override and retiring apply to the next decision', async () => {
        expect(await check()).toBe('403 risk-too-high');
        const threats = await h.admin('GET', `/v1/admin/threats?deviceId=${device.deviceId}&state=active`);
        const threat = threats.json().items[0] as { id: string; typeId: string };

        expect((await h.admin('POST', `/v1/admin/threats/${threat.id}/ignore`)).statusCode).toBe(200);
        expect(await check()).toBe('200');
        expect((await h.admin('POST', `/v1/admin/threats/${threat.id}/reactivate`)).statusCode).toBe(200);
        expect(await check()).toBe('403 risk-too-high');

        const lowered = await h.admin('PUT', `/v1/admin/threat-types/${threat.typeId}/risk`, { risk: 'low' });
        expect(lowered.statusCode, lowered.body).toBe(200);
        expect(await check()).toBe('200');
        expect(
          (await h.admin('DELETE', `/v1/admin/threat-types/${threat.typeId}/risk`)).statusCode,
        ).toBeLessThan(300);
        expect(await check()).toBe('403 risk-too-high');

        expect((await h.admin('POST', `/v1/admin/devices/${device.deviceId}/retire`)).statusCode).toBe(200);
        expect(await check()).toBe('403 device-retired');
      });
    },
  );
}
