import type { Kysely } from 'kysely';
import type { Database, DeviceCasTable } from '../db/types.ts';

/** The tenant's device CA, or `undefined` before first use. */
export async function findDeviceCa(
  db: Kysely<Database>,
  tenantId: string,
): Promise<DeviceCasTable | undefined> {
  return db.selectFrom('device_cas').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

/** Inserts the CA unless another request created one first; `false` when it lost that race. */
export async function insertDeviceCa(db: Kysely<Database>, row: DeviceCasTable): Promise<boolean> {
  const result = await db
    .insertInto('device_cas')
    .values(row)
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
