import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import { MIGRATIONS, migrateToLatest, migrationProvider } from './migrations.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`migrations (${dialect})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb(dialect);
    });
    afterAll(async () => {
      await t?.destroy();
    });

    async function deviceIndexes(): Promise<string[]> {
      const { rows } =
        dialect === 'sqlite'
          ? await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' and tbl_name = 'devices' and name not like 'sqlite_%'`.execute(
              t.db.db,
            )
          : await sql<{
              name: string;
            }>`select indexname as name from pg_indexes where tablename = 'devices' and indexname <> 'devices_pkey'`.execute(
              t.db.db,
            );
      return rows.map((row) => row.name).sort();
    }

    it('applies every migration, reverts each one and applies them again', async () => {
      expect(await deviceIndexes()).toEqual([
        'devices_fingerprint',
        'devices_reevaluate_at',
        'devices_tenant_cert_serial',
        'devices_tenant_risk_id',
        'devices_tenant_user',
      ]);
      const migrator = new Migrator({ db: t.db.db, provider: migrationProvider });
      const names = Object.keys(MIGRATIONS);
      for (let i = names.length - 1; i >= 1; i--) {
        const { error, results } = await migrator.migrateDown();
        expect(error).toBeUndefined();
        expect(results?.[0]).toMatchObject({ migrationName: names[i], status: 'Success' });
        if (names[i] === '0006_devices_risk_id')
          expect(await deviceIndexes()).toEqual([
            'devices_fingerprint',
            'devices_tenant',
            'devices_tenant_user',
          ]);
      }
      await migrateToLatest(t.db.db);
      expect(await deviceIndexes()).toEqual([
        'devices_fingerprint',
        'devices_reevaluate_at',
        'devices_tenant_cert_serial',
        'devices_tenant_risk_id',
        'devices_tenant_user',
      ]);
    });
  });
}
