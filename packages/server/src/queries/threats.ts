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

/** Filters for {@link listThreats}. */
export interface ThreatFilter {
  readonly state?: ThreatState;
  readonly deviceId?: string;
  readonly typeId?: string;
  readonly risk?: string;
}

/** One page of the tenant's threats ordered by id, after the `after` cursor. */
export async function listThreats(
  db: Kysely<Database>,
  tenantId: string,
  filter: ThreatFilter,
  page: { readonly limit: number; readonly after?: string },
): Promise<ThreatRow[]> {
  let query = db.selectFrom('threats').selectAll().where('tenant_id', '=', tenantId);
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.deviceId !== undefined) query = query.where('device_id', '=', filter.deviceId);
  if (filter.typeId !== undefined) query = query.where('type_id', '=', filter.typeId);
  if (filter.risk !== undefined) query = query.where('risk', '=', filter.risk);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  return query.orderBy('id').limit(page.limit).execute();
}

/** One threat of the tenant, or `undefined`. */
export async function findThreatById(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<ThreatRow | undefined> {
  return db
    .selectFrom('threats')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}
