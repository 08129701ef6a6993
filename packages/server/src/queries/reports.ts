import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

/** The device's latest snapshot JSON, or `undefined` before its first full report. */
export async function findSnapshot(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('snapshots')
    .select('snapshot')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row?.snapshot;
}

/** The tenant's compliance policy documents (JSON text). */
export async function listCompliancePolicyDocs(db: Kysely<Database>, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('compliance_policies')
    .select('doc')
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.doc);
}

/** The outcome JSON of the device's newest report, or `undefined` before its first report. */
export async function findLatestReportOutcome(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('reports')
    .select('outcome')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .orderBy('received_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.outcome;
}
