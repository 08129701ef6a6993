import type { Kysely } from 'kysely';

/**
 * The admin device list filters by exact user. Without an index PostgreSQL scanned every device of
 * the tenant for it: p99 857 ms at 1,000,000 devices in `npm run bench -- scale`, where every
 * other filter stayed at 54–118 ms.
 */
export async function upDevicesByUser(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('devices_tenant_user').on('devices').columns(['tenant_id', 'user']).execute();
}

export async function downDevicesByUser(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('devices_tenant_user').ifExists().execute();
}

/**
 * The device list pages by id under a risk-level filter. With `(tenant_id, risk_level)` PostgreSQL
 * walked the primary key and filtered (p99 274 ms for "risk level high" at 1,000,000 devices in
 * `npm run bench -- scale`); with `id` as the index's last column it reads the page in order.
 */
export async function upDevicesByRiskAndId(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('devices_tenant_risk_id')
    .on('devices')
    .columns(['tenant_id', 'risk_level', 'id'])
    .execute();
  await db.schema.dropIndex('devices_tenant').execute();
}

export async function downDevicesByRiskAndId(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('devices_tenant').on('devices').columns(['tenant_id', 'risk_level']).execute();
  await db.schema.dropIndex('devices_tenant_risk_id').execute();
}
