import type { Kysely } from 'kysely';
import type { Database, DeviceHistoryTable, OutboxTable } from '../db/types.ts';

/** Appends one device state change. */
export async function insertDeviceHistory(db: Kysely<Database>, row: DeviceHistoryTable): Promise<void> {
  await db.insertInto('device_history').values(row).execute();
}

/** The device's state changes, newest first. */
export async function listDeviceHistory(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  limit: number,
): Promise<DeviceHistoryTable[]> {
  return db
    .selectFrom('device_history')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Queues one outbound event (delivered later by outbox workers). */
export async function insertOutboxEvent(
  db: Kysely<Database>,
  row: Omit<OutboxTable, 'attempts' | 'delivered_at' | 'last_error'>,
): Promise<void> {
  await db.insertInto('outbox').values(row).execute();
}
