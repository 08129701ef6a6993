import type { Kysely } from 'kysely';

/**
 * `audit_prune_markers`: per tenant, the signed statement "audit entries up to `seq` were pruned;
 * entry `seq` had hash `hash`" (docs/audit.md, Pruning). Verification starts the chain there.
 */
export async function upAuditPruneMarkers(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_prune_markers')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('sig', 'text', (c) => c.notNull())
    .execute();
}

/** Reverts {@link upAuditPruneMarkers}. */
export async function downAuditPruneMarkers(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_prune_markers').ifExists().execute();
}
