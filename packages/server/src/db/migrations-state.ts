import type { Kysely } from 'kysely';

/**
 * `device.state-changed` events carry a sequence number per device so a consumer can order them
 * and notice a gap. The counter lives on the device row: every path that emits the event
 * increments it in the same statement that writes the new state (see `device-state/`).
 */
export async function upStateSequence(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('devices')
    .addColumn('state_sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function downStateSequence(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('devices').dropColumn('state_sequence').execute();
}
