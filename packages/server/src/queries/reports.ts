import type { Kysely } from 'kysely';
import type { Database, ReportsTable } from '../db/types.ts';

/** The stored outcome JSON of a report already ingested, or `undefined`. */
export async function findReportOutcome(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  reportId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('reports')
    .select('outcome')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('report_id', '=', reportId)
    .executeTakeFirst();
  return row?.outcome;
}

/** Records a report id once; `false` when the device already sent this id (a concurrent retry). */
export async function insertReport(db: Kysely<Database>, row: ReportsTable): Promise<boolean> {
  const result = await db
    .insertInto('reports')
    .values(row)
    .onConflict((oc) => oc.columns(['device_id', 'report_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

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

/** Stores the device's latest snapshot (one document per device). */
export async function upsertSnapshot(
  db: Kysely<Database>,
  row: { tenant_id: string; device_id: string; snapshot: string; updated_at: string },
): Promise<void> {
  await db
    .insertInto('snapshots')
    .values(row)
    .onConflict((oc) =>
      oc.column('device_id').doUpdateSet({ snapshot: row.snapshot, updated_at: row.updated_at }),
    )
    .execute();
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
