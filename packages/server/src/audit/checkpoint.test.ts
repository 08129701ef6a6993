import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendTestAudits, deleteTenantEverywhere, rewriteAuditEntry } from '../../test-support/audit.ts';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import type { ServiceContext } from '../context.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import { createTenant } from '../tenants/tenant-service.ts';
import { verifyAuditChain } from './audit-service.ts';
import { verifyAuditLog } from './audit-verify-report.ts';
import {
  CHECKPOINT_TOPIC,
  parseCheckpointLine,
  readCheckpointFile,
  type SignedCheckpoint,
} from './checkpoint.ts';
import { findCheckpointKey, findCheckpointVerifier, getOrCreateCheckpointKey } from './checkpoint-key.ts';
import { verifyTenantAgainstFile } from './checkpoint-verify.ts';
import { type AuditCheckpointer, createAuditCheckpointer } from './checkpoint-writer.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`signed audit checkpoints (${dialect})`, () => {
    let t: TestDb;
    let ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'logger'>;
    let file: string;
    let checkpointer: AuditCheckpointer;
    const logs: string[] = [];
    beforeAll(async () => {
      t = await createTestDb(dialect);
      ctx = {
        db: t.db,
        box: createSecretBox(randomBytes(32)),
        now: () => new Date(),
        logger: pino({ level: 'error' }, { write: (line: string) => logs.push(line) }),
      };
      file = join(mkdtempSync(join(tmpdir(), 'rg-ckp-')), 'audit-checkpoints.jsonl');
      checkpointer = createAuditCheckpointer(ctx, { file, intervalMs: 0 });
    });
    afterAll(async () => {
      await t?.destroy();
    });

    /** A tenant whose chain holds `entries` + 1 entries (`tenant.create` is seq 1). */
    async function tenantWith(entries: number): Promise<string> {
      const { tenantId } = await createTenant(ctx, { name: 'Audit Co' });
      await appendTestAudits(t.db, tenantId, entries);
      return tenantId;
    }

    async function verify(tenantId: string) {
      return verifyTenantAgainstFile(t.db.db, tenantId, file, await findCheckpointVerifier(ctx));
    }

    const checkpointsOf = (written: readonly SignedCheckpoint[], tenantId: string) =>
      written.filter((checkpoint) => checkpoint.tenantId === tenantId);

    it('an untouched chain verifies, anchored up to its last checkpoint', async () => {
      const tenantId = await tenantWith(4);
      const written = await checkpointer.checkpointNow();
      expect(checkpointsOf(written, tenantId)).toMatchObject([{ seq: 5, type: CHECKPOINT_TOPIC }]);
      await appendTestAudits(t.db, tenantId, 2);
      expect(await verify(tenantId)).toEqual({
        ok: true,
        checked: 7,
        headSeq: 7,
        anchoredSeq: 5,
        checkpoints: 1,
        lastCheckpointSeq: 5,
        forgedCheckpoints: 0,
        unanchored: {
          entries: 2,
          fromSeq: 6,
          toSeq: 7,
          firstAt: expect.any(String),
          lastAt: expect.any(String),
        },
      });
    });

    it('reports the entries after the last checkpoint as an unanchored tail, and fails once they are old', async () => {
      const tenantId = await tenantWith(2);
      await checkpointer.checkpointNow(); // seq 3
      await appendTestAudits(t.db, tenantId, 3);
      const verifier = await findCheckpointVerifier(ctx);
      const at = async (now: Date) =>
        verifyTenantAgainstFile(t.db.db, tenantId, file, verifier, { now, maxUnanchoredAgeMs: 10_000 });
      const fresh = await at(new Date());
      expect(fresh).toMatchObject({
        ok: true,
        headSeq: 6,
        anchoredSeq: 3,
        unanchored: { entries: 3, fromSeq: 4, toSeq: 6 },
      });
      expect(Date.parse(fresh.unanchored?.firstAt ?? '')).toBeLessThanOrEqual(
        Date.parse(fresh.unanchored?.lastAt ?? ''),
      );
      // The same tail seen a minute later was never anchored: the round that should have run did not.
      expect(await at(new Date(Date.now() + 60_000))).toMatchObject({
        ok: false,
        problem: 'unanchored',
        firstBrokenSeq: 4,
        reason: expect.stringContaining('3 entries (seq 4-6'),
      });
      await checkpointer.checkpointNow();
      const anchored = await at(new Date(Date.now() + 60_000));
      expect(anchored).toMatchObject({ ok: true, anchoredSeq: 6 });
      expect(anchored.unanchored).toBeUndefined();
    });

    it('anchors a write within about a second, without waiting for the schedule', async () => {
      const tenantId = await tenantWith(1);
      const followed = `${file}.followed`;
      const writer = createAuditCheckpointer(ctx, { file: followed, intervalMs: 60_000, followMs: 200 });
      writer.start();
      try {
        const heads = async () =>
          (await readCheckpointFile(followed)).lines
            .filter((line) => line.checkpoint.tenantId === tenantId)
            .map((line) => line.checkpoint.seq);
        await vi.waitFor(async () => expect(await heads()).toEqual([2]), { timeout: 5000 });
        for (const expected of [3, 5]) {
          const written = Date.now();
          await appendTestAudits(t.db, tenantId, expected === 3 ? 1 : 2);
          await vi.waitFor(async () => expect((await heads()).at(-1)).toBe(expected), {
            timeout: 1500,
            interval: 20,
          });
          expect(Date.now() - written).toBeLessThan(1500);
        }
      } finally {
        await writer.stop();
      }
    });

    it('detects a whole tenant deleted, every row of every table, and the writer does not forget it', async () => {
      const tenantId = await tenantWith(3);
      const other = await tenantWith(1);
      await checkpointer.checkpointNow();
      await deleteTenantEverywhere(t.db.db, tenantId);
      expect(await t.db.db.selectFrom('tenants').select('id').where('id', '=', tenantId).execute()).toEqual(
        [],
      );
      const verifier = await findCheckpointVerifier(ctx);
      const report = await verifyAuditLog(t.db.db, { file, verifier });
      expect(report?.ok).toBe(false);
      expect(report?.tenants.find((tenant) => tenant.tenantId === tenantId)).toMatchObject({
        ok: false,
        problem: 'deleted',
        firstBrokenSeq: 1,
        lastCheckpointSeq: 4,
      });
      expect(report?.tenants.find((tenant) => tenant.tenantId === other)).toMatchObject({ ok: true });
      expect(await verifyAuditLog(t.db.db, { file, verifier, tenantId })).toMatchObject({
        ok: false,
        tenants: [{ tenantId, problem: 'deleted' }],
      });
      // A writer that starts after the deletion learns the tenant from the file and refuses to move on.
      logs.length = 0;
      const restarted = createAuditCheckpointer(ctx, { file, intervalMs: 0 });
      expect(checkpointsOf(await restarted.checkpointNow(), tenantId)).toEqual([]);
      expect(logs.filter((line) => line.includes(tenantId)).join('')).toContain('not signing');
    });

    it('signs only chains that moved, and queues one outbox event per head', async () => {
      const tenantId = await tenantWith(1);
      expect(checkpointsOf(await checkpointer.checkpointNow(), tenantId)).toHaveLength(1);
      expect(checkpointsOf(await checkpointer.checkpointNow(), tenantId)).toHaveLength(0);
      // A second node (its own file) signing the same head queues no second event.
      const otherNode = createAuditCheckpointer(ctx, { file: `${file}.node2`, intervalMs: 0 });
      expect(checkpointsOf(await otherNode.checkpointNow(), tenantId)).toHaveLength(1);
      const events = await t.db.db
        .selectFrom('outbox')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('topic', '=', CHECKPOINT_TOPIC)
        .execute();
      expect(events).toHaveLength(1);
      const payload = parseCheckpointLine(events[0]?.payload ?? '');
      expect(payload).toMatchObject({ tenantId, seq: 2 });
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.map((line) => parseCheckpointLine(line)?.tenantId)).toContain(tenantId);
    });

    it('detects the last entries deleted (truncation), which the chain alone cannot', async () => {
      const tenantId = await tenantWith(5);
      await checkpointer.checkpointNow();
      await t.db.db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).where('seq', '>=', 5).execute();
      expect(await verifyAuditChain(t.db.db, tenantId)).toEqual({ ok: true, checked: 4 });
      expect(await verify(tenantId)).toMatchObject({
        ok: false,
        problem: 'truncated',
        firstBrokenSeq: 5,
        headSeq: 4,
        lastCheckpointSeq: 6,
      });
    });

    it("detects a tenant's entries all deleted", async () => {
      const tenantId = await tenantWith(3);
      await checkpointer.checkpointNow();
      await t.db.db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).execute();
      expect(await verifyAuditChain(t.db.db, tenantId)).toEqual({ ok: true, checked: 0 });
      expect(await verify(tenantId)).toMatchObject({ ok: false, problem: 'deleted', firstBrokenSeq: 1 });
    });

    it('detects a rewrite with every later hash recomputed, at the first checkpoint that differs', async () => {
      const tenantId = await tenantWith(3);
      await checkpointer.checkpointNow(); // seq 4
      await appendTestAudits(t.db, tenantId, 3);
      await checkpointer.checkpointNow(); // seq 7
      await rewriteAuditEntry(t.db.db, tenantId, 6, { details: '{"i":"forged"}' });
      expect(await verifyAuditChain(t.db.db, tenantId)).toEqual({ ok: true, checked: 7 });
      expect(await verify(tenantId)).toMatchObject({
        ok: false,
        problem: 'rewritten',
        firstBrokenSeq: 7,
        anchoredSeq: 4,
        checked: 6,
      });
    });

    it('names the rewritten entry itself when every entry was checkpointed', async () => {
      const tenantId = await tenantWith(0);
      for (let i = 0; i < 5; i++) {
        await appendTestAudits(t.db, tenantId, 1);
        await checkpointer.checkpointNow();
      }
      await rewriteAuditEntry(t.db.db, tenantId, 3, { actor: 'someone-else' });
      expect(await verify(tenantId)).toMatchObject({
        ok: false,
        problem: 'rewritten',
        firstBrokenSeq: 3,
        anchoredSeq: 2,
      });
    });

    it('refuses forged checkpoints: edited, or signed with another key', async () => {
      const tenantId = await tenantWith(2);
      const [real] = checkpointsOf(await checkpointer.checkpointNow(), tenantId);
      if (real === undefined) throw new Error('no checkpoint');
      expect(await verify(tenantId)).toMatchObject({ ok: true });
      appendFileSync(file, `${JSON.stringify({ ...real, seq: 2, hash: 'a'.repeat(64) })}\n`);
      expect(await verify(tenantId)).toMatchObject({
        ok: false,
        problem: 'forged-checkpoint',
        forgedCheckpoints: 1,
        checkpoints: 1,
      });
      const attacker = generateKeyPairSync('ed25519');
      const { sig: _sig, ...body } = { ...real, seq: 9 };
      const forged = {
        ...body,
        sig: sign(null, Buffer.from(canonicalJson(body)), attacker.privateKey).toString('base64url'),
      };
      appendFileSync(file, `${JSON.stringify(forged)}\n`);
      expect(await verify(tenantId)).toMatchObject({ ok: false, forgedCheckpoints: 2 });
      // A writer (re)starting over that file says so.
      logs.length = 0;
      await createAuditCheckpointer(ctx, { file, intervalMs: 0 }).checkpointNow();
      expect(logs.join('')).toContain('no checkpoint key verifies');
    });

    it('does not sign a chain cut since its last checkpoint, and says so once', async () => {
      const tenantId = await tenantWith(3);
      await checkpointer.checkpointNow();
      await t.db.db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).where('seq', '=', 4).execute();
      logs.length = 0;
      expect(checkpointsOf(await checkpointer.checkpointNow(), tenantId)).toEqual([]);
      expect(checkpointsOf(await checkpointer.checkpointNow(), tenantId)).toEqual([]);
      const alarms = logs.filter((line) => line.includes(tenantId));
      expect(alarms).toHaveLength(1);
      expect(alarms[0]).toContain('not signing');
    });

    it('runs rounds on its schedule once started, and a last one when stopped', async () => {
      const tenantId = await tenantWith(1);
      const scheduled = createAuditCheckpointer(ctx, { file: `${file}.scheduled`, intervalMs: 40 });
      scheduled.start();
      const fileHeads = async () =>
        (await readCheckpointFile(`${file}.scheduled`)).lines
          .filter((line) => line.checkpoint.tenantId === tenantId)
          .map((line) => line.checkpoint.seq);
      await vi.waitFor(async () => expect(await fileHeads()).toEqual([2]), { timeout: 5000 });
      await appendTestAudits(t.db, tenantId, 1);
      await vi.waitFor(async () => expect(await fileHeads()).toEqual([2, 3]), { timeout: 5000 });
      await appendTestAudits(t.db, tenantId, 1);
      await scheduled.stop();
      expect((await fileHeads()).at(-1)).toBe(4);
      // Stopped: no more rounds.
      await appendTestAudits(t.db, tenantId, 1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await fileHeads()).at(-1)).toBe(4);
    });

    it('keeps the private key sealed and derives the public key from it', async () => {
      const key = await getOrCreateCheckpointKey(ctx);
      const row = await t.db.db.selectFrom('server_keys').selectAll().executeTakeFirstOrThrow();
      const pkcs8 = key.privateKey.export({ format: 'der', type: 'pkcs8' });
      expect(row.key_sealed).not.toContain(pkcs8.toString('base64url'));
      expect(() =>
        createSecretBox(randomBytes(32)).open(row.key_sealed, 'server-key:audit-checkpoint'),
      ).toThrow();
      // Swapping the stored public key does not change the key that verifies.
      const other = generateKeyPairSync('ed25519')
        .publicKey.export({ format: 'pem', type: 'spki' })
        .toString();
      await t.db.db.updateTable('server_keys').set({ public_key_pem: other }).execute();
      expect((await findCheckpointKey(ctx))?.keyId).toBe(key.keyId);
      await t.db.db.updateTable('server_keys').set({ public_key_pem: row.public_key_pem }).execute();
    });
  });
}
