import type { Kysely, Selectable } from 'kysely';
import type { Database, EnrollmentTokensTable } from '../db/types.ts';

export type EnrollmentTokenRow = Selectable<EnrollmentTokensTable>;

/** Inserts an enrollment token row (hash and prefix only). */
export async function insertEnrollmentToken(db: Kysely<Database>, row: EnrollmentTokensTable): Promise<void> {
  await db.insertInto('enrollment_tokens').values(row).execute();
}

/** Tokens with this lookup prefix in any tenant (authentication establishes the tenant). */
export async function findEnrollmentTokensByPrefix(
  db: Kysely<Database>,
  prefix: string,
): Promise<EnrollmentTokenRow[]> {
  return db.selectFrom('enrollment_tokens').selectAll().where('prefix', '=', prefix).limit(5).execute();
}

/** The tenant's enrollment tokens, newest first. */
export async function listEnrollmentTokens(
  db: Kysely<Database>,
  tenantId: string,
): Promise<EnrollmentTokenRow[]> {
  return db
    .selectFrom('enrollment_tokens')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/**
 * Atomically takes one use of a token: a single conditional UPDATE, so two concurrent
 * enrollments can never both take the last use. `false` when expired, revoked or exhausted.
 */
export async function consumeEnrollmentToken(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('enrollment_tokens')
    .set((eb) => ({
      uses_left: eb
        .case()
        .when('uses_left', 'is', null)
        .then(null)
        .else(eb('uses_left', '-', 1))
        .end(),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where((eb) => eb.or([eb('uses_left', 'is', null), eb('uses_left', '>', 0)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes one token of the tenant; `false` when there is no such live token. */
export async function revokeEnrollmentToken(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('enrollment_tokens')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
