import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from '../db/types.ts';

export type ApiTokenRow = Selectable<ApiTokensTable>;

/** Inserts an API token row (only its hash and prefix). */
export async function insertApiToken(db: Kysely<Database>, row: ApiTokensTable): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

/**
 * Live tokens with this lookup prefix, in any tenant: this is the authentication step that
 * establishes the tenant, so it cannot filter by one.
 */
export async function findLiveApiTokensByPrefix(
  db: Kysely<Database>,
  prefix: string,
): Promise<ApiTokenRow[]> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('prefix', '=', prefix)
    .where('revoked_at', 'is', null)
    .limit(5)
    .execute();
}

/** The tenant's tokens, newest first. */
export async function listApiTokens(db: Kysely<Database>, tenantId: string): Promise<ApiTokenRow[]> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Revokes one token of the tenant; `false` when there is no such live token. */
export async function revokeApiToken(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Records when a token was last used. */
export async function touchApiToken(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  at: string,
): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}
