import { type Kysely, sql } from 'kysely';
import { normalizeHostPattern } from '../queries/access-host-claims.ts';

/**
 * One tenant per enforcement request (issue 11.2). `proxy_credentials` holds each tenant's proxy
 * credentials (the SHA-256 of the `rgps_…` secret, never the secret) with the one identity header
 * the proxy sets; `access_host_claims` gives every host pattern a resource names to one tenant, so
 * a second tenant cannot claim the same host. Existing resources' hosts are claimed in creation
 * order: when two tenants named the same host before, the first keeps it and the other's resource
 * keeps working only for its own tenant's requests (which it always did) until it is edited.
 */
export async function upAccessBinding(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('proxy_credentials')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('proxy_credentials_tenant')
    .on('proxy_credentials')
    .columns(['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('access_host_claims')
    .addColumn('host', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_host_claims_tenant')
    .on('access_host_claims')
    .columns(['tenant_id', 'host'])
    .execute();
  const rows = await sql<{ tenant_id: string; doc: string }>`
    select tenant_id, doc from resources order by created_at, tenant_id, id`.execute(db);
  for (const row of rows.rows) {
    for (const host of hostsOfDoc(row.doc)) {
      await sql`insert into access_host_claims (host, tenant_id)
        values (${host}, ${row.tenant_id}) on conflict (host) do nothing`.execute(db);
    }
  }
}

/** The lower-cased host patterns of a stored resource document (none when it is not JSON). */
function hostsOfDoc(doc: string): string[] {
  try {
    const value: unknown = JSON.parse(doc);
    const hosts = typeof value === 'object' && value !== null ? (value as { hosts?: unknown }).hosts : [];
    return Array.isArray(hosts)
      ? hosts.filter((h): h is string => typeof h === 'string').map(normalizeHostPattern)
      : [];
  } catch {
    return [];
  }
}

export async function downAccessBinding(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_host_claims').ifExists().execute();
  await db.schema.dropTable('proxy_credentials').ifExists().execute();
}
