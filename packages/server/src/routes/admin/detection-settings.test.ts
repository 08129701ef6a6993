import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { cleanAndroidSnapshot } from '../../../test-support/snapshots.ts';

const CORP = { ssid: 'Corp-WiFi', security: 'wpa2-enterprise', bssids: ['8C:3B:AD:00:00:01'] } as const;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`detection settings (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    const put = (body: object, role: 'owner' | 'admin' | 'analyst' | 'helpdesk' = 'admin') =>
      h.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/detection',
        headers: h.auth(role),
        payload: body,
      });
    const get = (headers: Record<string, string> = h.auth('analyst')) =>
      h.app.inject({ method: 'GET', url: '/v1/admin/settings/detection', headers });

    async function enrolled(): Promise<TestDevice> {
      const token = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('owner'),
        payload: { ownership: 'corporate', expiresInHours: 1, maxUses: 1 },
      });
      const device = new TestDevice();
      const body = { token: token.json().token, publicKey: device.jwk, device: { platform: 'android' } };
      const reply = await h.app.inject(
        device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
      );
      expect(reply.statusCode).toBe(201);
      device.deviceId = reply.json().deviceId;
      return device;
    }

    /** A report from the company SSID served by an access point the tenant does not know. */
    async function reportFromRogueAp(device: TestDevice) {
      const snapshot = cleanAndroidSnapshot(h.clock.now);
      const network = {
        ...snapshot.network,
        wifi: { ssid: CORP.ssid, bssid: 'de:ad:be:ef:00:01', security: 'wpa2' as const },
      };
      const body = { reportId: randomUUID(), kind: 'full', snapshot: { ...snapshot, network } };
      const reply = await h.app.inject(device.request('POST', '/v1/device/reports', body, h.clock.now));
      expect(reply.statusCode).toBe(200);
      return reply.json() as { riskLevel: string; threats: { typeId: string }[] };
    }

    it('starts empty, is read by analysts, written by admins (audited) and refused to lower roles', async () => {
      expect((await get()).json()).toEqual({ knownNetworks: [] });
      expect((await get({})).statusCode).toBe(401);
      expect((await put({ knownNetworks: [CORP] }, 'analyst')).statusCode).toBe(403);
      expect((await put({ knownNetworks: [CORP] }, 'helpdesk')).statusCode).toBe(403);
      expect((await get()).json()).toEqual({ knownNetworks: [] });
      const set = await put({ knownNetworks: [CORP] });
      expect(set.statusCode).toBe(200);
      expect((await get()).json()).toEqual({ knownNetworks: [CORP] });
      expect((await get(h.auth('analyst', h.otherTenant))).json()).toEqual({ knownNetworks: [] });
      const audit = await h.testDb.db.db
        .selectFrom('audit_log')
        .select(['action', 'details'])
        .where('tenant_id', '=', h.tenant.tenantId)
        .where('action', '=', 'settings.detection.update')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]?.details).toContain('Corp-WiFi');
    });

    it.each([
      ['a bad BSSID', { knownNetworks: [{ ...CORP, bssids: ['not-a-mac'] }] }],
      ['an unknown security', { knownNetworks: [{ ssid: 'x', security: 'wpa9' }] }],
      ['an empty SSID', { knownNetworks: [{ ssid: '', security: 'wpa2' }] }],
      ['an extra field', { knownNetworks: [], extra: 1 }],
      ['no list', {}],
      ['too many networks', { knownNetworks: Array.from({ length: 101 }, () => CORP) }],
    ])('refuses %s with 400 and changes nothing', async (_name, body) => {
      const before = (await get()).json();
      const reply = await put(body);
      expect(reply.statusCode).toBe(400);
      expect(reply.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect((await get()).json()).toEqual(before);
    });

    it('applies to the next report: the company SSID from an unknown access point is a rogue AP, only in that tenant', async () => {
      expect((await put({ knownNetworks: [] })).statusCode).toBe(200);
      const device = await enrolled();
      expect((await reportFromRogueAp(device)).riskLevel).toBe('secured');
      expect((await put({ knownNetworks: [CORP] })).statusCode).toBe(200);
      const flagged = await reportFromRogueAp(device);
      expect(flagged.riskLevel).toBe('high');
      expect(flagged.threats.map((threat) => threat.typeId)).toContain('network.rogue-access-point');
      // The listed access point (BSSID compared case-insensitively) with the right security is fine.
      const snapshot = cleanAndroidSnapshot(h.clock.now);
      const network = {
        ...snapshot.network,
        wifi: { ssid: CORP.ssid, bssid: '8c:3b:ad:00:00:01', security: 'wpa2-enterprise' as const },
      };
      const body = { reportId: randomUUID(), kind: 'full', snapshot: { ...snapshot, network } };
      const good = await h.app.inject(device.request('POST', '/v1/device/reports', body, h.clock.now));
      expect(good.json().riskLevel).toBe('secured');
    });
  });
}
