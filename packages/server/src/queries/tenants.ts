import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database, TenantsTable } from '../db/types.ts';

/** Inserts a tenant row. */
export async function insertTenant(db: Kysely<Database>, tenant: TenantsTable): Promise<void> {
  await db.insertInto('tenants').values(tenant).execute();
}

/** The tenant with `id`, or `undefined`. */
export async function findTenantById(db: Kysely<Database>, id: string): Promise<TenantsTable | undefined> {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every tenant, oldest first (for CLI tools such as `audit verify`). */
export async function listTenants(db: Kysely<Database>): Promise<TenantsTable[]> {
  return db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').execute();
}

/**
 * Serialises writers of one tenant inside a transaction: `SELECT … FOR UPDATE` on the tenant row
 * on PostgreSQL. SQLite needs nothing: Kysely runs one transaction at a time on its connection
 * and SQLite itself has a single writer.
 */
export async function lockTenant(
  trx: Kysely<Database>,
  dialect: DialectName,
  tenantId: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select id from tenants where id = ${tenantId} for update`.execute(trx);
}
