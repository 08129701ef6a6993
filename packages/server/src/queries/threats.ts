import type { Kysely, Selectable } from 'kysely';
import type { Database, ThreatState, ThreatsTable } from '../db/types.ts';

export type ThreatRow = Selectable<ThreatsTable>;

/** The device's threats in the given states, oldest first. */
export async function listDeviceThreats(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  states: readonly ThreatState[],
): Promise<ThreatRow[]> {
  if (states.length === 0) return [];
  return db
    .selectFrom('threats')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('state', 'in', states)
    .orderBy('first_seen')
    .orderBy('id')
    .execute();
}
