import type { Kysely, Selectable } from 'kysely';
import type { Database, MdmDevicesTable, MdmWebhooksTable } from '../db/types.ts';

export type MdmWebhookRow = Selectable<MdmWebhooksTable>;
export type MdmDeviceRow = Selectable<MdmDevicesTable>;

/** The tenant's MDM webhook, or `undefined` when none is configured. */
export async function findMdmWebhook(
  db: Kysely<Database>,
  tenantId: string,
): Promise<MdmWebhookRow | undefined> {
  return db.selectFrom('mdm_webhooks').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

/** Creates or replaces the tenant's MDM webhook. */
export async function upsertMdmWebhook(db: Kysely<Database>, row: MdmWebhookRow): Promise<void> {
  await db
    .insertInto('mdm_webhooks')
    .values(row)
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet({
        secret_hash: row.secret_hash,
        auto_create: row.auto_create,
        ownership: row.ownership,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** Deletes the tenant's MDM webhook; `false` when there was none. */
export async function deleteMdmWebhook(db: Kysely<Database>, tenantId: string): Promise<boolean> {
  const result = await db.deleteFrom('mdm_webhooks').where('tenant_id', '=', tenantId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The mapping of an MDM device of the tenant by UDID, or `undefined`. */
export async function findMdmDevice(
  db: Kysely<Database>,
  tenantId: string,
  udid: string,
): Promise<MdmDeviceRow | undefined> {
  return db
    .selectFrom('mdm_devices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('udid', '=', udid)
    .executeTakeFirst();
}

/** Inserts a mapping unless one exists for the UDID (a concurrent first sight); `true` when inserted. */
export async function insertMdmDevice(db: Kysely<Database>, row: MdmDeviceRow): Promise<boolean> {
  const result = await db
    .insertInto('mdm_devices')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'udid']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Updates what an event taught about a mapped device. */
export async function updateMdmDevice(
  db: Kysely<Database>,
  tenantId: string,
  udid: string,
  changes: Partial<Pick<MdmDeviceRow, 'serial_number' | 'supervised' | 'last_event_at' | 'checked_out_at'>>,
): Promise<void> {
  await db
    .updateTable('mdm_devices')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('udid', '=', udid)
    .execute();
}

/** The tenant's mapped MDM devices, by UDID. */
export async function listMdmDevices(db: Kysely<Database>, tenantId: string): Promise<MdmDeviceRow[]> {
  return db.selectFrom('mdm_devices').selectAll().where('tenant_id', '=', tenantId).orderBy('udid').execute();
}
