import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable, Database, OutboxTable } from '../db/types.ts';

export type AuditRow = Selectable<AuditLogTable>;

/** The tenant's newest audit entry, or `undefined` when the log is empty. */
export async function findLastAuditEntry(
  db: Kysely<Database>,
  tenantId: string,
): Promise<AuditRow | undefined> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Appends one entry (the caller computed its seq and hashes under the tenant lock). */
export async function insertAuditEntry(db: Kysely<Database>, row: AuditLogTable): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

/** A page of the tenant's audit log in seq order, after `afterSeq`. */
export async function listAuditEntries(
  db: Kysely<Database>,
  tenantId: string,
  page: { readonly afterSeq: number; readonly limit: number },
): Promise<AuditRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', page.afterSeq)
    .orderBy('seq')
    .limit(page.limit)
    .execute();
}

/**
 * Queues an outbound event unless one with this id is queued already: nodes that checkpoint the
 * same head derive the same id, so connectors get it once.
 */
export async function insertOutboxEventOnce(
  db: Kysely<Database>,
  row: Omit<OutboxTable, 'attempts' | 'delivered_at' | 'last_error'>,
): Promise<void> {
  await db
    .insertInto('outbox')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * Every tenant's newest audit seq (null: no entry), in one statement: one index probe per tenant
 * on the (tenant_id, seq) key, so the checkpoint writer can poll it every fraction of a second.
 */
export async function listAuditHeadSeqs(
  db: Kysely<Database>,
): Promise<{ readonly tenantId: string; readonly seq: number | null }[]> {
  const rows = await db
    .selectFrom('tenants')
    .select((eb) => [
      'tenants.id as tenantId',
      eb
        .selectFrom('audit_log')
        .select((inner) => inner.fn.max('audit_log.seq').as('max'))
        .whereRef('audit_log.tenant_id', '=', 'tenants.id')
        .as('seq'),
    ])
    .execute();
  return rows.map((row) => ({ tenantId: row.tenantId, seq: row.seq === null ? null : Number(row.seq) }));
}
