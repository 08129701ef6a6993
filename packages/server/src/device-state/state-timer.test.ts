import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, type EnrolledDevice, postgresUrlOf } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  accessStatusOf,
  compliancePolicy,
  createCompliantAccessHarness,
  expectDeviceMatchesScratch,
  recomputeFromScratch,
  stateEventsOf,
} from '../../test-support/device-state.ts';
import { cleanAndroidSnapshot } from '../../test-support/snapshots.ts';
import { type Db, openDatabase } from '../db/database.ts';
import { createRuntime } from '../runtime.ts';

const HOUR = 3_600_000;

/**
 * Polls until `probe` holds (another node's change reaches this node's decision cache through the
 * cluster sync: LISTEN/NOTIFY or the SQLite poll); this node's own changes hold at the first try.
 */
async function eventually(probe: () => Promise<boolean>, step: string, timeoutMs = 2000): Promise<void> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`decision after ${step}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const DAY = 24 * HOUR;

/** A policy whose device is noncompliant once it has not reported for `afterDays`. */
const unresponsivePolicy = (afterDays: number) => ({
  ...compliancePolicy('high'),
  name: `silent for ${afterDays} days`,
  unresponsive: { afterDays, treatAs: 'noncompliant' },
});

/**
 * The state timer (issue 12, cause `timer`): devices whose state changes with time alone are
 * re-rated through device-state/ when their time comes, and then equal a from-scratch rating.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`state timer (${dialect})`, () => {
    let h: AccessHarness;
    const nodes: { db: Db; close: () => Promise<void> }[] = [];
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect, { withPostgresNotify: true });
    });
    afterAll(async () => {
      for (const node of nodes) await node.close();
      await h?.close();
    });

    const db = () => h.testDb.db.db;

    /** Row, last event and decision equal the from-scratch state; returns the device's events. */
    async function agrees(device: EnrolledDevice, step: string) {
      const scratch = await expectDeviceMatchesScratch(
        db(),
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
        step,
      );
      // Require-compliant admits a device in its grace period.
      const allowed =
        scratch.complianceState === 'compliant' || scratch.complianceState === 'in-grace-period';
      await eventually(async () => (await accessStatusOf(h, device)) === (allowed ? 200 : 403), step);
      return { scratch, events: await stateEventsOf(db(), device.deviceId) };
    }

    async function addPolicy(doc: object): Promise<string> {
      const created = await h.admin('POST', '/v1/admin/compliance-policies', doc);
      expect(created.statusCode, created.body).toBe(201);
      return created.json().policy.id;
    }

    async function removePolicy(id: string): Promise<void> {
      expect((await h.admin('DELETE', `/v1/admin/compliance-policies/${id}`)).statusCode).toBe(200);
    }

    const runTimer = () => h.runtime.stateTimer.runOnce();

    it('unresponsive: past the threshold the timer makes the device noncompliant (one event), a second round emits nothing, checking in or reporting makes it responsive', async () => {
      const policyId = await addPolicy(unresponsivePolicy(1));
      const device = await h.enroll();
      await h.report(device, false);
      expect((await agrees(device, 'report')).scratch.complianceState).toBe('compliant');
      expect((await runTimer()).changed).toBe(0);

      h.clock.now = new Date(h.clock.now.getTime() + DAY + 60_000);
      const stale = await recomputeFromScratch(
        db(),
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
      );
      expect(stale.complianceState, 'time alone changes the state').toBe('noncompliant');
      const round = await runTimer();
      expect(round).toMatchObject({ changed: 1 });
      const { scratch, events } = await agrees(device, 'timer');
      expect(scratch.failingRules).toEqual([{ policyId, rule: 'unresponsive' }]);
      expect(events.at(-1)).toMatchObject({
        cause: 'timer',
        trigger: 'timer.reevaluate',
        before: { riskLevel: 'secured', complianceState: 'compliant' },
        after: { riskLevel: 'secured', complianceState: 'noncompliant' },
        reasons: {
          failingRules: [{ policyId, rule: 'unresponsive' }],
          threatsOpened: [],
          threatsResolved: [],
        },
      });

      // Idempotent: nothing is due any more, nothing is emitted.
      expect(await runTimer()).toMatchObject({ examined: 0, changed: 0 });
      expect((await stateEventsOf(db(), device.deviceId)).length).toBe(events.length);

      // Checking in (status) makes it responsive at once, through device-state/.
      const status = await h.app.inject(
        device.key.request('GET', '/v1/device/status', undefined, h.clock.now),
      );
      expect(status.statusCode, status.body).toBe(200);
      expect(status.json().compliance.state).toBe('compliant');
      const back = await agrees(device, 'status check-in');
      expect(back.events.at(-1)).toMatchObject({
        cause: 'report',
        trigger: 'device.status',
        after: { complianceState: 'compliant' },
      });

      // Silent again, then a report: the normal report path makes it responsive.
      h.clock.now = new Date(h.clock.now.getTime() + DAY + 60_000);
      expect((await runTimer()).changed).toBe(1);
      expect((await agrees(device, 'silent again')).scratch.complianceState).toBe('noncompliant');
      await h.report(device, false);
      const reported = await agrees(device, 'report again');
      expect(reported.events.at(-1)).toMatchObject({
        cause: 'report',
        after: { complianceState: 'compliant' },
      });
      expect(await runTimer()).toMatchObject({ changed: 0 });
      await removePolicy(policyId);
    });

    it('grace period: when it ends the timer makes the in-grace device noncompliant', async () => {
      const policyId = await addPolicy({ ...compliancePolicy('low'), name: 'grace', gracePeriodHours: 2 });
      const device = await h.enroll();
      await h.report(device, true);
      expect((await agrees(device, 'malicious report')).scratch.complianceState).toBe('in-grace-period');
      h.clock.now = new Date(h.clock.now.getTime() + HOUR);
      expect((await runTimer()).changed).toBe(0);
      await agrees(device, 'an hour in');
      h.clock.now = new Date(h.clock.now.getTime() + HOUR);
      expect((await runTimer()).changed).toBeGreaterThanOrEqual(1);
      const { events } = await agrees(device, 'grace over');
      expect(events.at(-1)).toMatchObject({
        cause: 'timer',
        before: { complianceState: 'in-grace-period' },
        after: { riskLevel: 'high', complianceState: 'noncompliant' },
        reasons: { failingRules: [{ policyId, rule: 'maxThreatLevel' }] },
      });
      expect(await runTimer()).toMatchObject({ changed: 0 });
      await removePolicy(policyId);
      await agrees(device, 'policy removed');
    });

    it('patch age: when the patch level gets older than the limit the timer makes the device noncompliant', async () => {
      const policyId = await addPolicy({
        ...compliancePolicy('high'),
        name: 'patched',
        rules: { maxPatchAgeDays: 55 },
        unresponsive: { afterDays: 365, treatAs: 'compliant' },
      });
      const device = await h.enroll();
      const snapshot = cleanAndroidSnapshot(h.clock.now);
      const patched = { ...snapshot.device, securityPatch: h.clock.now.toISOString().slice(0, 10) };
      await h.report(device, { ...snapshot, device: patched });
      expect((await agrees(device, 'fresh patch')).scratch.complianceState).toBe('compliant');
      h.clock.now = new Date(h.clock.now.getTime() + 50 * DAY);
      await runTimer();
      expect((await agrees(device, '50 days on')).scratch.complianceState).toBe('compliant');
      // 59 days: past the policy's 55, still under the patch-age detector's 60-day threshold (that
      // detection is a threat, which time alone does not open: see docs/events.md, known gaps).
      h.clock.now = new Date(h.clock.now.getTime() + 9 * DAY);
      await runTimer();
      const { scratch, events } = await agrees(device, '59 days on');
      expect(scratch.failingRules).toContainEqual({ policyId, rule: 'maxPatchAgeDays' });
      expect(events.at(-1)).toMatchObject({ cause: 'timer', after: { complianceState: 'noncompliant' } });
      await removePolicy(policyId);
      await agrees(device, 'policy removed');
    });

    it('finds due devices through reevaluate_at, not by scanning (devices without a time-based rule are never due)', async () => {
      // No enabled policy reads time now: a re-rating stores no reevaluate time.
      const device = await h.enroll();
      await h.report(device, false);
      const row = await db()
        .selectFrom('devices')
        .select('reevaluate_at')
        .where('id', '=', device.deviceId)
        .executeTakeFirstOrThrow();
      expect(row.reevaluate_at).toBeNull();
      // (A test table is small enough for a full scan; the question is whether the index serves.)
      const plan = await db()
        .transaction()
        .execute(async (trx) => {
          if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
          return sql<Record<string, unknown>>`${sql.raw(
            dialect === 'sqlite' ? 'explain query plan' : 'explain',
          )} select id from devices where reevaluate_at <= ${'2030-01-01'} and retired_at is null order by reevaluate_at limit 500`.execute(
            trx,
          );
        });
      expect(JSON.stringify(plan.rows)).toMatch(/devices_reevaluate_at/);
    });

    it('two nodes running the timer at once emit one event per change, sequences stay unique', async () => {
      const policyId = await addPolicy(unresponsivePolicy(2));
      const devices: EnrolledDevice[] = [];
      for (let i = 0; i < 7; i++) {
        const device = await h.enroll();
        await h.report(device, false);
        devices.push(device);
      }
      const before = new Map<string, number>();
      for (const device of devices)
        before.set(device.deviceId, (await stateEventsOf(db(), device.deviceId)).length);
      const node = async () => {
        const other =
          dialect === 'sqlite'
            ? openDatabase({
                dialect: 'sqlite',
                path: (await sql<{ file: string }>`pragma database_list`.execute(db())).rows[0]?.file ?? '',
              })
            : openDatabase({ dialect: 'postgres', url: await postgresUrlOf(h.testDb), poolSize: 3 });
        const runtime = await createRuntime({
          db: other,
          secretKey: h.secretKey,
          config: { bodyLimit: 1024 * 1024, trustedProxies: [] },
          now: () => h.clock.now,
          // PostgreSQL: LISTEN/NOTIFY carries the change to the other nodes' decision caches.
          access:
            dialect === 'postgres'
              ? { ...h.sharedProxy, postgresUrl: await postgresUrlOf(h.testDb) }
              : h.sharedProxy,
          clusterPollMs: 0,
          stateTimer: { intervalMs: 0, batchSize: 2 },
        });
        nodes.push({ db: other, close: () => runtime.app.close().then(() => other.close()) });
        return runtime;
      };
      const [a, b] = [await node(), await node()];
      h.clock.now = new Date(h.clock.now.getTime() + 2 * DAY + 60_000);
      // PostgreSQL: truly at once (SKIP LOCKED splits the devices). SQLite has one writer and
      // better-sqlite3 blocks the thread while it waits for the lock, so in one process the
      // second node runs right after the first (another process would wait for the lock).
      const rounds =
        dialect === 'postgres'
          ? await Promise.all([a.stateTimer.runOnce(), b.stateTimer.runOnce()])
          : [await a.stateTimer.runOnce(), await b.stateTimer.runOnce()];
      expect(rounds.reduce((sum, round) => sum + round.changed, 0)).toBeGreaterThanOrEqual(devices.length);
      for (const device of devices) {
        const events = await stateEventsOf(db(), device.deviceId);
        expect(events.length, 'one timer event per device').toBe((before.get(device.deviceId) ?? 0) + 1);
        expect(events.at(-1)).toMatchObject({ cause: 'timer', after: { complianceState: 'noncompliant' } });
        await agrees(device, 'two nodes');
      }
      expect((await a.stateTimer.runOnce()).changed + (await b.stateTimer.runOnce()).changed).toBe(0);
      await removePolicy(policyId);
    });

    it('start() runs rounds on its interval and stop() ends them', async () => {
      const policyId = await addPolicy(unresponsivePolicy(1));
      const device = await h.enroll();
      await h.report(device, false);
      const timer = (await import('./state-timer.ts')).createStateTimer(h.runtime.ctx, {
        intervalMs: 20,
        batchSize: 10,
      });
      timer.start();
      h.clock.now = new Date(h.clock.now.getTime() + DAY + 60_000);
      const started = Date.now();
      while ((await stateEventsOf(db(), device.deviceId)).at(-1)?.cause !== 'timer') {
        if (Date.now() - started > 5000) throw new Error('the started timer did not run');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await timer.stop();
      await agrees(device, 'scheduled round');
      await removePolicy(policyId);
    });
  });
}
