import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database, Role } from '../db/types.ts';

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

/** One live (not revoked) token of the tenant, or `undefined`. */
export async function findLiveApiTokenById(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<ApiTokenRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** How many live tokens of `role` the tenant has. */
export async function countLiveApiTokensOfRole(
  db: Kysely<Database>,
  tenantId: string,
  role: Role,
): Promise<number> {
  const row = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('role', '=', role)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Changes a live token (name, role, or `revoked_at` to revoke it), only while it still has
 * `expectedRole`, the role the caller was checked against, so a concurrent role change cannot slip
 * past that check; `false` when no live token matched.
 */
export async function updateLiveApiToken(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  expectedRole: Role,
  change: { readonly name?: string; readonly role?: Role; readonly revoked_at?: string },
): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set(change)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('role', '=', expectedRole)
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
