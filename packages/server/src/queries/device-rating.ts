import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, DeviceHistoryTable, DevicesTable, OutboxTable } from '../db/types.ts';

/** Which devices of a tenant a bulk re-rating looks at. */
export type RatingScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  /** Devices holding an active or ignored threat of this type. */
  | { readonly kind: 'type'; readonly typeId: string }
  /** Devices holding an active or ignored threat of this family (compared lower-cased). */
  | { readonly kind: 'family'; readonly family: string };

/** A live device with the highest risk rank (0–3) among its active threats. */
export interface RatedDeviceRow {
  readonly id: string;
  readonly risk_level: DevicesTable['risk_level'];
  readonly compliance_state: DevicesTable['compliance_state'];
  readonly labels: string;
  readonly rank: number;
}

/** Rank of a threat risk in SQL: none 0, low 1, medium 2, high 3. */
const RANK_SQL = sql<number>`max(case risk when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end)`;

function scopeFilter(tenantId: string, scope: RatingScope): RawBuilder<unknown> {
  switch (scope.kind) {
    case 'all':
      return sql`1 = 1`;
    case 'ids':
      return scope.ids.length === 0
        ? sql`1 = 0`
        : sql`d.id in (${sql.join(scope.ids.map((id) => sql`${id}`))})`;
    case 'type':
      return sql`d.id in (select device_id from threats where tenant_id = ${tenantId} and type_id = ${scope.typeId} and state <> 'resolved')`;
    case 'family':
      return sql`d.id in (select device_id from threats where tenant_id = ${tenantId} and lower(family) = ${scope.family.toLowerCase()} and state <> 'resolved')`;
  }
}

/**
 * One query for every device in scope: its stored level and labels, and the highest risk rank of
 * its active threats (a GROUP BY over active threats joined to devices). No per-device round trip.
 */
export async function listDeviceRanks(
  db: Kysely<Database>,
  tenantId: string,
  scope: RatingScope,
): Promise<RatedDeviceRow[]> {
  const result = await sql<RatedDeviceRow>`
    select d.id, d.risk_level, d.compliance_state, d.labels, coalesce(t.rank, 0) as rank
    from devices d
    left join (
      select device_id, ${RANK_SQL} as rank from threats
      where tenant_id = ${tenantId} and state = 'active'
      group by device_id
    ) t on t.device_id = d.id
    where d.tenant_id = ${tenantId} and d.retired_at is null and ${scopeFilter(tenantId, scope)}
  `.execute(db);
  return result.rows.map((row) => ({ ...row, rank: Number(row.rank) }));
}

/** New state of one device, written by {@link updateDeviceStates}. */
export interface DeviceStateUpdate {
  readonly id: string;
  readonly riskLevel: DevicesTable['risk_level'];
  readonly labels: string;
  readonly complianceState: DevicesTable['compliance_state'];
  readonly noncompliantSince: string | null;
}

const CHUNK = 400;

/**
 * Writes many devices' state with one `UPDATE … FROM (VALUES …)` per chunk of 400 rows
 * (SQLite ≥ 3.33 and PostgreSQL), instead of one statement per device.
 */
export async function updateDeviceStates(
  db: Kysely<Database>,
  tenantId: string,
  updates: readonly DeviceStateUpdate[],
): Promise<void> {
  for (let start = 0; start < updates.length; start += CHUNK) {
    const chunk = updates.slice(start, start + CHUNK);
    const values = sql.join(
      chunk.map(
        (u) =>
          sql`(${u.id}, ${u.riskLevel}, ${u.labels}, ${u.complianceState}, ${u.noncompliantSince ?? ''})`,
      ),
    );
    await sql`
      with v(id, risk_level, labels, compliance_state, noncompliant_since) as (values ${values})
      update devices set
        risk_level = v.risk_level,
        labels = v.labels,
        compliance_state = v.compliance_state,
        noncompliant_since = nullif(v.noncompliant_since, '')
      from v
      where devices.tenant_id = ${tenantId} and devices.id = v.id
    `.execute(db);
  }
}

/** Inserts history rows with multi-row INSERTs of 200. */
export async function insertHistoryRows(
  db: Kysely<Database>,
  rows: readonly DeviceHistoryTable[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 200)
    await db
      .insertInto('device_history')
      .values(rows.slice(start, start + 200))
      .execute();
}

/** Queues outbox events with multi-row INSERTs of 200. */
export async function insertOutboxRows(
  db: Kysely<Database>,
  rows: readonly Omit<OutboxTable, 'attempts' | 'delivered_at' | 'last_error'>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 200)
    await db
      .insertInto('outbox')
      .values(rows.slice(start, start + 200))
      .execute();
}

/** Devices with their stored snapshot JSON (or null), for compliance and re-assessment. */
export async function listDevicesWithSnapshots(
  db: Kysely<Database>,
  tenantId: string,
  page: { readonly ids?: readonly string[]; readonly after?: string; readonly limit: number },
) {
  let query = db
    .selectFrom('devices as d')
    .leftJoin('snapshots as s', 's.device_id', 'd.id')
    .selectAll('d')
    .select('s.snapshot')
    .where('d.tenant_id', '=', tenantId)
    .where('d.retired_at', 'is', null);
  if (page.ids !== undefined) {
    if (page.ids.length === 0) return [];
    query = query.where('d.id', 'in', page.ids);
  }
  if (page.after !== undefined) query = query.where('d.id', '>', page.after);
  return query.orderBy('d.id').limit(page.limit).execute();
}
