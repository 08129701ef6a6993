import type { Snapshot } from '@riskgate/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, type EnrolledDevice, STALKERWARE_APP } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  accessStatusOf,
  compliancePolicy,
  createCompliantAccessHarness,
  expectDeviceMatchesScratch,
  stateEventsOf,
} from '../../test-support/device-state.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';

const DAY_MS = 86_400_000;

/** A clean snapshot whose security patch is `days` old (over 180 days: `os.patch-outdated` at high). */
function oldPatchSnapshot(now: Date, days: number): Snapshot {
  const snapshot = cleanAndroidSnapshot(now);
  const patched = new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 8).concat('01');
  return { ...snapshot, device: { ...snapshot.device, securityPatch: patched } };
}

/**
 * Deterministic cases the random operations test (random-operations.test.ts) found, each a device
 * whose stored state disagreed with a from-scratch re-assessment (issue 12).
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`device state regressions (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect);
      const created = await h.admin('POST', '/v1/admin/compliance-policies', compliancePolicy('medium'));
      expect(created.statusCode, created.body).toBe(201);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** Row, last event and decision all equal the from-scratch state; returns it. */
    async function agrees(step: string) {
      const scratch = await expectDeviceMatchesScratch(
        h.testDb.db.db,
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
        step,
      );
      expect(await accessStatusOf(h, device), `decision after ${step}`).toBe(
        scratch.complianceState === 'compliant' ? 200 : 403,
      );
      return scratch;
    }

    async function threatOf(typeId: string): Promise<{ id: string; state: string; risk: string }> {
      const reply = await h.admin('GET', `/v1/admin/threats?deviceId=${device.deviceId}&limit=500`);
      expect(reply.statusCode, reply.body).toBe(200);
      const found = (
        reply.json().items as { id: string; typeId: string; state: string; risk: string }[]
      ).find((t) => t.typeId === typeId);
      if (found === undefined) throw new Error(`no ${typeId} threat`);
      return found;
    }

    it('deleting a type override gives a threat its detector risk back, not the catalog default (seed random-3363585991)', async () => {
      device = await h.enroll();
      // Patch 400 days old: the detector rates this instance high; the catalog default is medium.
      await h.report(device, oldPatchSnapshot(h.clock.now, 400));
      expect((await agrees('old patch report')).riskLevel).toBe('high');
      const url = '/v1/admin/threat-types/os.patch-outdated/risk';
      expect((await h.admin('PUT', url, { risk: 'low' })).statusCode).toBe(200);
      expect((await agrees('override low')).riskLevel).toBe('low');
      const reset = await h.admin('DELETE', url);
      expect(reset.statusCode, reset.body).toBe(200);
      const scratch = await agrees('override deleted');
      expect(scratch).toMatchObject({ riskLevel: 'high', complianceState: 'noncompliant' });
      expect((await threatOf('os.patch-outdated')).risk).toBe('high');
    });

    it('reactivating a threat absent from the latest report is refused (409) and changes nothing (seed random-3419126053)', async () => {
      device = await h.enroll();
      await h.report(device, true);
      expect((await agrees('stalkerware report')).riskLevel).toBe('high');
      await h.report(device, false);
      expect((await agrees('clean report')).riskLevel).toBe('secured');
      const threat = await threatOf('app.stalkerware');
      expect(threat.state).toBe('resolved');
      const eventsBefore = (await stateEventsOf(h.testDb.db.db, device.deviceId)).length;

      const reply = await h.admin('POST', `/v1/admin/threats/${threat.id}/reactivate`);
      expect(reply.statusCode, reply.body).toBe(409);
      expect(reply.json()).toMatchObject({ code: 'conflict' });
      expect(reply.json().message).toMatch(/latest report/);
      expect((await threatOf('app.stalkerware')).state).toBe('resolved');
      expect(await agrees('refused reactivation')).toMatchObject({
        riskLevel: 'secured',
        complianceState: 'compliant',
      });
      expect(await stateEventsOf(h.testDb.db.db, device.deviceId)).toHaveLength(eventsBefore);

      // An ignored threat that is gone is refused the same way.
      expect((await h.admin('POST', `/v1/admin/threats/${threat.id}/ignore`)).statusCode).toBe(200);
      await agrees('ignore a gone threat');
      expect((await h.admin('POST', `/v1/admin/threats/${threat.id}/reactivate`)).statusCode).toBe(409);
      await agrees('refused reactivation of an ignored threat');
    });

    it('reactivating a threat still in the latest report rates it with the current overrides, not its stored risk', async () => {
      device = await h.enroll();
      await h.report(device, cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE_APP)]));
      const threat = await threatOf('app.stalkerware');
      expect((await h.admin('POST', `/v1/admin/threats/${threat.id}/resolve`)).statusCode).toBe(200);
      expect((await agrees('resolved by the admin')).riskLevel).toBe('secured');
      // The override does not touch resolved threats: the row keeps `high`.
      const url = '/v1/admin/threat-types/app.stalkerware/risk';
      expect((await h.admin('PUT', url, { risk: 'low' })).statusCode).toBe(200);
      await agrees('override while resolved');
      const reply = await h.admin('POST', `/v1/admin/threats/${threat.id}/reactivate`);
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.json()).toMatchObject({ state: 'active', risk: 'low' });
      expect(await agrees('reactivated')).toMatchObject({ riskLevel: 'low', complianceState: 'compliant' });
      expect((await h.admin('DELETE', url)).statusCode).toBe(200);
      expect((await agrees('override deleted')).riskLevel).toBe('high');
    });
  });
}
