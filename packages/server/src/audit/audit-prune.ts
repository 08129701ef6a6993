import { type Kysely, sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { walkAuditChain } from './audit-chain-walk.ts';
import { findPrunedStart, signPruneMarker, storePruneMarker } from './audit-prune-marker.ts';
import { readCheckpointFile } from './checkpoint.ts';
import { findCheckpointKey, findCheckpointVerifier } from './checkpoint-key.ts';
import { groupCheckpoints } from './checkpoint-verify.ts';

/** Why a tenant's audit entries were not pruned this run (logged by the caller), or how many were. */
export type AuditPruneResult = { readonly pruned: number; readonly skipped?: string };

/**
 * Prunes the tenant's audit entries older than `cutoff`, but only up to a seq that a valid signed
 * checkpoint in `checkpointFile` holds and that lies before the tenant's last checkpoint (so the
 * writer's next round still finds the entry it links from). The chain is verified first, from the
 * current boundary, against the checkpoints: a tampered chain is never pruned (that would destroy
 * the evidence). A new signed marker "pruned up to N, entry N had hash H" is stored **before** the
 * rows go, so a crash in between leaves a chain that still verifies (the extra rows are ignored).
 * Rows go in batches of `batchSize` by `rowid`/`ctid`.
 */
export async function pruneAuditLog(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>,
  params: {
    readonly tenantId: string;
    readonly cutoff: string;
    readonly checkpointFile: string;
    readonly batchSize: number;
    readonly dryRun: boolean;
  },
): Promise<AuditPruneResult> {
  const { db, dialect } = ctx.db;
  const { tenantId } = params;
  const verifier = await findCheckpointVerifier(ctx);
  if (verifier.keys === undefined) return { pruned: 0, skipped: verifier.missing };
  const start = await findPrunedStart(db, tenantId, verifier);
  if (start.problem !== undefined) return { pruned: 0, skipped: start.problem };
  const { lines } = await readCheckpointFile(params.checkpointFile);
  const valid = groupCheckpoints(lines, verifier).get(tenantId)?.valid ?? [];
  const anchors = new Map<number, string[]>();
  let lastCheckpointSeq = 0;
  for (const { checkpoint } of valid) {
    anchors.set(checkpoint.seq, [...(anchors.get(checkpoint.seq) ?? []), checkpoint.hash]);
    lastCheckpointSeq = Math.max(lastCheckpointSeq, checkpoint.seq);
  }
  const floor = start.head?.seq ?? 0;
  // Every entry up to the boundary must be older than the cutoff (times need not be monotonic
  // across nodes): stop before the first entry that is not, and before the last checkpoint.
  const firstKept = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.min('seq').as('seq'))
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', floor)
    .where('at', '>=', params.cutoff)
    .executeTakeFirst();
  const keptSeq =
    firstKept?.seq === null || firstKept?.seq === undefined
      ? Number.POSITIVE_INFINITY
      : Number(firstKept.seq);
  const dueSeq = Math.min(keptSeq - 1, lastCheckpointSeq - 1);
  // ...and the newest checkpointed seq at or before it: that is the boundary.
  let boundary = 0;
  for (const seq of anchors.keys()) if (seq <= dueSeq && seq > floor) boundary = Math.max(boundary, seq);
  if (boundary === 0) return { pruned: 0 };
  const walk = await walkAuditChain(db, tenantId, {
    anchors,
    ...(start.head === undefined ? {} : { pruned: start.head }),
  });
  if (!walk.ok) return { pruned: 0, skipped: `the chain fails verification: ${walk.reason ?? walk.problem}` };
  if (params.dryRun) {
    const counted = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('seq', '<=', boundary)
      .executeTakeFirst();
    return { pruned: Number(counted?.n ?? 0) };
  }
  const entry = await db
    .selectFrom('audit_log')
    .select('hash')
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', boundary)
    .executeTakeFirst();
  const key = await findCheckpointKey(ctx);
  if (entry === undefined || key === undefined)
    return { pruned: 0, skipped: 'boundary entry or key is gone' };
  await storePruneMarker(
    db,
    signPruneMarker({ tenantId, seq: boundary, hash: entry.hash, at: ctx.now().toISOString() }, key),
  );
  const rowId = sql.raw(dialect === 'postgres' ? 'ctid' : 'rowid');
  let pruned = 0;
  for (;;) {
    const result =
      await sql`delete from audit_log where ${rowId} in (select ${rowId} from audit_log where tenant_id = ${tenantId} and seq <= ${boundary} limit ${params.batchSize})`.execute(
        db as Kysely<Database>,
      );
    const deleted = Number(result.numAffectedRows ?? 0n);
    pruned += deleted;
    if (deleted < params.batchSize) return { pruned };
    await new Promise((resolve) => setImmediate(resolve));
  }
}
