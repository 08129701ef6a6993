import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

/** Records a nonce; `false` when the device already used it (a replay). */
export async function insertDeviceNonce(
  db: Kysely<Database>,
  row: { tenant_id: string; device_id: string; nonce: string; expires_at: string },
): Promise<boolean> {
  const result = await db
    .insertInto('device_nonces')
    .values(row)
    .onConflict((oc) => oc.columns(['device_id', 'nonce']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Forgets nonces past their window (called from time to time, any tenant). */
export async function deleteExpiredDeviceNonces(db: Kysely<Database>, now: string): Promise<number> {
  const result = await db.deleteFrom('device_nonces').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
