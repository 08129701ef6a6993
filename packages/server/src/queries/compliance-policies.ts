import type { Kysely, Selectable } from 'kysely';
import type { CompliancePoliciesTable, Database } from '../db/types.ts';

export type CompliancePolicyRow = Selectable<CompliancePoliciesTable>;

/** The tenant's compliance policies, oldest first (the order ingest evaluates them in). */
export async function listCompliancePolicies(
  db: Kysely<Database>,
  tenantId: string,
): Promise<CompliancePolicyRow[]> {
  return db
    .selectFrom('compliance_policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** One policy of the tenant, or `undefined` (also for other tenants' ids). */
export async function findCompliancePolicy(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<CompliancePolicyRow | undefined> {
  return db
    .selectFrom('compliance_policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Inserts a policy. */
export async function insertCompliancePolicy(
  db: Kysely<Database>,
  row: CompliancePoliciesTable,
): Promise<void> {
  await db.insertInto('compliance_policies').values(row).execute();
}

/** Replaces a policy's name and document; `false` when there is no such policy. */
export async function updateCompliancePolicy(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  changes: { name: string; doc: string; updated_at: string },
): Promise<boolean> {
  const result = await db
    .updateTable('compliance_policies')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes a policy; `false` when there is no such policy. */
export async function deleteCompliancePolicy(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('compliance_policies')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
