import type { Kysely, Selectable } from 'kysely';
import type { Database, ProxyCredentialsTable } from '../db/types.ts';

export type ProxyCredentialRow = Selectable<ProxyCredentialsTable>;

/** Every tenant's proxy credentials (the check path keeps them in memory, keyed by hash). */
export function listAllProxyCredentials(
  db: Kysely<Database>,
): Promise<Pick<ProxyCredentialRow, 'tenant_id' | 'id' | 'integration' | 'secret_hash'>[]> {
  return db
    .selectFrom('proxy_credentials')
    .select(['tenant_id', 'id', 'integration', 'secret_hash'])
    .execute();
}

/** One tenant's proxy credentials, oldest first. */
export function listProxyCredentials(db: Kysely<Database>, tenantId: string): Promise<ProxyCredentialRow[]> {
  return db
    .selectFrom('proxy_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function insertProxyCredential(db: Kysely<Database>, row: ProxyCredentialsTable): Promise<void> {
  await db.insertInto('proxy_credentials').values(row).execute();
}

/** Deletes one of the tenant's proxy credentials; `false` when there is none. */
export async function deleteProxyCredential(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('proxy_credentials')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
