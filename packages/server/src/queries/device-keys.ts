import type { Kysely, Updateable } from 'kysely';
import type { Database, DevicesTable } from '../db/types.ts';

/**
 * Re-enrollment's write: replaces the device's key and certificate only while it is live and still
 * holds `expectedSerial` (the certificate the request was authorised against), so a concurrent
 * retire or re-enrollment is never overwritten; `false` when the row changed meanwhile.
 */
export async function replaceDeviceKey(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  expectedSerial: string,
  changes: Updateable<DevicesTable>,
): Promise<boolean> {
  const result = await db
    .updateTable('devices')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .where('cert_serial', '=', expectedSerial)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
