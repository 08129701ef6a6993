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

describe('riskgate intel check (no database)', () => {
  const fixtures = new URL('../../../../engine/test-support/fixtures/intel-reports/', import.meta.url)
    .pathname;

  it('prints per file the format, family, indicators by kind and every skipped file with its reason', async () => {
    const run = captureIo({});
    const code = await command.run(['check', fixtures], run.io);
    expect(run.err()).toBe('');
    expect(code).toBe(0);
    const out = run.out();
    expect(out).toMatch(
      /loaded {3}\S+aridspy\/samples\.sha1\n\s+format: hash-list .*\n\s+family: AridSpy \(from README\.adoc\)/,
    );
    expect(out).toMatch(/indicators: domain 18, file-sha1 15/);
    expect(out).toMatch(
      /skipped {2}\S+2020-09-25_finfisher\/README\.md\n\s+reason: write-up without indicators/,
    );
    expect(out).toMatch(/ip-list/);
    expect(out).toMatch(/\d+ loaded, \d+ skipped, 0 error\(s\); indicators: /);
  });

  it('--json gives the same report as JSON', async () => {
    const run = captureIo({});
    expect(await command.run(['check', '--json', `${fixtures}writeup-shapes/FakeCallSpy.md`], run.io)).toBe(
      0,
    );
    const report = JSON.parse(run.out());
    expect(report.files[0]).toMatchObject({
      status: 'loaded',
      format: 'ioc-text',
      family: 'FakeCallSpy',
      byKind: { 'app-id': 2, 'file-md5': 2 },
    });
    expect(report.files[0].skippedSample).toEqual(
      expect.arrayContaining(['line 24: evil.test: documentation or special-use name (.test)']),
    );
    expect(report.totals).toMatchObject({ loaded: 1, skipped: 0, errors: 0 });
  });

  it('exits 1 and names the file when one does not parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskgate-intel-check-'));
    try {
      writeFileSync(join(dir, 'notes.bin'), 'hello\n');
      const run = captureIo({});
      expect(await command.run(['check', join(dir, 'notes.bin')], run.io)).toBe(1);
      expect(run.out()).toMatch(/error +\S+notes\.bin\n\s+reason: .*unknown intel format/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
