import { generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendTestAudits, rewriteAuditEntry } from '../../../test-support/audit.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { checkpointSignatureProblem } from '../../audit/checkpoint.ts';
import { checkpointPublicKeyOf } from '../../audit/checkpoint-key.ts';
import { canonicalJson } from '../../crypto/canonical-json.ts';
import type { Db } from '../../db/database.ts';
import { createTenant, mintTenantApiToken } from '../../tenants/tenant-service.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`admin audit checkpoints (${dialect})`, () => {
    let h: Harness;
    let file: string;
    let db: Db;
    beforeAll(async () => {
      file = join(mkdtempSync(join(tmpdir(), 'rg-audit-api-')), 'audit-checkpoints.jsonl');
      h = await createHarness(dialect, { auditCheckpoints: { file, intervalMs: 0 } });
      db = h.testDb.db;
    });
    afterAll(async () => {
      await h?.close();
    });

    /** A fresh tenant with an analyst token and `entries` more audit entries, checkpointed. */
    async function checkpointedTenant(entries: number) {
      const { tenantId } = await createTenant(h.runtime.ctx, { name: 'Audited', actor: 'test' });
      const { token } = await mintTenantApiToken(h.runtime.ctx, {
        tenantId,
        role: 'analyst',
        name: 'a',
        actor: 'test',
      });
      await appendTestAudits(db, tenantId, entries);
      await h.runtime.auditCheckpoints?.checkpointNow();
      const verify = async () =>
        (
          await h.app.inject({
            method: 'GET',
            url: '/v1/admin/audit-log/verify',
            headers: { authorization: `Bearer ${token}` },
          })
        ).json();
      return { tenantId, verify };
    }

    it('serves the checkpoint public key, which verifies the checkpoints written', async () => {
      const res = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/audit-log/checkpoint-key',
        headers: h.auth('analyst'),
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ algorithm: 'Ed25519', keyId: expect.stringMatching(/^[\w-]{43}$/) });
      const key = checkpointPublicKeyOf(body.publicKeyPem);
      expect(key.keyId).toBe(body.keyId);
      const written = (await h.runtime.auditCheckpoints?.checkpointNow()) ?? [];
      await appendTestAudits(db, h.tenant.tenantId, 1);
      const [fresh] = (await h.runtime.auditCheckpoints?.checkpointNow()) ?? [];
      expect(fresh).toBeDefined();
      for (const checkpoint of [...written, ...(fresh === undefined ? [] : [fresh])]) {
        expect(checkpointSignatureProblem(checkpoint, key)).toBeUndefined();
      }
      const unauthenticated = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/audit-log/checkpoint-key',
      });
      expect(unauthenticated.statusCode).toBe(401);
    });

    it('an untouched chain verifies and shows how far it is anchored', async () => {
      const { verify } = await checkpointedTenant(3);
      expect(await verify()).toEqual({
        ok: true,
        checked: 5,
        headSeq: 5,
        anchoredSeq: 5,
        checkpoints: 1,
        lastCheckpointSeq: 5,
        forgedCheckpoints: 0,
      });
    });

    it('reports the last entries deleted', async () => {
      const { tenantId, verify } = await checkpointedTenant(4);
      await db.db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).where('seq', '>=', 4).execute();
      expect(await verify()).toMatchObject({
        ok: false,
        problem: 'truncated',
        firstBrokenSeq: 4,
        headSeq: 3,
      });
    });

    it("reports the tenant's entries all deleted, and another tenant stays ok", async () => {
      const { tenantId, verify } = await checkpointedTenant(2);
      const other = await checkpointedTenant(2);
      await db.db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).execute();
      expect(await verify()).toMatchObject({ ok: false, problem: 'deleted', firstBrokenSeq: 1 });
      expect(await other.verify()).toMatchObject({ ok: true });
    });

    it('reports a rewrite with recomputed hashes at the checkpointed seq', async () => {
      const { tenantId, verify } = await checkpointedTenant(4);
      await rewriteAuditEntry(db.db, tenantId, 2, { actor: 'nobody' });
      expect(await verify()).toMatchObject({
        ok: false,
        problem: 'rewritten',
        firstBrokenSeq: 6,
        anchoredSeq: 0,
      });
    });

    it('reports a line deleted from the checkpoint file to every tenant', async () => {
      const { verify } = await checkpointedTenant(1);
      const other = await checkpointedTenant(1);
      expect(await verify()).toMatchObject({ ok: true });
      const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
      const kept = [...lines.slice(0, 1), ...lines.slice(2)];
      writeFileSync(file, `${kept.join('\n')}\n`);
      try {
        for (const result of [await verify(), await other.verify()]) {
          expect(result).toMatchObject({
            ok: false,
            fileProblem: {
              problem: 'chain-broken',
              line: 2,
              reason: expect.stringContaining('does not link'),
            },
          });
        }
      } finally {
        writeFileSync(file, `${lines.join('\n')}\n`);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('reports a checkpoint with a bad signature', async () => {
      const { tenantId, verify } = await checkpointedTenant(1);
      const attacker = generateKeyPairSync('ed25519');
      const keyId = checkpointPublicKeyOf(
        (
          await h.app.inject({
            method: 'GET',
            url: '/v1/admin/audit-log/checkpoint-key',
            headers: h.auth('analyst'),
          })
        ).json().publicKeyPem,
      ).keyId;
      const body = {
        v: 1,
        type: 'audit.checkpoint',
        tenantId,
        seq: 9,
        hash: 'b'.repeat(64),
        at: new Date().toISOString(),
        keyId,
      };
      const sig = sign(null, Buffer.from(canonicalJson(body)), attacker.privateKey).toString('base64url');
      appendFileSync(file, `${JSON.stringify({ ...body, sig })}\n`);
      expect(await verify()).toMatchObject({ ok: false, problem: 'forged-checkpoint', forgedCheckpoints: 1 });
    });

    it('reports checkpoints as unverifiable when the key row was altered, without a server error', async () => {
      const { verify } = await checkpointedTenant(1);
      const row = await db.db.selectFrom('server_keys').selectAll().executeTakeFirstOrThrow();
      const [version, iv, tag, body] = row.key_sealed.split('.');
      await db.db
        .updateTable('server_keys')
        .set({
          key_sealed: [version, iv, tag, `${body?.startsWith('A') ? 'B' : 'A'}${body?.slice(1)}`].join('.'),
        })
        .execute();
      try {
        expect(await verify()).toMatchObject({
          ok: false,
          problem: 'forged-checkpoint',
          reason: expect.stringContaining('does not open'),
        });
      } finally {
        await db.db.updateTable('server_keys').set({ key_sealed: row.key_sealed }).execute();
      }
    });
  });
}
