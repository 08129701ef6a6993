import { type Kysely, sql } from 'kysely';
import { auditRowHash } from '../src/audit/audit-hash.ts';
import { appendAudit } from '../src/audit/audit-service.ts';
import type { Db } from '../src/db/database.ts';
import type { Database } from '../src/db/types.ts';

/** Appends `count` audit entries to the tenant's chain, one transaction each. */
export async function appendTestAudits(db: Db, tenantId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await db.db.transaction().execute((trx) =>
      appendAudit(trx, db.dialect, {
        tenantId,
        actor: 'test',
        action: 'thing.do',
        target: `t${i}`,
        details: { i },
        at: new Date().toISOString(),
      }),
    );
  }
}

/**
 * What an attacker with write access to the database does to hide an edit: changes the entry at
 * `seq`, then recomputes its hash and every later link and hash with the real hash function, so
 * the chain verifies on its own.
 */
export async function rewriteAuditEntry(
  db: Kysely<Database>,
  tenantId: string,
  seq: number,
  change: { readonly actor?: string; readonly action?: string; readonly details?: string },
): Promise<void> {
  await db
    .updateTable('audit_log')
    .set(change)
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', seq)
    .execute();
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '>=', seq)
    .orderBy('seq')
    .execute();
  let prevHash = rows[0]?.prev_hash ?? '';
  for (const row of rows) {
    const hash = auditRowHash(prevHash, row);
    if (hash === undefined) throw new Error(`entry ${row.seq} has details that are not JSON`);
    await db
      .updateTable('audit_log')
      .set({ prev_hash: prevHash, hash })
      .where('tenant_id', '=', tenantId)
      .where('seq', '=', row.seq)
      .execute();
    prevHash = hash;
  }
}

/**
 * What an attacker with the database does to make a tenant vanish: deletes its rows from every
 * table that has a `tenant_id`, then the tenant itself (retrying in passes for foreign keys).
 */
export async function deleteTenantEverywhere(db: Kysely<Database>, tenantId: string): Promise<void> {
  const tables = (await db.introspection.getTables())
    .filter((table) => table.columns.some((column) => column.name === 'tenant_id'))
    .map((table) => table.name);
  // The table names come from the live schema, not Kysely's types: raw SQL through `sql`.
  let left = [...tables];
  for (let pass = 0; pass < 5 && left.length > 0; pass++) {
    const failed: string[] = [];
    for (const table of left) {
      try {
        await sql`delete from ${sql.table(table)} where tenant_id = ${tenantId}`.execute(db);
      } catch {
        failed.push(table);
      }
    }
    left = failed;
  }
  if (left.length > 0) throw new Error(`could not delete the tenant from ${left.join(', ')}`);
  await db.deleteFrom('tenants').where('id', '=', tenantId).execute();
}
