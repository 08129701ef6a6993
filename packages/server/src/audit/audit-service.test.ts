import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import { createTenant } from '../tenants/tenant-service.ts';
import { appendAudit, GENESIS_HASH, verifyAuditChain } from './audit-service.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`audit chain (${dialect})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb(dialect);
    });
    afterAll(async () => {
      await t?.destroy();
    });

    async function tenantWith(entries: number): Promise<string> {
      const { tenantId } = await createTenant({ db: t.db, now: () => new Date() }, { name: 'Audit Co' });
      for (let i = 0; i < entries; i++) {
        await t.db.db.transaction().execute((trx) =>
          appendAudit(trx, dialect, {
            tenantId,
            actor: 'test',
            action: 'thing.do',
            target: `t${i}`,
            details: { i, nested: { b: 1, a: [1, 2] } },
            at: new Date().toISOString(),
          }),
        );
      }
      return tenantId;
    }

    it('links every entry to the previous one and verifies', async () => {
      const tenantId = await tenantWith(5);
      const rows = await t.db.db
        .selectFrom('audit_log')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('seq')
        .execute();
      expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
      for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
      expect(await verifyAuditChain(t.db.db, tenantId)).toEqual({ ok: true, checked: 6 });
    });

    it.each([
      ['edited details', { details: '{"i":99}' }, 'hash does not match the entry'],
      ['edited actor', { actor: 'someone-else' }, 'hash does not match the entry'],
      ['rewritten hash', { hash: 'f'.repeat(64) }, 'hash does not match the entry'],
    ])('reports the first broken seq after %s', async (_name, change, reason) => {
      const tenantId = await tenantWith(4);
      await t.db.db
        .updateTable('audit_log')
        .set(change)
        .where('tenant_id', '=', tenantId)
        .where('seq', '=', 3)
        .execute();
      expect(await verifyAuditChain(t.db.db, tenantId)).toEqual({
        ok: false,
        checked: 2,
        firstBrokenSeq: 3,
        reason,
      });
    });

    it('reports a deleted entry', async () => {
      const tenantId = await tenantWith(4);
      await t.db.db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).where('seq', '=', 2).execute();
      expect(await verifyAuditChain(t.db.db, tenantId)).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    });

    it('serialises concurrent appends of one tenant', async () => {
      const tenantId = await tenantWith(0);
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.db.db.transaction().execute((trx) =>
            appendAudit(trx, dialect, {
              tenantId,
              actor: 'test',
              action: 'race',
              details: { i },
              at: new Date().toISOString(),
            }),
          ),
        ),
      );
      expect(await verifyAuditChain(t.db.db, tenantId)).toEqual({ ok: true, checked: 13 });
    });
  });
}
