import type { Kysely, Selectable } from 'kysely';
import type { Database, ReenrollmentApprovalsTable } from '../db/types.ts';

export type ReenrollmentApprovalRow = Selectable<ReenrollmentApprovalsTable>;

/** Stores an approval. */
export async function insertReenrollmentApproval(
  db: Kysely<Database>,
  row: ReenrollmentApprovalsTable,
): Promise<void> {
  await db.insertInto('reenrollment_approvals').values(row).execute();
}

/** The oldest unused, unexpired approval for the device, or `undefined`. */
export async function findLiveReenrollmentApproval(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  at: string,
): Promise<ReenrollmentApprovalRow | undefined> {
  return db
    .selectFrom('reenrollment_approvals')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', at)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
}

/** Uses the approval up; `false` when it was used meanwhile or has expired (exactly one use wins). */
export async function consumeReenrollmentApproval(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('reenrollment_approvals')
    .set({ consumed_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
