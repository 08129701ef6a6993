import { type Kysely, sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import type { Database } from '../src/db/types.ts';

/** A table of the live schema with its columns (read from the database, not from our types). */
export interface ScannedTable {
  readonly table: string;
  readonly columns: readonly string[];
}

/** Every table of the migrated database (migration bookkeeping aside), with its columns. */
export async function listSchemaTables(db: Db): Promise<ScannedTable[]> {
  const kysely: Kysely<Database> = db.db;
  const pairs =
    db.dialect === 'sqlite'
      ? (
          await sql<{ table: string; column: string }>`select m.name as "table", p.name as "column"
            from sqlite_master m join pragma_table_info(m.name) p
            where m.type = 'table' and m.name not like 'sqlite_%'`.execute(kysely)
        ).rows
      : (
          await sql<{ table: string; column: string }>`select table_name as "table", column_name as "column"
            from information_schema.columns where table_schema = current_schema()`.execute(kysely)
        ).rows;
  const byTable = new Map<string, string[]>();
  for (const { table, column } of pairs) {
    if (table.startsWith('kysely_migration')) continue;
    byTable.set(table, [...(byTable.get(table) ?? []), column]);
  }
  return [...byTable]
    .map(([table, columns]) => ({ table, columns }))
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** A row found by {@link findRowsContaining}: its table, the row and the value it contains. */
export interface FoundRow {
  readonly table: string;
  readonly row: Record<string, unknown>;
  readonly value: string;
  readonly column: string;
}

/**
 * Every row of every table where some column, read as text, contains one of `values`
 * (case-insensitive). Scans the whole database: for tests only.
 */
export async function findRowsContaining(db: Db, values: readonly string[]): Promise<FoundRow[]> {
  const kysely: Kysely<Database> = db.db;
  const found: FoundRow[] = [];
  for (const { table, columns } of await listSchemaTables(db)) {
    for (const column of columns) {
      for (const value of values) {
        const text =
          db.dialect === 'sqlite' ? sql`cast(${sql.ref(column)} as text)` : sql`${sql.ref(column)}::text`;
        const rows = (
          await sql<Record<string, unknown>>`select * from ${sql.table(table)}
            where lower(${text}) like ${`%${value.toLowerCase()}%`}`.execute(kysely)
        ).rows;
        for (const row of rows)
          if (String(row[column]).toLowerCase().includes(value.toLowerCase()))
            found.push({ table, row, value, column });
      }
    }
  }
  return found;
}
