import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, type EnrolledDevice, postgresUrlOf } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  accessStatusOf,
  compliancePolicy,
  createCompliantAccessHarness,
  expectDeviceMatchesScratch,
  stateEventsOf,
} from '../../test-support/device-state.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';
import { type Db, openDatabase } from '../db/database.ts';
import { createRuntime } from '../runtime.ts';

const LISTED = 'com.example.listedonlyhere';
const ALSO_LISTED = 'com.example.listedtwice';
const iocYaml = (family: string, packages: readonly string[]) =>
  `- name: ${family}\n  names:\n  - ${family}\n  type: stalkerware\n  packages:\n${packages.map((p) => `  - ${p}\n`).join('')}`;

/** Polls until `probe` holds (another node's decision cache follows through the cluster sync). */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 2000): Promise<void> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Deleting an intel feed (issue 12, cause `intel`): the threats only its indicators supported are
 * resolved at once and the devices re-rated, on this node and on another one, not on the next report.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`intel feed deletion re-rates (${dialect})`, () => {
    let h: AccessHarness;
    let other: { db: Db; runtime: Awaited<ReturnType<typeof createRuntime>> };
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect, { withPostgresNotify: true });
      const created = await h.admin('POST', '/v1/admin/compliance-policies', compliancePolicy('low'));
      expect(created.statusCode, created.body).toBe(201);
      const db =
        dialect === 'sqlite'
          ? openDatabase({
              dialect: 'sqlite',
              path:
                (await sql<{ file: string }>`pragma database_list`.execute(h.testDb.db.db)).rows[0]?.file ??
                '',
            })
          : openDatabase({ dialect: 'postgres', url: await postgresUrlOf(h.testDb), poolSize: 3 });
      const runtime = await createRuntime({
        db,
        secretKey: h.secretKey,
        config: { bodyLimit: 1024 * 1024, trustedProxies: [] },
        now: () => h.clock.now,
        access:
          dialect === 'postgres'
            ? { ...h.sharedProxy, postgresUrl: await postgresUrlOf(h.testDb) }
            : h.sharedProxy,
      });
      other = { db, runtime };
    });
    afterAll(async () => {
      await other?.runtime.app.close();
      await other?.db.close();
      await h?.close();
    });

    async function agrees(device: EnrolledDevice, step: string) {
      const scratch = await expectDeviceMatchesScratch(
        h.testDb.db.db,
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
        step,
      );
      const expected = scratch.complianceState === 'compliant' ? 200 : 403;
      expect(await accessStatusOf(h, device), `decision after ${step}`).toBe(expected);
      await eventually(
        async () => (await accessStatusOf(other.runtime, device)) === expected,
        `second node's decision after ${step}`,
      );
      return { scratch, events: await stateEventsOf(h.testDb.db.db, device.deviceId) };
    }

    async function upload(name: string, content: string): Promise<string> {
      const reply = await h.admin('POST', '/v1/admin/intel/feeds', { name, content });
      expect(reply.statusCode, reply.body).toBe(201);
      return reply.json().feed.id;
    }

    it('a threat only the deleted feed supported is resolved at once; one another feed also lists stays', async () => {
      const only = await h.enroll();
      const both = await h.enroll();
      await h.report(only, cleanAndroidSnapshot(h.clock.now, [storeApp(LISTED)]));
      await h.report(both, cleanAndroidSnapshot(h.clock.now, [storeApp(ALSO_LISTED)]));
      expect((await agrees(only, 'clean report')).scratch.riskLevel).toBe('secured');

      const feedId = await upload('first.yaml', iocYaml('FirstSpy', [LISTED, ALSO_LISTED]));
      await upload('second.yaml', iocYaml('SecondSpy', [ALSO_LISTED]));
      const flagged = await agrees(only, 'feed upload');
      expect(flagged.scratch).toMatchObject({ riskLevel: 'high', complianceState: 'noncompliant' });
      expect((await agrees(both, 'feed upload (both)')).scratch.riskLevel).toBe('high');
      const bothEvents = (await stateEventsOf(h.testDb.db.db, both.deviceId)).length;

      const deleted = await h.admin('DELETE', `/v1/admin/intel/feeds/${feedId}`);
      expect(deleted.statusCode, deleted.body).toBe(200);
      const { scratch, events } = await agrees(only, 'feed delete');
      expect(scratch).toMatchObject({ riskLevel: 'secured', complianceState: 'compliant', labels: [] });
      expect(events.at(-1)).toMatchObject({
        cause: 'intel',
        trigger: 'intel-feed.delete',
        before: { riskLevel: 'high', complianceState: 'noncompliant' },
        after: { riskLevel: 'secured', complianceState: 'compliant', labels: [] },
        reasons: { threatsOpened: [], threatsResolved: [`app.stalkerware:${LISTED}`] },
      });
      const threats = await h.admin('GET', `/v1/admin/threats?deviceId=${only.deviceId}&state=resolved`);
      expect(threats.statusCode, threats.body).toBe(200);

      // Still listed by the second feed: unchanged, no event.
      expect((await agrees(both, 'feed delete (both)')).scratch.riskLevel).toBe('high');
      expect((await stateEventsOf(h.testDb.db.db, both.deviceId)).length).toBe(bothEvents);

      // The next report agrees (nothing left to resolve: no second event).
      const count = events.length;
      await h.report(only, cleanAndroidSnapshot(h.clock.now, [storeApp(LISTED)]));
      expect((await agrees(only, 'report after delete')).events.length).toBe(count);
    });
  });
}
