import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceRow, insertRows, insertSnapshot } from '../../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';
import { openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrations.ts';
import { command } from './intel.ts';

function captureIo(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

// The CLI is a thin shell over the services tested on both dialects through the admin API; here it
// runs on SQLite against a data folder, as `riskgate intel import` does by default.
describe('riskgate intel import (sqlite)', () => {
  let dir: string;
  const tenantId = 'ten_cli';
  const holder = deviceRow(tenantId);
  const bystander = deviceRow(tenantId);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'riskgate-intel-cli-'));
    const db = openDatabase({ dialect: 'sqlite', path: join(dir, 'riskgate.db') });
    await migrateToLatest(db.db);
    await db.db
      .insertInto('tenants')
      .values({ id: tenantId, name: 'Acme', created_at: '2026-01-01T00:00:00Z' })
      .execute();
    await insertRows(db.db, [holder, bystander]);
    const at = new Date();
    await insertSnapshot(
      db.db,
      tenantId,
      holder.id,
      cleanAndroidSnapshot(at, [storeApp('com.example.cli.listed')]),
    );
    await insertSnapshot(db.db, tenantId, bystander.id, cleanAndroidSnapshot(at));
    await db.close();
    writeFileSync(
      join(dir, 'ioc.yaml'),
      '- name: CliSpy\n  type: stalkerware\n  packages:\n  - com.example.cli.listed\n',
    );
    writeFileSync(join(dir, 'broken.yaml'), '- name: [unclosed\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints per-file counts, stores the feed server-wide and re-assesses devices', async () => {
    const run = captureIo({ RISKGATE_DATA_DIR: dir });
    const code = await command.run(['import', join(dir, 'ioc.yaml')], run.io);
    expect(run.err()).toBe('');
    expect(code).toBe(0);
    expect(run.out()).toMatch(/loaded\s+\S+ioc\.yaml\s+stalkerware-yaml .*: 1 records, 0 entries skipped/);
    expect(run.out()).toContain('stored 1 feed(s) (1 indicators) server-wide');
    expect(run.out()).toMatch(
      /re-assessed ten_cli: 2 devices, 1 with new threats \(1 threats\), 1 changed state/,
    );
    const db = openDatabase({ dialect: 'sqlite', path: join(dir, 'riskgate.db') });
    try {
      const rows = await db.db
        .selectFrom('devices')
        .select(['id', 'risk_level', 'labels'])
        .orderBy('id')
        .execute();
      expect(Object.fromEntries(rows.map((r) => [r.id, r.risk_level]))).toEqual({
        [holder.id]: 'high',
        [bystander.id]: 'secured',
      });
      const feeds = await db.db.selectFrom('intel_feeds').select(['tenant_id', 'format']).execute();
      expect(feeds).toEqual([{ tenant_id: '*', format: 'stalkerware-yaml' }]);
      const audit = await db.db
        .selectFrom('audit_log')
        .select('action')
        .where('tenant_id', '=', tenantId)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['intel-feed.import', 'intel.reassess']);
    } finally {
      await db.close();
    }
  });

  it('names a broken file with its error and exits 1; usage errors exit 2', async () => {
    const run = captureIo({ RISKGATE_DATA_DIR: dir });
    expect(await command.run(['import', join(dir, 'broken.yaml')], run.io)).toBe(1);
    expect(run.out()).toMatch(/error\s+\S+broken\.yaml/);
    const usage = captureIo({ RISKGATE_DATA_DIR: dir });
    expect(await command.run(['import'], usage.io)).toBe(2);
    expect(await command.run(['import', 'x', '--tenant', 'ten_nope'], usage.io)).toBe(2);
    expect(usage.err()).toContain('no tenant ten_nope');
  });
});
