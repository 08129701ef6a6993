import type { Kysely } from 'kysely';
import type { Database, ServerKeysTable } from '../db/types.ts';

/** The server key called `name`, or `undefined` before it was first made. */
export async function findServerKey(
  db: Kysely<Database>,
  name: string,
): Promise<ServerKeysTable | undefined> {
  return db.selectFrom('server_keys').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Inserts the key unless another node made one first; `false` when it lost that race. */
export async function insertServerKey(db: Kysely<Database>, row: ServerKeysTable): Promise<boolean> {
  const result = await db
    .insertInto('server_keys')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Every server key whose name starts with `prefix`, oldest first. */
export async function listServerKeysNamed(db: Kysely<Database>, prefix: string): Promise<ServerKeysTable[]> {
  const rows = await db
    .selectFrom('server_keys')
    .selectAll()
    .where('name', 'like', `${prefix}%`)
    .orderBy('created_at')
    .execute();
  // LIKE's `_` and `%` match more than themselves: keep exact prefixes only.
  return rows.filter((row) => row.name.startsWith(prefix));
}

/** Replaces the key called `name` (key rotation; the caller retired the old one first). */
export async function replaceServerKey(db: Kysely<Database>, row: ServerKeysTable): Promise<void> {
  await db
    .updateTable('server_keys')
    .set({
      algorithm: row.algorithm,
      public_key_pem: row.public_key_pem,
      key_sealed: row.key_sealed,
      created_at: row.created_at,
    })
    .where('name', '=', row.name)
    .execute();
}
