import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import type { ServiceContext } from '../context.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import { pruneAuditLog } from './audit-prune.ts';
import { findPruneMarker, storePruneMarker } from './audit-prune-marker.ts';
import { appendAudit, verifyAuditChain } from './audit-service.ts';
import { verifyAuditLog } from './audit-verify-report.ts';
import { findCheckpointVerifier } from './checkpoint-key.ts';
import { createAuditCheckpointer } from './checkpoint-writer.ts';

const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `audit pruning keeps the chain verifiable (${dialect})`,
    () => {
      let t: TestDb;
      let ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'logger'>;
      const now = new Date();
      const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
      beforeAll(async () => {
        t = await createTestDb(dialect);
        ctx = {
          db: t.db,
          box: createSecretBox(randomBytes(32)),
          now: () => now,
          logger: pino({ level: 'silent' }),
        };
      });
      afterAll(async () => {
        await t?.destroy();
      });

      /** A tenant with `old` entries 500 days old and `recent` 10 days old, each checkpointed. */
      async function tenantWith(name: string, old: number, recent: number) {
        const file = join(mkdtempSync(join(tmpdir(), 'rg-prune-')), 'audit-checkpoints.jsonl');
        const writer = createAuditCheckpointer(ctx, { file, intervalMs: 0 });
        const tenantId = `ten_${name}`;
        await t.db.db
          .insertInto('tenants')
          .values({ id: tenantId, name, created_at: daysAgo(600) })
          .execute();
        for (let i = 0; i < old + recent; i++) {
          await t.db.db.transaction().execute((trx) =>
            appendAudit(trx, t.db.dialect, {
              tenantId,
              actor: 'test',
              action: 'test.entry',
              details: { i },
              at: daysAgo(i < old ? 500 : 10),
            }),
          );
          await writer.checkpointNow();
        }
        const verify = async () => {
          const report = await verifyAuditLog(t.db.db, {
            file,
            verifier: await findCheckpointVerifier(ctx),
            tenantId,
            policy: { now, maxUnanchoredAgeMs: 0 },
          });
          const tenant = report?.tenants[0];
          if (tenant === undefined) throw new Error('no report');
          return tenant;
        };
        const prune = (dryRun = false) =>
          pruneAuditLog(ctx, { tenantId, cutoff: daysAgo(400), checkpointFile: file, batchSize: 4, dryRun });
        const seqs = async () =>
          (
            await t.db.db
              .selectFrom('audit_log')
              .select('seq')
              .where('tenant_id', '=', tenantId)
              .orderBy('seq')
              .execute()
          ).map((row) => row.seq);
        return { tenantId, file, writer, verify, prune, seqs };
      }

      it('prunes old entries up to a checkpointed boundary; verify passes from the boundary; newer entries stay', async () => {
        const a = await tenantWith('a', 11, 3);
        const other = await tenantWith('b', 5, 0);
        expect((await a.verify()).ok).toBe(true);
        expect(await a.prune(true)).toEqual({ pruned: 11 });
        expect(await a.seqs()).toHaveLength(14);
        expect(await a.prune()).toEqual({ pruned: 11 });
        expect(await a.seqs()).toEqual([12, 13, 14]);
        expect(await findPruneMarker(t.db.db, a.tenantId)).toMatchObject({ seq: 11 });
        const verified = await a.verify();
        expect(verified).toMatchObject({ ok: true, checked: 3, headSeq: 14, anchoredSeq: 14 });
        expect(await verifyAuditChain(t.db.db, a.tenantId)).toEqual({ ok: true, checked: 3 });
        // The other tenant is untouched (its entries are all old, but its last checkpoint's entry stays).
        expect(await other.seqs()).toEqual([1, 2, 3, 4, 5]);
        // A second run finds nothing more; new entries after pruning keep verifying.
        expect(await a.prune()).toEqual({ pruned: 0 });
        await t.db.db.transaction().execute((trx) =>
          appendAudit(trx, t.db.dialect, {
            tenantId: a.tenantId,
            actor: 'test',
            action: 'later',
            at: now.toISOString(),
          }),
        );
        await a.writer.checkpointNow();
        expect((await a.verify()).ok).toBe(true);
      });

      it('never prunes the entry of the last checkpoint, nor entries inside retention', async () => {
        const c = await tenantWith('c', 4, 0);
        expect(await c.prune()).toEqual({ pruned: 3 });
        expect(await c.seqs()).toEqual([4]);
        expect((await c.verify()).ok).toBe(true);
        const d = await tenantWith('d', 0, 4);
        expect(await d.prune()).toEqual({ pruned: 0 });
        expect(await d.seqs()).toEqual([1, 2, 3, 4]);
      });

      it('detects an entry deleted right after the boundary, a marker deleted or forged', async () => {
        const e = await tenantWith('e', 6, 3);
        expect(await e.prune()).toEqual({ pruned: 6 });
        await t.db.db
          .deleteFrom('audit_log')
          .where('tenant_id', '=', e.tenantId)
          .where('seq', '=', 7)
          .execute();
        expect(await e.verify()).toMatchObject({ ok: false, problem: 'deleted', firstBrokenSeq: 7 });

        const f = await tenantWith('f', 6, 3);
        expect(await f.prune()).toEqual({ pruned: 6 });
        const marker = await findPruneMarker(t.db.db, f.tenantId);
        if (marker === undefined) throw new Error('no marker');
        // Without the marker the cut start is a deletion from seq 1.
        await t.db.db.deleteFrom('audit_prune_markers').where('tenant_id', '=', f.tenantId).execute();
        expect(await f.verify()).toMatchObject({ ok: false, problem: 'deleted', firstBrokenSeq: 1 });
        // A marker moved forward (to hide more) without the key does not verify.
        await storePruneMarker(t.db.db, { ...marker, seq: 7 });
        expect(await f.verify()).toMatchObject({ ok: false, problem: 'forged-checkpoint' });
        // Put back as signed: ok again.
        await storePruneMarker(t.db.db, marker);
        expect((await f.verify()).ok).toBe(true);
        // The first kept entry edited with its hash recomputed no longer links to the marker.
        await t.db.db
          .updateTable('audit_log')
          .set({ prev_hash: '0'.repeat(64) })
          .where('tenant_id', '=', f.tenantId)
          .where('seq', '=', 7)
          .execute();
        expect(await f.verify()).toMatchObject({ ok: false, problem: 'broken', firstBrokenSeq: 7 });
      });

      it('refuses to prune a chain that fails verification', async () => {
        const g = await tenantWith('g', 6, 1);
        await t.db.db
          .updateTable('audit_log')
          .set({ details: '{"i":99}' })
          .where('tenant_id', '=', g.tenantId)
          .where('seq', '=', 3)
          .execute();
        const result = await g.prune();
        expect(result.pruned).toBe(0);
        expect(result.skipped).toMatch(/fails verification/);
        expect(await g.seqs()).toHaveLength(7);
      });
    },
  );
}
