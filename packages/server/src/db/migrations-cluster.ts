import type { Kysely } from 'kysely';

/**
 * One row per kind of shared state that nodes keep copies of (`intel`, `config:<tenant>`,
 * `devices:<tenant>`): its version rises with every committed change. Nodes compare it with the
 * version they hold (on every report for intel, on a short poll on SQLite, on LISTEN (re)connect on
 * PostgreSQL), so a change made by another process reaches them. `version` is indexed: the SQLite
 * poll reads only the rows newer than the highest it has seen.
 */
export async function upClusterVersions(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cluster_versions')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cluster_versions_version').on('cluster_versions').column('version').execute();
}

export async function downClusterVersions(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cluster_versions').ifExists().execute();
}
