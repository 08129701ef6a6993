import type { Kysely } from 'kysely';

/**
 * MDM webhook (issue 15.2, docs/mdm.md): `mdm_webhooks` holds each tenant's webhook secret (its
 * SHA-256: the secret has 256 random bits) and what to do with a device seen for the first time;
 * `mdm_devices` maps the MDM's device (UDID, serial number) to a Riskgate device of the tenant.
 */
export async function upMdm(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mdm_webhooks')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('auto_create', 'integer', (c) => c.notNull())
    .addColumn('ownership', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('mdm_devices')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('udid', 'text', (c) => c.notNull())
    .addColumn('serial_number', 'text')
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('supervised', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_event_at', 'text', (c) => c.notNull())
    .addColumn('checked_out_at', 'text')
    .addPrimaryKeyConstraint('mdm_devices_pkey', ['tenant_id', 'udid'])
    .execute();
  await db.schema
    .createIndex('mdm_devices_tenant_serial')
    .on('mdm_devices')
    .columns(['tenant_id', 'serial_number'])
    .execute();
}

export async function downMdm(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mdm_devices').ifExists().execute();
  await db.schema.dropTable('mdm_webhooks').ifExists().execute();
}
