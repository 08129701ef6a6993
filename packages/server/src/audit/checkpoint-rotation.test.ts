import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendTestAudits } from '../../test-support/audit.ts';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import type { ServiceContext } from '../context.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import { createTenant } from '../tenants/tenant-service.ts';
import { verifyAuditLog } from './audit-verify-report.ts';
import { lineHash, parseCheckpointLine, readCheckpointFile, signCheckpoint } from './checkpoint.ts';
import {
  type CheckpointVerifier,
  checkpointJwksOf,
  checkpointKeySetFromJwks,
  checkpointPublicKeyOf,
  findCheckpointKeySet,
  findCheckpointVerifier,
  getOrCreateCheckpointKey,
  rotateCheckpointKey,
} from './checkpoint-key.ts';
import { createAuditCheckpointer } from './checkpoint-writer.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`checkpoint key rotation (${dialect})`, () => {
    let t: TestDb;
    let ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'logger'>;
    let file: string;
    let tenantId: string;
    const logs: string[] = [];
    beforeAll(async () => {
      t = await createTestDb(dialect);
      ctx = {
        db: t.db,
        box: createSecretBox(randomBytes(32)),
        now: () => new Date(),
        logger: pino({ level: 'error' }, { write: (line: string) => logs.push(line) }),
      };
      file = join(mkdtempSync(join(tmpdir(), 'rg-ckp-rot-')), 'audit-checkpoints.jsonl');
      ({ tenantId } = await createTenant(ctx, { name: 'Rotating' }));
    });
    afterAll(async () => {
      await t?.destroy();
    });

    const verifyWith = async (verifier: CheckpointVerifier) => {
      const report = await verifyAuditLog(t.db.db, { file, verifier, tenantId });
      if (report === undefined) throw new Error('no report');
      return report;
    };
    const keyIdsInFile = async () =>
      (await readCheckpointFile(file)).lines.map((line) => line.checkpoint.keyId);

    it('rotates: a running writer signs with the new key, and verify passes across both keys', async () => {
      const writer = createAuditCheckpointer(ctx, { file, intervalMs: 0 });
      await appendTestAudits(t.db, tenantId, 2);
      await writer.checkpointNow();
      const { retired, current } = await rotateCheckpointKey(ctx);
      expect(retired).not.toBe(current);
      expect((await getOrCreateCheckpointKey(ctx)).keyId).toBe(current);
      await appendTestAudits(t.db, tenantId, 2);
      logs.length = 0;
      await writer.checkpointNow();
      expect(await keyIdsInFile()).toEqual([retired, current]);
      // A writer (re)started after the rotation reads the old lines without an alarm.
      await appendTestAudits(t.db, tenantId, 1);
      await createAuditCheckpointer(ctx, { file, intervalMs: 0 }).checkpointNow();
      expect(logs.join('')).toBe('');
      expect(await verifyWith(await findCheckpointVerifier(ctx))).toMatchObject({
        ok: true,
        tenants: [{ tenantId, ok: true, anchoredSeq: 6, checkpoints: 3 }],
      });
      expect([...(await findCheckpointKeySet(ctx)).keys.keys()].sort()).toEqual([retired, current].sort());
    });

    it('exports the key set as JWKS; verify with it alone, without the database key rows', async () => {
      const { keys } = await findCheckpointKeySet(ctx);
      const jwks = JSON.stringify(checkpointJwksOf(keys));
      const parsed = JSON.parse(jwks) as { keys: { kty: string; crv: string; kid: string }[] };
      expect(parsed.keys).toHaveLength(2);
      expect(parsed.keys.every((key) => key.kty === 'OKP' && key.crv === 'Ed25519')).toBe(true);
      expect(await verifyWith({ keys: checkpointKeySetFromJwks(jwks) })).toMatchObject({ ok: true });
      // Swapping the key rows in the database changes nothing for a verifier holding the JWKS.
      const retiredRows = await t.db.db
        .selectFrom('server_keys')
        .selectAll()
        .where('name', 'like', 'audit-checkpoint-retired:%')
        .execute();
      await t.db.db.deleteFrom('server_keys').where('name', 'like', 'audit-checkpoint-retired:%').execute();
      expect(await verifyWith({ keys: checkpointKeySetFromJwks(jwks) })).toMatchObject({ ok: true });
      // ...whereas the server, having lost the retired key, can no longer verify the old line.
      expect(await verifyWith(await findCheckpointVerifier(ctx))).toMatchObject({
        ok: false,
        tenants: [{ problem: 'forged-checkpoint', reason: expect.stringContaining('unknown key') }],
      });
      await t.db.db.insertInto('server_keys').values(retiredRows).execute();
    });

    it('a checkpoint signed by an unknown key fails, linked into the file or not', async () => {
      const { keys } = await findCheckpointKeySet(ctx);
      const attacker = generateKeyPairSync('ed25519');
      const forgedKey = {
        ...checkpointPublicKeyOf(attacker.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
        privateKey: attacker.privateKey,
      };
      const head = await t.db.db
        .selectFrom('audit_log')
        .select(['seq', 'hash'])
        .where('tenant_id', '=', tenantId)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      const forged = signCheckpoint(
        { tenantId, seq: head.seq, hash: head.hash, at: new Date().toISOString() },
        forgedKey,
        (await readCheckpointFile(file)).tailHash,
      );
      appendFileSync(file, `${JSON.stringify(forged)}\n`);
      const report = await verifyWith({ keys });
      expect(report.fileProblem).toBeUndefined();
      expect(report).toMatchObject({
        ok: false,
        tenants: [
          {
            problem: 'forged-checkpoint',
            reason: expect.stringContaining(`signed by an unknown key ${forgedKey.keyId}`),
          },
        ],
      });
      const lastLine = readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';
      expect(parseCheckpointLine(lastLine)?.keyId).toBe(forgedKey.keyId);
      expect(lineHash(lastLine)).toBe((await readCheckpointFile(file)).tailHash);
    });

    it('refuses a JWKS whose kid is not its key, and a retired key row added without the secret key', async () => {
      const { keys } = await findCheckpointKeySet(ctx);
      const jwks = checkpointJwksOf(keys);
      const [first, second] = jwks.keys;
      if (first === undefined || second === undefined) throw new Error('two keys expected');
      const swapped = { keys: [{ ...first, kid: second.kid }] };
      expect(() => checkpointKeySetFromJwks(JSON.stringify(swapped))).toThrow(/not the thumbprint/);
      const attacker = generateKeyPairSync('ed25519').publicKey;
      await t.db.db
        .insertInto('server_keys')
        .values({
          name: 'audit-checkpoint-retired:attacker',
          algorithm: 'Ed25519',
          public_key_pem: attacker.export({ format: 'pem', type: 'spki' }).toString(),
          key_sealed: createSecretBox(randomBytes(32)).seal(
            attacker.export({ format: 'der', type: 'spki' }),
            'server-key:audit-checkpoint-retired',
          ),
          created_at: new Date().toISOString(),
        })
        .execute();
      const after = await findCheckpointKeySet(ctx);
      expect(after.unopened).toEqual(['audit-checkpoint-retired:attacker']);
      expect([...after.keys.keys()]).toEqual([...keys.keys()]);
    });
  });
}
