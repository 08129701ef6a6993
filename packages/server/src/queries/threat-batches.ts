import type { Kysely } from 'kysely';
import type { Database, ThreatsTable } from '../db/types.ts';

/** Rows per multi-row INSERT (17 columns each: far below every parameter limit). */
const INSERT_CHUNK = 50;
/** Ids per `IN (…)` list. */
const ID_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** Inserts threat rows with multi-row INSERTs. */
export async function insertThreats(db: Kysely<Database>, rows: readonly ThreatsTable[]): Promise<void> {
  for (const chunk of chunks(rows, INSERT_CHUNK)) await db.insertInto('threats').values(chunk).execute();
}

/** Sets the same columns on several threats of the tenant in one UPDATE. */
export async function updateThreatsByIds(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
  changes: Partial<Pick<ThreatsTable, 'state' | 'last_seen' | 'resolved_at'>>,
): Promise<void> {
  for (const chunk of chunks(ids, ID_CHUNK)) {
    await db
      .updateTable('threats')
      .set(changes)
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', chunk)
      .execute();
  }
}

/**
 * Resolves the given threats of the tenant that are still `active` (an ignored threat stays
 * ignored, as in a report's diff); returns the ids it resolved.
 */
export async function resolveActiveThreats(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
  at: string,
): Promise<string[]> {
  const out: string[] = [];
  for (const chunk of chunks(ids, ID_CHUNK)) {
    const rows = await db
      .updateTable('threats')
      .set({ state: 'resolved', resolved_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', chunk)
      .where('state', '=', 'active')
      .returning('id')
      .execute();
    for (const row of rows) out.push(row.id);
  }
  return out;
}
