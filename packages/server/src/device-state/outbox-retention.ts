import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { deleteDeliveredOutbox } from '../queries/outbox.ts';

const DAY_MS = 86_400_000;
const BATCH = 1000;

/**
 * Bounded retention of delivered outbox rows: deletes those delivered more than `retentionDays`
 * before `now`, in batches, and returns how many went. Rows not yet delivered stay.
 */
export async function pruneDeliveredOutbox(
  db: Kysely<Database>,
  retentionDays: number,
  now: Date,
): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  let total = 0;
  for (;;) {
    const deleted = await deleteDeliveredOutbox(db, before, BATCH);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
