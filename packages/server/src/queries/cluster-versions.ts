import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';

/** A scope's version as stored. */
export interface ClusterVersionRow {
  readonly scope: string;
  readonly version: number;
}

/**
 * Raises a scope's version inside the caller's transaction and returns it. The new version is above
 * every version stored (so on SQLite, where writers take turns, versions grow in commit order and a
 * poll reads `version > highest seen`) and above the scope's own (two PostgreSQL transactions that
 * read the same maximum still give the scope a higher version than it had).
 */
export async function bumpClusterVersion(
  trx: Kysely<Database>,
  dialect: DialectName,
  scope: string,
): Promise<number> {
  const larger = dialect === 'postgres' ? sql.raw('greatest') : sql.raw('max');
  const result = await sql<{ version: number | string }>`
    insert into cluster_versions (scope, version)
    values (${scope}, (select coalesce(max(version), 0) + 1 from cluster_versions))
    on conflict (scope) do update
      set version = ${larger}(excluded.version, cluster_versions.version + 1)
    returning version`.execute(trx);
  return Number(result.rows[0]?.version ?? 0);
}

/** One scope's version; 0 when it never changed. */
export async function findClusterVersion(db: Kysely<Database>, scope: string): Promise<number> {
  const row = await db
    .selectFrom('cluster_versions')
    .select('version')
    .where('scope', '=', scope)
    .executeTakeFirst();
  return row === undefined ? 0 : Number(row.version);
}

/** The scopes whose version is above `after` (all of them with `after` 0), lowest first. */
export async function listClusterVersionsAfter(
  db: Kysely<Database>,
  after: number,
): Promise<ClusterVersionRow[]> {
  const rows = await db
    .selectFrom('cluster_versions')
    .select(['scope', 'version'])
    .where('version', '>', after)
    .orderBy('version')
    .execute();
  return rows.map((row) => ({ scope: row.scope, version: Number(row.version) }));
}
