import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

/** A tenant setting's JSON text, or `undefined`. */
export async function findSetting(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

/** Creates or replaces a tenant setting. */
export async function upsertSetting(
  db: Kysely<Database>,
  tenantId: string,
  key: string,
  value: string,
  at: string,
): Promise<void> {
  await db
    .insertInto('settings')
    .values({ tenant_id: tenantId, key, value, updated_at: at })
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doUpdateSet({ value, updated_at: at }))
    .execute();
}
