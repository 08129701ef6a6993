import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { captureIo as io } from '../../../test-support/cli.ts';
import { command as audit } from './audit.ts';
import { command as tenant } from './tenant.ts';

describe('riskgate tenant / audit (SQLite data folder)', () => {
  it('creates a tenant with an owner token, verifies the audit chain, and finds tampering', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-cli-'));
    const env = { RISKGATE_DATA_DIR: dataDir };
    const created = io(env);
    expect(await tenant.run(['create', '--name', 'Acme'], created)).toBe(0);
    const tenantId = /tenant id:\s+(ten_\w+)/.exec(created.out())?.[1];
    expect(tenantId).toMatch(/^ten_/);
    expect(created.out()).toMatch(/owner token: rgat_[A-Za-z0-9_-]{43}/);

    const listed = io(env);
    expect(await tenant.run(['list'], listed)).toBe(0);
    expect(listed.out()).toContain(`${tenantId}\tAcme`);

    const ok = io(env);
    expect(await audit.run(['verify', '--tenant', tenantId ?? ''], ok)).toBe(0);
    expect(ok.out()).toContain(`${tenantId}: ok (1 entries)`);

    const sqlite = new SqliteDatabase(join(dataDir, 'riskgate.db'));
    sqlite.prepare("update audit_log set action = 'tenant.delete' where seq = 1").run();
    sqlite.close();
    const broken = io(env);
    expect(await audit.run(['verify'], broken)).toBe(1);
    expect(broken.out()).toContain('BROKEN at seq 1');
  });

  it.each([
    [tenant, ['create']],
    [tenant, ['frobnicate']],
    [audit, ['check']],
  ])('refuses bad usage with exit code 2', async (cmd, args) => {
    const out = io({ RISKGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'rg-cli-')) });
    expect(await cmd.run(args, out)).toBe(2);
    expect(out.err()).not.toBe('');
  });
});
