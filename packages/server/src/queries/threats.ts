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

/** Inserts a threat row. */
export async function insertThreat(db: Kysely<Database>, row: ThreatsTable): Promise<void> {
  await db.insertInto('threats').values(row).execute();
}

/** Replaces the mutable columns of one threat of the tenant. */
export async function updateThreat(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  changes: Partial<Omit<ThreatsTable, 'tenant_id' | 'id' | 'device_id' | 'key'>>,
): Promise<void> {
  await db
    .updateTable('threats')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** The tenant's threat-type risk overrides as `{ typeId: risk }`. */
export async function listThreatTypeOverrides(
  db: Kysely<Database>,
  tenantId: string,
): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('threat_type_overrides')
    .select(['type_id', 'risk'])
    .where('tenant_id', '=', tenantId)
    .execute();
  return Object.fromEntries(rows.map((row) => [row.type_id, row.risk]));
}
