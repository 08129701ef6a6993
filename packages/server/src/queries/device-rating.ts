import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, DevicesTable } from '../db/types.ts';

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
  readonly noncompliant_since: string | null;
  readonly reevaluate_at: string | null;
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
 * its active threats (a correlated MAX over the device's threats through the (device_id, key)
 * index; measured faster than joining a GROUP BY of all active threats). No per-device round trip.
 * `state || ''` keeps both planners on that index: PostgreSQL without fresh statistics (right after
 * a bulk load) ANDed it with a scan of (tenant_id, state) per device, minutes at 100,000 devices.
 */
export async function listDeviceRanks(
  db: Kysely<Database>,
  tenantId: string,
  scope: RatingScope,
): Promise<RatedDeviceRow[]> {
  const result = await sql<RatedDeviceRow>`
    select d.id, d.risk_level, d.compliance_state, d.labels, d.noncompliant_since, d.reevaluate_at,
      (select ${RANK_SQL} from threats t where t.device_id = d.id and t.state || '' = 'active') as rank
    from devices d
    where d.tenant_id = ${tenantId} and d.retired_at is null and ${scopeFilter(tenantId, scope)}
  `.execute(db);
  return result.rows.map((row) => ({ ...row, rank: Number(row.rank ?? 0) }));
}

/** The new state a group of devices gets. */
export interface DeviceStateUpdate {
  readonly riskLevel: DevicesTable['risk_level'];
  readonly labels: string;
  readonly complianceState: DevicesTable['compliance_state'];
  readonly noncompliantSince: string | null;
}

const CHUNK = 500;

/**
 * Writes one new state to many devices set-based: per 500 ids one `UPDATE … WHERE id IN (…)`, so
 * that a re-rating of 100,000 devices is a few hundred statements, not hundreds of thousands.
 * With `emits`, each device's event sequence moves on by one in the same statement, and the new
 * sequence numbers are returned (the row lock orders them with a concurrent report's).
 */
export async function writeDeviceStateGroup(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
  update: DeviceStateUpdate,
  emits: boolean,
): Promise<{ readonly id: string; readonly state_sequence: number }[]> {
  // `tenant_id || ''` keeps the planner on the primary key (then checks the tenant) instead of
  // scanning the tenant's index once per chunk.
  const tenantMatches = sql<boolean>`tenant_id || '' = ${tenantId}`;
  const out: { id: string; state_sequence: number }[] = [];
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    const inChunk = sql`id in (${sql.join(chunk.map((id) => sql`${id}`))})`;
    const result = await sql<{ id: string; state_sequence: number | string }>`
      update devices set risk_level = ${update.riskLevel}, labels = ${update.labels},
        compliance_state = ${update.complianceState}, noncompliant_since = ${update.noncompliantSince},
        state_sequence = state_sequence + ${emits ? 1 : 0}
      where ${inChunk} and ${tenantMatches}
      returning id, state_sequence
    `.execute(db);
    for (const row of result.rows) out.push({ id: row.id, state_sequence: Number(row.state_sequence) });
  }
  return out;
}

/**
 * Writes each device's `reevaluate_at` (when its state may next change with time alone): per 500
 * devices one `UPDATE … SET reevaluate_at = CASE id WHEN … END WHERE id IN (…)`, since the times
 * differ per device (they follow each device's last report) and cannot share a set-based group.
 */
export async function writeReevaluateAt(
  db: Kysely<Database>,
  tenantId: string,
  entries: readonly { readonly id: string; readonly at: string | null }[],
): Promise<void> {
  const tenantMatches = sql<boolean>`tenant_id || '' = ${tenantId}`;
  for (let start = 0; start < entries.length; start += CHUNK) {
    const chunk = entries.slice(start, start + CHUNK);
    const cases = sql.join(
      chunk.map((entry) => sql`when ${entry.id} then ${entry.at}`),
      sql` `,
    );
    const inChunk = sql`id in (${sql.join(chunk.map((entry) => sql`${entry.id}`))})`;
    await sql`update devices set reevaluate_at = case id ${cases} end where ${inChunk} and ${tenantMatches}`.execute(
      db,
    );
  }
}

/** One `device.state-changed` event as stored: outbox row and the device's history row. */
export interface StateEventRow {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly eventId: string;
  readonly historyId: string;
  readonly at: string;
  /** The event JSON (the outbox payload and the history details). */
  readonly payload: string;
}

/** Inserts events and their history rows, 500 per statement. */
export async function insertStateEvents(db: Kysely<Database>, rows: readonly StateEventRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await db
      .insertInto('device_history')
      .values(
        chunk.map((row) => ({
          tenant_id: row.tenantId,
          id: row.historyId,
          device_id: row.deviceId,
          at: row.at,
          kind: 'state-changed',
          details: row.payload,
        })),
      )
      .execute();
    await db
      .insertInto('outbox')
      .values(
        chunk.map((row) => ({
          tenant_id: row.tenantId,
          id: row.eventId,
          topic: 'device.state-changed',
          payload: row.payload,
          next_attempt_at: row.at,
          created_at: row.at,
        })),
      )
      .execute();
  }
}

/**
 * Devices with their stored snapshot JSON (or null), for compliance and re-assessment, by ids or
 * in id order after a cursor. `tenant_id || ''` keeps SQLite on the primary key: through the
 * (tenant_id, risk_level) index it read and sorted every device of the tenant for each page,
 * which made paging a 100,000-device fleet quadratic.
 */
export async function listDevicesWithSnapshots(
  db: Kysely<Database>,
  tenantId: string,
  page: { readonly ids?: readonly string[]; readonly after?: string; readonly limit: number },
) {
  if (page.ids !== undefined && page.ids.length === 0) return [];
  return listDevices(db, tenantId, page)
    .leftJoin('snapshots as s', 's.device_id', 'd.id')
    .selectAll('d')
    .select('s.snapshot')
    .execute();
}

/** Live devices of the tenant by ids (no snapshot), in id order. */
export async function listDevicesByIds(db: Kysely<Database>, tenantId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return listDevices(db, tenantId, { ids, limit: ids.length }).selectAll('d').execute();
}

/** The device part of {@link listDevicesWithSnapshots}: live devices by (non-empty) ids or after a cursor. */
function listDevices(
  db: Kysely<Database>,
  tenantId: string,
  page: { readonly ids?: readonly string[]; readonly after?: string; readonly limit: number },
) {
  let query = db
    .selectFrom('devices as d')
    .where(sql<string>`d.tenant_id || ''`, '=', tenantId)
    .where('d.retired_at', 'is', null);
  if (page.ids !== undefined) query = query.where('d.id', 'in', page.ids);
  if (page.after !== undefined) query = query.where('d.id', '>', page.after);
  return query.orderBy('d.id').limit(page.limit);
}

/** How many live (not retired) devices the tenant has. */
export async function countLiveDevices(db: Kysely<Database>, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('devices')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('tenant_id', '=', tenantId)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** `text` as a LIKE pattern matching itself literally, with `\` as the escape character. */
function literalLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * Ids (in id order) of the tenant's live devices whose stored snapshot text contains one of
 * `needles` ignoring ASCII case, or holds any non-ASCII character: one pass over the snapshots in
 * SQL, so that only those snapshots need to be read, parsed and assessed. `needles` must be
 * lower-case. SQLite: `LIKE` (ASCII case-insensitive; measured faster than `instr(lower(…))`).
 * PostgreSQL: `LIKE ANY` on `lower(… COLLATE "C")`, which folds ASCII letters only whatever the
 * database locale (a Turkish locale would fold `I` to a non-ASCII `ı`). Non-ASCII text is kept
 * because ASCII-only case folding cannot promise a match there (see `mayHoldAny`).
 */
export async function listDeviceIdsWithSnapshotText(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  tenantId: string,
  needles: readonly string[],
): Promise<string[]> {
  const patterns = needles.map((needle) => `%${literalLike(needle)}%`);
  const holds =
    patterns.length === 0
      ? sql`1 = 0`
      : dialect === 'sqlite'
        ? sql.join(
            patterns.map((pattern) => sql`s.snapshot like ${pattern} escape '\\'`),
            sql` or `,
          )
        : sql`lower(s.snapshot collate "C") like any (array[${sql.join(patterns.map((p) => sql`${p}`))}]::text[])`;
  const nonAscii =
    dialect === 'sqlite'
      ? sql`length(cast(s.snapshot as blob)) <> length(s.snapshot)`
      : sql`octet_length(s.snapshot) <> char_length(s.snapshot)`;
  const result = await sql<{ id: string }>`
    select d.id from snapshots s join devices d on d.id = s.device_id
    where s.tenant_id = ${tenantId} and d.tenant_id = ${tenantId} and d.retired_at is null
      and (${holds} or ${nonAscii})
    order by d.id
  `.execute(db);
  return result.rows.map((row) => row.id);
}

/**
 * Claims up to `limit` live devices whose state may have changed with time (`reevaluate_at <=
 * at`), oldest first, across tenants, and clears their `reevaluate_at` (the re-rating in the same
 * transaction writes the next one). It is meant as the transaction's first statement, so that it
 * takes the write lock: an index range read on `devices_reevaluate_at`, never a scan of the fleet.
 * PostgreSQL: `FOR UPDATE SKIP LOCKED`, so nodes running the timer at once claim disjoint devices
 * and a device being written by a report is left for the next tick; the rows stay locked until
 * commit, so no other node re-rates them meanwhile. SQLite has one writer: a second process waits
 * for the lock and then finds the devices no longer due.
 */
export async function claimDueDevices(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  at: string,
  limit: number,
): Promise<{ readonly tenant_id: string; readonly id: string }[]> {
  // A materialised CTE: the due rows are chosen (and on PostgreSQL locked) once; an `IN (subquery
  // … LIMIT … FOR UPDATE SKIP LOCKED)` may be re-evaluated by the planner and claim other rows.
  const due = sql`select id from devices where reevaluate_at <= ${at} and retired_at is null
    order by reevaluate_at limit ${limit}`;
  const result =
    dialect === 'postgres'
      ? await sql<{ tenant_id: string; id: string }>`
          with due as materialized (${due} for update skip locked)
          update devices d set reevaluate_at = null from due where d.id = due.id
          returning d.tenant_id, d.id
        `.execute(db)
      : await sql<{ tenant_id: string; id: string }>`
          with due as (${due})
          update devices set reevaluate_at = null where id in (select id from due)
          returning tenant_id, id
        `.execute(db);
  return result.rows;
}
