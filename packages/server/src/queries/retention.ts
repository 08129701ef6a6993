import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';

/** A table retention deletes from, and which of its rows are due for one tenant before `cutoff`. */
export interface RetentionTarget {
  readonly table: string;
  /** Selects `oldest`: the oldest age-deciding time among the rows this kind covers, over every tenant. */
  readonly oldest: RawBuilder<{ oldest: string | null }>;
  readonly due: (tenantId: string, cutoff: string) => RawBuilder<unknown>;
}

/**
 * Deletes up to `limit` due rows in one statement, by physical row id (`rowid` on SQLite, `ctid`
 * on PostgreSQL: every table has one, composite keys included), and returns how many went.
 */
export async function deleteDueBatch(
  db: Kysely<Database>,
  dialect: DialectName,
  target: RetentionTarget,
  tenantId: string,
  cutoff: string,
  limit: number,
): Promise<number> {
  const rowId = sql.raw(dialect === 'postgres' ? 'ctid' : 'rowid');
  const table = sql.table(target.table);
  const result =
    await sql`delete from ${table} where ${rowId} in (select ${rowId} from ${table} where ${target.due(tenantId, cutoff)} limit ${limit})`.execute(
      db,
    );
  return Number(result.numAffectedRows ?? 0n);
}

/** How many rows are due (dry runs). */
export async function countDue(
  db: Kysely<Database>,
  target: RetentionTarget,
  tenantId: string,
  cutoff: string,
): Promise<number> {
  const result = await sql<{
    n: number | string;
  }>`select count(*) as n from ${sql.table(target.table)} where ${target.due(tenantId, cutoff)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/** The oldest age-deciding time of the target's rows over every tenant (`undefined`: no rows). */
export async function findOldest(db: Kysely<Database>, target: RetentionTarget): Promise<string | undefined> {
  const result = await target.oldest.execute(db);
  return result.rows[0]?.oldest ?? undefined;
}

/** Every tenant id. */
export async function listTenantIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('tenants').select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}
