import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
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
import { FILE_GENESIS, lineHash, readCheckpointFile, signCheckpoint } from './checkpoint.ts';
import { findCheckpointVerifier, getOrCreateCheckpointKey } from './checkpoint-key.ts';
import { createAuditCheckpointer } from './checkpoint-writer.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `the checkpoint file is a hash chain (${dialect})`,
    () => {
      let t: TestDb;
      let ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'logger'>;
      const logs: string[] = [];
      beforeAll(async () => {
        t = await createTestDb(dialect);
        ctx = {
          db: t.db,
          box: createSecretBox(randomBytes(32)),
          now: () => new Date(),
          logger: pino({ level: 'error' }, { write: (line: string) => logs.push(line) }),
        };
      });
      afterAll(async () => {
        await t?.destroy();
      });

      const newFile = () => join(mkdtempSync(join(tmpdir(), 'rg-ckp-file-')), 'audit-checkpoints.jsonl');
      const rawLines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);

      /**
       * A file with `rounds` checkpoints of a new tenant, and its writer. The first round also
       * signs every other tenant of the shared database; the later ones only this tenant.
       */
      async function fileWith(rounds: number) {
        const file = newFile();
        const writer = createAuditCheckpointer(ctx, { file, intervalMs: 0 });
        const { tenantId } = await createTenant(ctx, { name: 'Chained' });
        for (let i = 0; i < rounds; i++) {
          if (i > 0) await appendTestAudits(t.db, tenantId, 1);
          await writer.checkpointNow();
        }
        const lines = rawLines(file);
        const mine = lines.flatMap((line, i) => (line.includes(`"${tenantId}"`) ? [i + 1] : []));
        return { file, writer, tenantId, mine, count: lines.length };
      }

      async function verify(file: string, tenantId?: string) {
        const report = await verifyAuditLog(t.db.db, {
          file,
          verifier: await findCheckpointVerifier(ctx),
          tenantId,
        });
        if (report === undefined) throw new Error('no report');
        return report;
      }

      it('links every line to the one before it; an untouched file verifies', async () => {
        const { file, tenantId } = await fileWith(4);
        const lines = rawLines(file);
        expect(lines).toHaveLength(4);
        const parsed = lines.map((line) => JSON.parse(line) as { v: number; prev: string });
        expect(parsed.map((line) => line.v)).toEqual([2, 2, 2, 2]);
        expect(parsed[0]?.prev).toBe(FILE_GENESIS);
        for (let i = 1; i < lines.length; i++) expect(parsed[i]?.prev).toBe(lineHash(lines[i - 1] ?? ''));
        const report = await verify(file, tenantId);
        expect(report).toMatchObject({
          ok: true,
          checkpointLines: lines.length,
          legacyLines: [],
          malformedLines: [],
        });
        expect(report.fileProblem).toBeUndefined();
      });

      it('reports a line deleted from the middle at the first line that no longer links', async () => {
        const { file, tenantId } = await fileWith(4);
        const lines = rawLines(file);
        writeFileSync(file, `${[lines[0], lines[2], lines[3]].join('\n')}\n`);
        // The tenant's chain itself still verifies against the checkpoints left; the file does not.
        expect(await verify(file, tenantId)).toMatchObject({
          ok: false,
          fileProblem: {
            problem: 'chain-broken',
            line: 2,
            reason: expect.stringContaining('does not link to line 1'),
          },
          tenants: [{ tenantId, ok: true }],
        });
        writeFileSync(file, `${lines.slice(1).join('\n')}\n`);
        expect(await verify(file, tenantId)).toMatchObject({
          ok: false,
          fileProblem: {
            problem: 'chain-broken',
            line: 1,
            reason: expect.stringContaining('does not start the file'),
          },
        });
      });

      it('reports an edited line: its signature fails, and the next line no longer links', async () => {
        const { file, tenantId, mine } = await fileWith(3);
        const lines = rawLines(file);
        const at = (mine[1] ?? 0) - 1; // this tenant's second checkpoint; its third follows it
        const edited = lines[at]?.replace(/"at":"[^"]+"/, '"at":"2020-01-01T00:00:00.000Z"') ?? '';
        expect(edited).not.toBe(lines[at]);
        lines[at] = edited;
        writeFileSync(file, `${lines.join('\n')}\n`);
        expect(await verify(file, tenantId)).toMatchObject({
          ok: false,
          fileProblem: { problem: 'chain-broken', line: at + 2 },
          tenants: [{ tenantId, ok: false, problem: 'forged-checkpoint' }],
        });
      });

      it('refuses a file whose checkpoints go backwards in sequence, even with valid links and signatures', async () => {
        const { file, tenantId, count } = await fileWith(1);
        await appendTestAudits(t.db, tenantId, 2); // seq 3
        const key = await getOrCreateCheckpointKey(ctx);
        const [head] = await t.db.db
          .selectFrom('audit_log')
          .select(['seq', 'hash'])
          .where('tenant_id', '=', tenantId)
          .where('seq', 'in', [2, 3])
          .orderBy('seq')
          .execute();
        const last = await t.db.db
          .selectFrom('audit_log')
          .select(['seq', 'hash'])
          .where('tenant_id', '=', tenantId)
          .where('seq', '=', 3)
          .executeTakeFirstOrThrow();
        if (head === undefined) throw new Error('no entry 2');
        // Spliced: seq 3 then seq 2, each line linked and signed with the real key.
        let prev = (await readCheckpointFile(file)).tailHash;
        for (const entry of [last, head]) {
          const text = JSON.stringify(
            signCheckpoint(
              { tenantId, seq: entry.seq, hash: entry.hash, at: new Date().toISOString() },
              key,
              prev,
            ),
          );
          appendFileSync(file, `${text}\n`);
          prev = lineHash(text);
        }
        expect(await verify(file, tenantId)).toMatchObject({
          ok: false,
          fileProblem: {
            problem: 'backwards',
            line: count + 2,
            reason: expect.stringContaining(`behind seq 3 on line ${count + 1}`),
            tenantId,
          },
          tenants: [{ tenantId, ok: true }],
        });
        // The reason is shown to every tenant's admins by the admin API: it names no tenant.
        const report = await verify(file, tenantId);
        expect(report.fileProblem?.reason).not.toContain(tenantId);
      });

      it('the writer alarms when the file is cut behind it and keeps linking to its own last line', async () => {
        const { file, writer, tenantId, count } = await fileWith(3);
        const lines = rawLines(file);
        truncateSync(file, Buffer.byteLength(`${lines.slice(0, -1).join('\n')}\n`));
        logs.length = 0;
        await appendTestAudits(t.db, tenantId, 1);
        await writer.checkpointNow();
        expect(logs.join('')).toContain('the file shrank');
        expect(await verify(file, tenantId)).toMatchObject({
          ok: false,
          fileProblem: { problem: 'chain-broken', line: count },
        });
      });

      it('the writer refuses to follow lines it did not write, and verify names the first of them', async () => {
        const { file, writer, tenantId, mine, count } = await fileWith(2);
        const lines = rawLines(file);
        appendFileSync(file, `${lines[(mine[0] ?? 1) - 1]}\n`); // a replayed old line: signed, not linked
        logs.length = 0;
        await appendTestAudits(t.db, tenantId, 1);
        await writer.checkpointNow();
        expect(logs.join('')).toContain('do not link');
        expect(await verify(file, tenantId)).toMatchObject({
          ok: false,
          fileProblem: { problem: 'chain-broken', line: count + 1 },
        });
      });

      it('a torn last line (a crash mid-write) is closed, noted, and linked through', async () => {
        const { file, tenantId, count } = await fileWith(2);
        appendFileSync(file, '{"v":2,"type":"audit.chec');
        const restarted = createAuditCheckpointer(ctx, { file, intervalMs: 0 });
        await appendTestAudits(t.db, tenantId, 1);
        await restarted.checkpointNow();
        const report = await verify(file, tenantId);
        expect(report).toMatchObject({ ok: true, malformedLines: [count + 1], checkpointLines: count + 1 });
        expect(rawLines(file)).toHaveLength(count + 2);
      });

      it('reads version 1 lines (before the chain) and links the first version 2 line to them', async () => {
        const file = newFile();
        const { tenantId } = await createTenant(ctx, { name: 'Legacy' });
        const key = await getOrCreateCheckpointKey(ctx);
        const head = await t.db.db
          .selectFrom('audit_log')
          .select(['seq', 'hash'])
          .where('tenant_id', '=', tenantId)
          .executeTakeFirstOrThrow();
        const {
          prev: _prev,
          sig: _sig,
          ...v2
        } = signCheckpoint(
          { tenantId, seq: head.seq, hash: head.hash, at: new Date().toISOString() },
          key,
          FILE_GENESIS,
        );
        const { sign } = await import('node:crypto');
        const { canonicalJson } = await import('../crypto/canonical-json.ts');
        const body = { ...v2, v: 1 as const };
        const legacy = {
          ...body,
          sig: sign(null, Buffer.from(canonicalJson(body)), key.privateKey).toString('base64url'),
        };
        writeFileSync(file, `${JSON.stringify(legacy)}\n`);
        await appendTestAudits(t.db, tenantId, 1);
        await createAuditCheckpointer(ctx, { file, intervalMs: 0 }).checkpointNow();
        expect(await verify(file, tenantId)).toMatchObject({
          ok: true,
          legacyLines: [1],
          tenants: [{ tenantId, ok: true, anchoredSeq: 2, checkpoints: 2 }],
        });
      });
    },
  );
}
