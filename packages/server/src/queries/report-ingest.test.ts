import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import { deviceRow, insertRows } from '../../test-support/seed-fleet.ts';
import { lockDeviceAndInsertReport, type ReportStateWrite, storeReportState } from './report-ingest.ts';

const digestOf = (text: string) => createHash('sha256').update(text).digest('base64url');

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`report ingest queries (${dialect})`, () => {
    let testDb: TestDb;
    beforeAll(async () => {
      testDb = await createTestDb(dialect);
      await testDb.db.db
        .insertInto('tenants')
        .values({ id: 'ten_1', name: 'T', created_at: '2026-01-01T00:00:00.000Z' })
        .execute();
    });
    afterAll(async () => {
      await testDb?.destroy();
    });

    function write(deviceId: string, reportId: string, text: string): ReportStateWrite {
      return {
        tenantId: 'ten_1',
        deviceId,
        reportId,
        at: '2026-11-02T00:00:00.000Z',
        touchedThreatIds: [],
        snapshot: { text, digest: digestOf(text) },
        device: {
          risk_level: 'secured',
          compliance_state: 'unknown',
          labels: '[]',
          os_version: '16',
          model: 'Pixel 9',
          manufacturer: 'Google',
          agent_version: '1.0.0',
          noncompliant_since: null,
          state_sequence: 0,
          reevaluate_at: null,
        },
        outcome: '{}',
      };
    }

    it('a report waiting for the device lock sees the digest the report before it stored', async () => {
      const { db } = testDb.db;
      const device = deviceRow('ten_1');
      await insertRows(db, [device]);
      const row = (reportId: string) => ({
        tenant_id: 'ten_1',
        device_id: device.id,
        report_id: reportId,
        received_at: '2026-11-02T00:00:00.000Z',
      });
      // The stored snapshot is A.
      await db.transaction().execute(async (trx) => {
        await lockDeviceAndInsertReport(trx, dialect, row('r0'));
        await storeReportState(trx, dialect, write(device.id, 'r0', '{"a":1}'));
      });

      // Report 1 holds the device and stores B; report 2 waits for the device meanwhile.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked: () => void = () => {};
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const first = db.transaction().execute(async (trx) => {
        await lockDeviceAndInsertReport(trx, dialect, row('r1'));
        await storeReportState(trx, dialect, write(device.id, 'r1', '{"b":2}'));
        locked();
        await held;
      });
      await lockTaken;
      const second = db.transaction().execute((trx) => lockDeviceAndInsertReport(trx, dialect, row('r2')));
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await first;
      const { fresh, snapshotDigest } = await second;
      expect(fresh).toBe(true);
      // The stored snapshot is B when report 2 gets the device: comparing with A's digest would
      // skip writing a report whose snapshot is A again, leaving B stored.
      expect(snapshotDigest).toBe(digestOf('{"b":2}'));
    });
  });
}
