import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, DevicesTable } from '../db/types.ts';

export type DeviceRow = Selectable<DevicesTable>;

/** Inserts a newly enrolled device. */
export async function insertDevice(db: Kysely<Database>, row: Insertable<DevicesTable>): Promise<void> {
  await db.insertInto('devices').values(row).execute();
}

/** One device of the tenant, or `undefined` (also for other tenants' ids). */
export async function findDeviceById(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<DeviceRow | undefined> {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Updates some columns of one device of the tenant; `false` when there is no such device. */
export async function updateDevice(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  changes: Updateable<DevicesTable>,
): Promise<boolean> {
  const result = await db
    .updateTable('devices')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Filters for {@link listDevices}; every field is optional. */
export interface DeviceFilter {
  readonly user?: string;
  readonly model?: string;
  readonly riskLevel?: DevicesTable['risk_level'];
  readonly complianceState?: DevicesTable['compliance_state'];
  readonly label?: string;
  readonly seenBefore?: string;
  readonly seenAfter?: string;
  readonly includeRetired?: boolean;
}

/** One page of the tenant's devices ordered by id, after the `after` cursor. */
export async function listDevices(
  db: Kysely<Database>,
  tenantId: string,
  filter: DeviceFilter,
  page: { readonly limit: number; readonly after?: string },
): Promise<DeviceRow[]> {
  let query = db.selectFrom('devices').selectAll().where('tenant_id', '=', tenantId);
  if (filter.user !== undefined) query = query.where('user', '=', filter.user);
  if (filter.model !== undefined) query = query.where('model', '=', filter.model);
  if (filter.riskLevel !== undefined) query = query.where('risk_level', '=', filter.riskLevel);
  if (filter.complianceState !== undefined)
    query = query.where('compliance_state', '=', filter.complianceState);
  // Labels are a JSON array of strings; matching the quoted label is exact and portable.
  if (filter.label !== undefined) query = query.where('labels', 'like', `%${JSON.stringify(filter.label)}%`);
  if (filter.seenBefore !== undefined) query = query.where('last_seen_at', '<', filter.seenBefore);
  if (filter.seenAfter !== undefined) query = query.where('last_seen_at', '>=', filter.seenAfter);
  if (filter.includeRetired !== true) query = query.where('retired_at', 'is', null);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  return query.orderBy('id').limit(page.limit).execute();
}

/** Counts live devices by risk level in every tenant (for the metrics gauge). */
export async function countDevicesByRisk(db: Kysely<Database>): Promise<{ risk: string; count: number }[]> {
  const rows = await db
    .selectFrom('devices')
    .select(['risk_level', (eb) => eb.fn.countAll<string | number>().as('count')])
    .where('retired_at', 'is', null)
    .groupBy('risk_level')
    .execute();
  return rows.map((row) => ({ risk: row.risk_level, count: Number(row.count) }));
}
