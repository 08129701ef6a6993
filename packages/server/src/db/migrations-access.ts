import type { Kysely } from 'kysely';

/**
 * Conditional access storage. The initial `resources` and `access_policies` tables had a global
 * primary key on `id`, so two tenants could not both name a resource `exchange`; nothing used
 * them yet, so they are recreated keyed by (tenant_id, id). `access_log` keeps denials and
 * report-only "would deny" outcomes for the admin API.
 */
export async function upAccess(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('resources').ifExists().execute();
  await db.schema.dropTable('access_policies').ifExists().execute();
  await db.schema
    .createTable('resources')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('resources_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('access_policies')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_policies_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('access_log')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_log_tenant_at')
    .on('access_log')
    .columns(['tenant_id', 'at', 'id'])
    .execute();
}

/** Reverts {@link upAccess} (the recreated tables get their original global key back). */
export async function downAccess(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_log').ifExists().execute();
  await db.schema.dropTable('access_policies').ifExists().execute();
  await db.schema.dropTable('resources').ifExists().execute();
  await db.schema
    .createTable('access_policies')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('resources')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
