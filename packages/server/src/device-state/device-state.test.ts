import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessHarness, EnrolledDevice } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  accessStatusOf,
  compliancePolicy,
  createCompliantAccessHarness,
  expectDeviceMatchesScratch,
  stateEventsOf,
} from '../../test-support/device-state.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';

const NEWLY_LISTED = 'com.example.newlylisted';
const iocYaml = (pkg: string) =>
  `- name: TestSpy\n  names:\n  - TestSpy\n  type: stalkerware\n  packages:\n  - ${pkg}\n`;

/** Every cause of a device state change, through the public API, against a from-scratch re-assessment. */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`one device state transition (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    let policyId: string;
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect);
      const created = await h.admin('POST', '/v1/admin/compliance-policies', compliancePolicy('low'));
      expect(created.statusCode, created.body).toBe(201);
      policyId = created.json().policy.id;
      device = await h.enroll();
    });
    afterAll(async () => {
      await h?.close();
    });

    const check = () => accessStatusOf(h, device);

    /** Row, last event and decision all equal the from-scratch state; returns the last event. */
    async function agrees(step: string) {
      const scratch = await expectDeviceMatchesScratch(
        h.testDb.db.db,
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
        step,
      );
      expect(await check(), `decision after ${step}`).toBe(
        scratch.complianceState === 'compliant' ? 200 : 403,
      );
      const events = await stateEventsOf(h.testDb.db.db, device.deviceId);
      return { scratch, last: events.at(-1) };
    }

    async function activeThreatId(): Promise<string> {
      const reply = await h.admin('GET', `/v1/admin/threats?deviceId=${device.deviceId}`);
      const item = (reply.json().items as { id: string; typeId: string }[]).find(
        (t) => t.typeId === 'app.stalkerware',
      );
      if (item === undefined) throw new Error('no stalkerware threat');
      return item.id;
    }

    it('report: a stalkerware app makes the device high and noncompliant, with one event', async () => {
      await h.report(device, true);
      const { scratch, last } = await agrees('report');
      expect(scratch).toMatchObject({ riskLevel: 'high', complianceState: 'noncompliant' });
      expect(last).toMatchObject({
        schemaVersion: 1,
        cause: 'report',
        sequence: 1,
        after: { riskLevel: 'high', complianceState: 'noncompliant', labels: ['MTD - High Risk'] },
        reasons: { failingRules: [{ policyId, rule: 'maxThreatLevel' }] },
      });
      expect(last?.reasons.threatsOpened.length).toBeGreaterThan(0);
    });

    it('triage: ignoring the only high threat makes the device compliant, and the very next check allows', async () => {
      const id = await activeThreatId();
      expect(await check()).toBe(403);
      expect((await h.admin('POST', `/v1/admin/threats/${id}/ignore`)).statusCode).toBe(200);
      expect(await check()).toBe(200);
      const { scratch, last } = await agrees('ignore');
      expect(scratch).toMatchObject({ riskLevel: 'secured', complianceState: 'compliant', labels: [] });
      expect(last).toMatchObject({
        cause: 'triage',
        trigger: 'threat.ignore',
        before: { riskLevel: 'high', complianceState: 'noncompliant' },
        after: { riskLevel: 'secured', complianceState: 'compliant', labels: [] },
        reasons: { failingRules: [] },
      });
      expect(last?.reasons.threatsResolved).toHaveLength(1);

      expect((await h.admin('POST', `/v1/admin/threats/${id}/reactivate`)).statusCode).toBe(200);
      expect((await agrees('reactivate')).last).toMatchObject({
        cause: 'triage',
        after: { riskLevel: 'high' },
      });
      expect((await h.admin('POST', `/v1/admin/threats/${id}/resolve`)).statusCode).toBe(200);
      expect((await agrees('resolve')).scratch.complianceState).toBe('compliant');
      // The next report detects it again: reactivated.
      await h.report(device, true);
      expect((await agrees('report again')).last?.cause).toBe('report');
    });

    it('overrides: type and family risk re-rate the device, compliance included', async () => {
      const down = await h.admin('PUT', '/v1/admin/threat-types/app.stalkerware/risk', { risk: 'low' });
      expect(down.statusCode, down.body).toBe(200);
      expect((await agrees('type override')).last).toMatchObject({
        cause: 'override',
        after: { riskLevel: 'low', complianceState: 'compliant', labels: ['MTD - Low Risk'] },
      });
      const family = await h.admin('PUT', '/v1/admin/threat-families/TheTruthSpy/risk', { risk: 'medium' });
      expect(family.statusCode, family.body).toBe(200);
      expect((await agrees('family override')).scratch.riskLevel).toBe('medium');
      expect((await h.admin('DELETE', '/v1/admin/threat-families/TheTruthSpy/risk')).statusCode).toBe(200);
      await agrees('family reset');
      expect((await h.admin('DELETE', '/v1/admin/threat-types/app.stalkerware/risk')).statusCode).toBe(200);
      expect((await agrees('type reset')).scratch.riskLevel).toBe('high');
    });

    it('policy: update, disable, delete and create re-evaluate compliance', async () => {
      const url = `/v1/admin/compliance-policies/${policyId}`;
      expect((await h.admin('PUT', url, compliancePolicy('high'))).statusCode).toBe(200);
      expect((await agrees('policy update')).last).toMatchObject({
        cause: 'policy',
        trigger: 'compliance-policy.update',
        after: { complianceState: 'compliant' },
      });
      expect((await h.admin('PUT', url, compliancePolicy('low'))).statusCode).toBe(200);
      expect((await agrees('policy tightened')).scratch.complianceState).toBe('noncompliant');
      expect((await h.admin('PUT', url, compliancePolicy('low', false))).statusCode).toBe(200);
      expect((await agrees('policy disabled')).scratch.complianceState).toBe('compliant');
      expect((await h.admin('DELETE', url)).statusCode).toBe(200);
      await agrees('policy deleted');
      const created = await h.admin('POST', '/v1/admin/compliance-policies', compliancePolicy('medium'));
      expect(created.statusCode).toBe(201);
      policyId = created.json().policy.id;
      expect((await agrees('policy created')).scratch.complianceState).toBe('noncompliant');
    });

    it('intel: a feed upload flags a device holding a newly listed app (retro-hunt)', async () => {
      await h.report(device, cleanAndroidSnapshot(h.clock.now, [storeApp(NEWLY_LISTED)]));
      expect((await agrees('clean report')).scratch.riskLevel).toBe('secured');
      const upload = await h.admin('POST', '/v1/admin/intel/feeds', {
        name: 'ioc.yaml',
        content: iocYaml(NEWLY_LISTED),
      });
      expect(upload.statusCode, upload.body).toBe(201);
      const { scratch, last } = await agrees('feed upload');
      expect(scratch.riskLevel).toBe('high');
      expect(last).toMatchObject({ cause: 'intel', trigger: 'intel.reassess' });
      expect(last?.reasons.threatsOpened).toHaveLength(1);
    });

    it('retire: one event that drops the labels, and access is denied', async () => {
      expect((await h.admin('POST', `/v1/admin/devices/${device.deviceId}/retire`)).statusCode).toBe(200);
      const events = await stateEventsOf(h.testDb.db.db, device.deviceId);
      expect(events.at(-1)).toMatchObject({ cause: 'retire', after: { labels: [] } });
      expect(await check()).toBe(403);
      // A retired row keeps its last rating; its event sequence still has no gap.
      await expectDeviceMatchesScratch(
        h.testDb.db.db,
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
        'retire',
      );
    });
  });
}
