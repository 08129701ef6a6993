import type { Kysely } from 'kysely';

/**
 * `reenrollment_approvals`: an admin's single-use, short-lived permission to re-enroll one device
 * with a new key without its current key (issue 11.1).
 * `revoked_certificates`: every device certificate revoked (retire, re-enrollment), the source of
 * the tenant's CRL and status endpoint and of the access check's refusal, whatever the device row
 * says.
 */
export async function upDeviceIdentity(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reenrollment_approvals')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .execute();
  await db.schema
    .createIndex('reenrollment_approvals_device')
    .on('reenrollment_approvals')
    .columns(['tenant_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('revoked_certificates')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('revoked_certificates_pk', ['tenant_id', 'serial'])
    .execute();
  await db.schema
    .createIndex('revoked_certificates_fingerprint')
    .on('revoked_certificates')
    .column('fingerprint')
    .execute();
}

export async function downDeviceIdentity(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('revoked_certificates').ifExists().execute();
  await db.schema.dropTable('reenrollment_approvals').ifExists().execute();
}
