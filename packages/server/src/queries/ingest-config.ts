import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/types.ts';

/** One row of a tenant's ingest configuration: a threat-type override, a policy or a setting. */
export interface IngestConfigRow {
  /** `o`: threat-type override (`key` type id or `family:<name>`, `value` risk); `p`: compliance policy document; `s`: setting. */
  readonly kind: 'o' | 'p' | 's';
  readonly key: string;
  readonly value: string;
}

/**
 * What report ingestion reads of a tenant, in one statement: its threat-type overrides, its
 * compliance policy documents (oldest first, as `listCompliancePolicyDocs`) and the named settings.
 */
export async function listIngestConfigRows(
  db: Kysely<Database>,
  tenantId: string,
  settingKeys: readonly string[],
): Promise<IngestConfigRow[]> {
  const rows = await db
    .selectFrom('threat_type_overrides')
    .select([sql<string>`'o'`.as('kind'), 'type_id as key', 'risk as value', sql<string>`''`.as('sort')])
    .where('tenant_id', '=', tenantId)
    .unionAll(
      db
        .selectFrom('compliance_policies')
        .select([sql<string>`'p'`.as('kind'), 'id as key', 'doc as value', 'created_at as sort'])
        .where('tenant_id', '=', tenantId),
    )
    .unionAll(
      db
        .selectFrom('settings')
        .select([sql<string>`'s'`.as('kind'), 'key', 'value', sql<string>`''`.as('sort')])
        .where('tenant_id', '=', tenantId)
        .where('key', 'in', [...settingKeys]),
    )
    .orderBy('kind')
    .orderBy('sort')
    .orderBy('key')
    .execute();
  return rows.map((row) => ({ kind: row.kind as IngestConfigRow['kind'], key: row.key, value: row.value }));
}
