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
