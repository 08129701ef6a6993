import type { Kysely } from 'kysely';

/**
 * `server_keys`: key pairs the deployment signs with (today: the audit checkpoint key). The
 * private key is sealed with the configured secret key, like the device CA keys, so a copy of the
 * database alone cannot sign.
 */
export async function upServerKeys(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('server_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function downServerKeys(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_keys').ifExists().execute();
}
