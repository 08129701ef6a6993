import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/types.ts';
import { newId } from '../ids.ts';
import { insertStateEvents } from '../queries/device-rating.ts';
import { type DeviceStateChanged, type StateChangeDraft, stateChangedEvent } from './events.ts';

/**
 * Writes one device's `device.state-changed` event (outbox and history) in the caller's
 * transaction. `sequence` is the device's new `state_sequence`, which the caller writes to the
 * device row in the same transaction while holding the row (report ingest locks it first; other
 * callers take it from {@link nextStateSequence}).
 */
export async function recordStateChange(
  trx: Kysely<Database>,
  draft: StateChangeDraft,
  sequence: number,
): Promise<DeviceStateChanged> {
  const eventId = newId('out');
  const event = stateChangedEvent(draft, eventId, sequence);
  await insertStateEvents(trx, [
    {
      tenantId: draft.tenantId,
      deviceId: draft.deviceId,
      eventId,
      historyId: newId('his'),
      at: draft.at,
      payload: JSON.stringify(event),
    },
  ]);
  return event;
}

/** Moves the device's event sequence on by one and returns it (the update locks the row). */
export async function nextStateSequence(
  trx: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<number> {
  const result = await sql<{ state_sequence: number | string }>`
    update devices set state_sequence = state_sequence + 1
    where tenant_id = ${tenantId} and id = ${deviceId}
    returning state_sequence
  `.execute(trx);
  return Number(result.rows[0]?.state_sequence ?? 0);
}
