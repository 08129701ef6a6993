import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import { authenticateAdmin } from '../auth/auth-service.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import { DEMO_TENANT_ID, ensureDemoTenant } from './demo-service.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`demo tenant (${dialect})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb(dialect);
    });
    afterAll(async () => {
      await t?.destroy();
    });

    it('is created once, prints the same usable tokens on later starts, and replaces revoked ones', async () => {
      const ctx = { db: t.db, box: createSecretBox(randomBytes(32)), now: () => new Date() };
      const first = await ensureDemoTenant(ctx);
      expect(first).toMatchObject({
        tenantId: DEMO_TENANT_ID,
        created: true,
        notes: ['created the demo tenant'],
      });
      expect(await authenticateAdmin(ctx, `Bearer ${first.ownerToken}`)).toMatchObject({
        tenantId: DEMO_TENANT_ID,
        role: 'owner',
      });
      expect(first.enrollmentToken).toMatch(/^rget_/);

      const second = await ensureDemoTenant(ctx);
      expect(second).toEqual({ ...first, created: false, notes: [] });

      await t.db.db
        .updateTable('api_tokens')
        .set({ revoked_at: new Date().toISOString() })
        .where('tenant_id', '=', DEMO_TENANT_ID)
        .execute();
      await t.db.db
        .updateTable('enrollment_tokens')
        .set({ revoked_at: new Date().toISOString() })
        .where('tenant_id', '=', DEMO_TENANT_ID)
        .execute();
      const third = await ensureDemoTenant(ctx);
      expect(third.ownerToken).not.toBe(first.ownerToken);
      expect(third.enrollmentToken).not.toBe(first.enrollmentToken);
      expect(third.notes).toHaveLength(2);
      expect(await authenticateAdmin(ctx, `Bearer ${third.ownerToken}`)).toMatchObject({ role: 'owner' });
      const tenants = await t.db.db.selectFrom('tenants').select('id').execute();
      expect(tenants.map((row) => row.id)).toEqual([DEMO_TENANT_ID]);
    });
  });
}
