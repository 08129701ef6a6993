import { type Kysely, sql } from 'kysely';

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

/**
 * `devices.reevaluate_at`: the earliest time the device's state can change without a new report
 * or an admin change (the engine's `reevaluateAt`: it becomes unresponsive, a grace period ends, an
 * action falls due, its patch level gets too old). The state timer (`device-state/state-timer.ts`)
 * reads due devices through this index (`reevaluate_at <= now`, oldest first), so a tick costs an
 * index range read of the due devices, not a scan of the fleet. Existing live devices that have
 * reported are due at once (the epoch), so the first ticks after the upgrade rate each of them
 * once, in batches. A device that never reported stays `unknown` and is not due.
 */
export async function upReevaluateAt(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('devices').addColumn('reevaluate_at', 'text').execute();
  await sql`update devices set reevaluate_at = ${EPOCH}
    where retired_at is null and id in (select device_id from snapshots)`.execute(db);
  await db.schema.createIndex('devices_reevaluate_at').on('devices').column('reevaluate_at').execute();
}

export async function downReevaluateAt(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('devices_reevaluate_at').ifExists().execute();
  await db.schema.alterTable('devices').dropColumn('reevaluate_at').execute();
}

const EPOCH = '1970-01-01T00:00:00.000Z';
