import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendTestAudits, rewriteAuditEntry } from '../../../test-support/audit.ts';
import { captureIo as io } from '../../../test-support/cli.ts';
import { parseCheckpointLine } from '../../audit/checkpoint.ts';
import { openDatabase } from '../../db/database.ts';
import { command as audit } from './audit.ts';
import { command as tenant } from './tenant.ts';

async function run(args: string[], env: Record<string, string>) {
  const captured = io(env);
  const code = await audit.run(args, captured);
  return { code, out: captured.out(), err: captured.err() };
}

describe('riskgate audit checkpoint / verify / key (SQLite data folder)', () => {
  it('anchors the chain and reports truncation, deletion, rewriting and forged checkpoints', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-audit-cli-'));
    const env = { RISKGATE_DATA_DIR: dataDir, RISKGATE_SECRET_KEY: randomBytes(32).toString('hex') };
    const ids: Record<string, string> = {};
    for (const name of ['Acme', 'Globex', 'Initech', 'Umbrella']) {
      const created = io(env);
      expect(await tenant.run(['create', '--name', name], created)).toBe(0);
      ids[name] = /tenant id:\s+(ten_\w+)/.exec(created.out())?.[1] ?? '';
    }
    const db = openDatabase({ dialect: 'sqlite', path: join(dataDir, 'riskgate.db') });
    try {
      for (const id of Object.values(ids)) await appendTestAudits(db, id, 5);

      const signed = await run(['checkpoint'], env);
      expect(signed).toMatchObject({ code: 0 });
      expect(signed.out).toContain('4 checkpoint(s) appended');
      expect((await run(['checkpoint'], env)).out).toContain('0 checkpoint(s) appended');
      const clean = await run(['verify'], env);
      expect(clean.code).toBe(0);
      expect(clean.out).toContain(`${ids.Acme}: ok (6 entries) anchored up to seq 6 by 1 checkpoint(s)`);
      expect(clean.out).toContain('checkpoint file: ok (every line links to the one before it)');

      // Entries after the last checkpoint are reported as an unanchored tail: fine while recent.
      await appendTestAudits(db, ids.Acme ?? '', 2);
      const tail = await run(['verify', '--tenant', ids.Acme ?? ''], env);
      expect(tail.code).toBe(0);
      expect(tail.out).toContain(
        `${ids.Acme}: ok (8 entries) anchored up to seq 6 by 1 checkpoint(s); unanchored tail: 2 entries (seq 7-8, written `,
      );
      const strict = await run(['verify', '--tenant', ids.Acme ?? '', '--max-unanchored-age', '0'], env);
      expect(strict.code).toBe(1);
      expect(strict.out).toContain(`${ids.Acme}: UNANCHORED TAIL at seq 7: 2 entries (seq 7-8, written `);
      expect((await run(['checkpoint'], env)).out).toContain('1 checkpoint(s) appended');

      // An outside verifier: the public key alone, no secret key.
      const key = await run(['key'], env);
      expect(key.out).toMatch(/key id: [\w-]{43} \(Ed25519\)\n-----BEGIN PUBLIC KEY-----/);
      const pemFile = join(dataDir, 'checkpoint-key.pem');
      writeFileSync(pemFile, key.out.slice(key.out.indexOf('-----BEGIN')));
      const outside = { RISKGATE_DATA_DIR: dataDir };
      expect((await run(['verify', '--public-key', pemFile], outside)).code).toBe(0);

      // Tamper as someone with the database but not the secret key.
      const acme = ids.Acme ?? '';
      const globex = ids.Globex ?? '';
      const initech = ids.Initech ?? '';
      await db.db.deleteFrom('audit_log').where('tenant_id', '=', acme).where('seq', '>', 4).execute();
      await db.db.deleteFrom('audit_log').where('tenant_id', '=', globex).execute();
      await db.db.deleteFrom('api_tokens').where('tenant_id', '=', globex).execute();
      await db.db.deleteFrom('tenants').where('id', '=', globex).execute();
      await rewriteAuditEntry(db.db, initech, 3, { action: 'nothing.happened' });
      const file = join(dataDir, 'audit-checkpoints.jsonl');
      const umbrellaLine = readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => parseCheckpointLine(line))
        .find((checkpoint) => checkpoint?.tenantId === ids.Umbrella);
      appendFileSync(file, `${JSON.stringify({ ...umbrellaLine, seq: 7 })}\n`);

      const found = await run(['verify'], env);
      expect(found.code).toBe(1);
      expect(found.out).toContain(`${acme}: TRUNCATED at seq 5:`);
      expect(found.out).toContain(`${globex}: DELETED at seq 1:`);
      expect(found.out).toContain(`${initech}: REWRITTEN at seq 6:`);
      expect(found.out).toContain(`${ids.Umbrella}: FORGED CHECKPOINT:`);
      // The forged line was appended without the link to the line before it.
      const lineCount = readFileSync(file, 'utf8').trim().split('\n').length;
      expect(found.out).toContain(
        `checkpoint file: CHAIN BROKEN at line ${lineCount}: line ${lineCount} does not link to line ${lineCount - 1}`,
      );

      const one = await run(['verify', '--tenant', initech, '--json', '--public-key', pemFile], outside);
      expect(one.code).toBe(1);
      expect(JSON.parse(one.out)).toMatchObject({
        checkpointFile: file,
        tenants: [{ tenantId: initech, ok: false, problem: 'rewritten', firstBrokenSeq: 6, checked: 5 }],
      });

      // Without the checkpoints none of the tampering shows (the anchor is what finds it), but
      // every entry is reported as unanchored, and fails once older than the allowed age.
      const unanchored = await run(['verify', '--checkpoints', join(dataDir, 'none.jsonl')], env);
      expect(unanchored.code).toBe(0);
      expect(unanchored.out).not.toContain(globex);
      expect(unanchored.out).toContain(
        `${acme}: ok (4 entries) no checkpoint yet; unanchored tail: 4 entries (seq 1-4`,
      );
      const old = await run(
        ['verify', '--checkpoints', join(dataDir, 'none.jsonl'), '--max-unanchored-age', '0'],
        env,
      );
      expect(old.code).toBe(1);
      expect(old.out).toContain(`${acme}: UNANCHORED TAIL at seq 1: 4 entries (seq 1-4`);
      expect(old.out).toContain('no checkpoint covers them');
    } finally {
      await db.close();
    }
  });

  it('rotate-key, export-keys and verify --keys: old checkpoints verify across the rotation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-audit-cli-'));
    const env = { RISKGATE_DATA_DIR: dataDir, RISKGATE_SECRET_KEY: randomBytes(32).toString('hex') };
    const created = io(env);
    expect(await tenant.run(['create', '--name', 'Rotor'], created)).toBe(0);
    const tenantId = /tenant id:\s+(ten_\w+)/.exec(created.out())?.[1] ?? '';
    const db = openDatabase({ dialect: 'sqlite', path: join(dataDir, 'riskgate.db') });
    try {
      await appendTestAudits(db, tenantId, 2);
      expect((await run(['checkpoint'], env)).code).toBe(0);
      const rotated = await run(['rotate-key'], env);
      expect(rotated.code).toBe(0);
      const [, retired] = /retired key: (\S+)/.exec(rotated.out) ?? [];
      const [, current] = /new key:\s+(\S+)/.exec(rotated.out) ?? [];
      expect(retired).toBeDefined();
      expect(current).not.toBe(retired);
      await appendTestAudits(db, tenantId, 2);
      expect((await run(['checkpoint'], env)).code).toBe(0);

      const jwksFile = join(dataDir, 'checkpoint-keys.jwks.json');
      const exported = await run(['export-keys', '--out', jwksFile], env);
      expect(exported).toMatchObject({ code: 0 });
      expect(exported.out).toContain(`2 key(s) written to ${jwksFile}`);
      const kids = (JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: { kid: string }[] }).keys.map(
        (key) => key.kid,
      );
      expect([...kids].sort()).toEqual([retired, current].sort());

      // An outside verifier with the exported key set only: no secret key.
      const outside = await run(['verify', '--keys', jwksFile, '--max-unanchored-age', '0'], {
        RISKGATE_DATA_DIR: dataDir,
      });
      expect(outside.code).toBe(0);
      expect(outside.out).toContain(`${tenantId}: ok (5 entries) anchored up to seq 5 by 2 checkpoint(s)`);
      expect(outside.out).toMatch(new RegExp(`keys: (${retired}, ${current}|${current}, ${retired})\\n`));
      // With only the new key, the checkpoint of the old one is unknown.
      const onlyNew = join(dataDir, 'only-new.jwks.json');
      const set = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: { kid: string }[] };
      writeFileSync(onlyNew, JSON.stringify({ keys: set.keys.filter((key) => key.kid === current) }));
      const partial = await run(['verify', '--keys', onlyNew], { RISKGATE_DATA_DIR: dataDir });
      expect(partial.code).toBe(1);
      expect(partial.out).toContain(
        `FORGED CHECKPOINT: 1 checkpoint(s) do not verify; first on line 1: signed by an unknown key ${retired}`,
      );
    } finally {
      await db.close();
    }
  });

  it.each([
    [['verify', '--tenant', 'ten_nobody']],
    [['verify', '--bogus']],
    [['verify', '--max-unanchored-age', 'soon']],
    [['checkpoint', 'extra']],
    [['rotate']],
    [['rotate-key', 'now']],
    [['export-keys', '--bogus']],
  ])('refuses %j with exit code 2 or an error', async (args) => {
    const env = { RISKGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'rg-audit-cli-')) };
    const result = await run(args, env).catch((error: unknown) => ({ code: 2, out: '', err: String(error) }));
    expect(result.code).toBe(2);
    expect(result.err).not.toBe('');
  });
});
