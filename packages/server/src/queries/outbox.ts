import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/types.ts';

/**
 * Deletes up to `limit` outbox rows delivered before `before` (ISO time) and returns how many it
 * deleted. Undelivered rows are never deleted, whatever their age: at-least-once delivery keeps
 * them until a worker delivers them. Batched so one call never holds a long lock.
 */
export async function deleteDeliveredOutbox(
  db: Kysely<Database>,
  before: string,
  limit: number,
): Promise<number> {
  const result = await db
    .deleteFrom('outbox')
    .where(
      'id',
      'in',
      db
        .selectFrom('outbox')
        .select('id')
        .where('delivered_at', 'is not', null)
        .where('delivered_at', '<', before)
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many outbox rows exist (tests, metrics). */
export async function countOutbox(db: Kysely<Database>): Promise<number> {
  const row = await sql<{ n: number | string }>`select count(*) as n from outbox`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}
