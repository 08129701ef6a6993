import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import { countOutbox } from '../queries/outbox.ts';
import { pruneDeliveredOutbox } from './outbox-retention.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`outbox retention (${dialect})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb(dialect);
      await t.db.db
        .insertInto('tenants')
        .values({ id: 'ten_1', name: 'Acme', created_at: daysAgo(100) })
        .execute();
    });
    afterAll(async () => {
      await t?.destroy();
    });

    it('deletes only rows delivered before the retention window, never undelivered ones', async () => {
      const row = (id: string, created: number, delivered: number | null) => ({
        tenant_id: 'ten_1',
        id,
        topic: 'device.state-changed',
        payload: '{}',
        next_attempt_at: daysAgo(created),
        created_at: daysAgo(created),
        delivered_at: delivered === null ? null : daysAgo(delivered),
      });
      const old = Array.from({ length: 1203 }, (_, i) => row(`out_old${i}`, 40, 31));
      await t.db.db.insertInto('outbox').values(old.slice(0, 600)).execute();
      await t.db.db.insertInto('outbox').values(old.slice(600)).execute();
      await t.db.db
        .insertInto('outbox')
        .values([row('out_recent', 40, 29), row('out_pending', 90, null), row('out_edge', 31, 30)])
        .execute();
      expect(await pruneDeliveredOutbox(t.db.db, 30, NOW)).toBe(1203);
      const left = await t.db.db.selectFrom('outbox').select('id').orderBy('id').execute();
      expect(left.map((r) => r.id)).toEqual(['out_edge', 'out_pending', 'out_recent']);
      expect(await pruneDeliveredOutbox(t.db.db, 30, NOW)).toBe(0);
      expect(await countOutbox(t.db.db)).toBe(3);
    });
  });
}
