import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/types.ts';
import { listDeviceRowsPage } from '../queries/device-rows.ts';

/** The threat type of a threat key (`app.stalkerware:com.example` → `app.stalkerware`). */
export function threatTypeOfKey(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}

/** What an erasure removed, by kind (recorded in the `device.erase` audit entry). */
export interface ErasureCounts {
  snapshots: number;
  reports: number;
  threats: number;
  history: number;
  accessLog: number;
  outbox: number;
  attestations: number;
}

/** Every string in `value` that may name a person's data: apps, domains, IPs, networks, names. */
function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.length >= 3) into.add(value.toLowerCase());
  } else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) collectStrings(item, into);
}

/** `value` with every string that contains one of `personal` replaced by `erased`. */
function scrub(value: unknown, personal: readonly string[]): unknown {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    return personal.some((item) => lower.includes(item)) ? 'erased' : value;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, personal));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, personal)]));
  return value;
}

/** Values too common to be personal (they would scrub state names and labels from events). */
const NOT_PERSONAL: ReadonlySet<string> = new Set([
  'android',
  'ios',
  'wifi',
  'cellular',
  'none',
  'true',
  'false',
  'pass',
  'fail',
  'green',
  'enforcing',
]);

/**
 * Removes a device's personal data inside the caller's transaction (the retire transaction of the
 * device-state module): the snapshot, attestation data and request nonces are deleted, as are the
 * access-log entries naming it; report outcomes and history details become `{"erased":true}`;
 * threats keep type, class, risk, state and times (aggregate counts) but lose key subject, summary
 * and evidence; outbox events naming the device keep their shape with every personal string
 * replaced by `erased`; the device row keeps its id, platform, ownership, groups and certificate
 * (the CRL needs it) and loses user and name. The audit log is not touched: its entries hold no
 * snapshot values (threat types, not keys). Returns the counts per kind.
 */
export async function eraseDeviceData(
  trx: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<ErasureCounts> {
  const device = await trx
    .selectFrom('devices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  const snapshot = await trx
    .selectFrom('snapshots')
    .select('snapshot')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  const threats = await trx
    .selectFrom('threats')
    .select(['id', 'key', 'type_id', 'evidence', 'summary', 'title', 'remediation'])
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .execute();
  const values = new Set<string>();
  if (snapshot !== undefined) collectStrings(JSON.parse(snapshot.snapshot) as unknown, values);
  for (const threat of threats) {
    collectStrings(JSON.parse(threat.evidence) as unknown, values);
    const subject = threat.key.slice(threat.type_id.length + 1);
    if (subject.length >= 3) values.add(subject.toLowerCase());
  }
  for (const value of [device.user, device.name]) if (value !== null) values.add(value.toLowerCase());
  const personal = [...values].filter(
    (value) => !NOT_PERSONAL.has(value) && value !== deviceId.toLowerCase(),
  );

  const deleted = async (
    table: 'snapshots' | 'device_attestations' | 'attestation_challenges' | 'device_nonces',
  ): Promise<number> => {
    const result =
      await sql`delete from ${sql.table(table)} where tenant_id = ${tenantId} and device_id = ${deviceId}`.execute(
        trx,
      );
    return Number(result.numAffectedRows ?? 0);
  };
  const counts: ErasureCounts = {
    snapshots: await deleted('snapshots'),
    attestations: await deleted('device_attestations'),
    reports: 0,
    threats: threats.length,
    history: 0,
    accessLog: 0,
    outbox: 0,
  };
  await deleted('attestation_challenges');
  await deleted('device_nonces');
  counts.reports = Number(
    (
      await trx
        .updateTable('reports')
        .set({ outcome: '{"erased":true}' })
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst()
    ).numUpdatedRows,
  );
  counts.history = Number(
    (
      await trx
        .updateTable('device_history')
        .set({ details: '{"erased":true}' })
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst()
    ).numUpdatedRows,
  );
  for (const threat of threats)
    await trx
      .updateTable('threats')
      .set({
        key: `${threat.type_id}:erased-${threat.id}`,
        evidence: '[]',
        summary: '',
        title: String(scrub(threat.title, personal)),
        remediation: JSON.stringify(scrub(JSON.parse(threat.remediation) as unknown, personal)),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', threat.id)
      .execute();
  const log = trx.withTables<{ access_log: { tenant_id: string; device_id: string | null } }>();
  counts.accessLog = Number(
    (
      await log
        .deleteFrom('access_log')
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst()
    ).numDeletedRows,
  );
  // Outbox events naming the device, page by page: scrubbed in place (delivery keeps working).
  let after: unknown;
  for (;;) {
    const rows = await listDeviceRowsPage(trx, {
      table: 'outbox',
      tenantId,
      deviceId,
      match: { contains: ['payload'] },
      key: 'id',
      after,
      limit: 500,
    });
    for (const row of rows) {
      const payload = JSON.stringify(scrub(JSON.parse(String(row.payload)) as unknown, personal));
      if (payload === row.payload) continue;
      await trx
        .updateTable('outbox')
        .set({ payload })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', String(row.id))
        .execute();
      counts.outbox += 1;
    }
    if (rows.length < 500) break;
    after = rows.at(-1)?.id;
  }
  await trx
    .updateTable('devices')
    .set({ user: device.user === null ? null : 'erased', name: null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .execute();
  return counts;
}
