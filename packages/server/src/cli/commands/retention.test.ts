import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { captureIo as io } from '../../../test-support/cli.ts';
import { command as retention } from './retention.ts';
import { command as tenant } from './tenant.ts';

describe('riskgate retention run (SQLite data folder)', () => {
  it('counts with --dry-run, deletes without, and says what per tenant and kind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-cli-retention-'));
    const env = { RISKGATE_DATA_DIR: dataDir, RISKGATE_RETENTION_REPORT_DAYS: '30' };
    const created = io(env);
    expect(await tenant.run(['create', '--name', 'Acme'], created)).toBe(0);
    const tenantId = /tenant id:\s+(ten_\w+)/.exec(created.out())?.[1] ?? '';
    const sqlite = new SqliteDatabase(join(dataDir, 'riskgate.db'));
    const insert = sqlite.prepare(
      "insert into reports (tenant_id, device_id, report_id, received_at, outcome) values (?, 'dev_1', ?, ?, '{}')",
    );
    const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    for (let i = 0; i < 3; i++) insert.run(tenantId, `old${i}`, at(31));
    insert.run(tenantId, 'new', at(29));
    const count = () => (sqlite.prepare('select count(*) as n from reports').get() as { n: number }).n;

    const dry = io(env);
    expect(await retention.run(['run', '--dry-run'], dry)).toBe(0);
    expect(dry.out()).toContain(`${tenantId}\treports\tdue 3`);
    expect(count()).toBe(4);

    const real = io(env);
    expect(await retention.run(['run'], real)).toBe(0);
    expect(real.out()).toContain(`${tenantId}\treports\tdeleted 3`);
    expect(real.out()).toMatch(/total deleted: .*reports=3/);
    expect(count()).toBe(1);
    sqlite.close();

    expect(await retention.run(['frobnicate'], io(env))).toBe(2);
  });
});
