import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/types.ts';

/** How many outbox rows exist (tests, metrics). */
export async function countOutbox(db: Kysely<Database>): Promise<number> {
  const row = await sql<{ n: number | string }>`select count(*) as n from outbox`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}
