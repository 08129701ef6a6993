import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';
import type { DeviceRow } from './devices.ts';
import type { ThreatRow } from './threats.ts';

/**
 * The statements every report runs, as fixed SQL text per dialect instead of Kysely queries built
 * and compiled per report (building and compiling cost more than running them on SQLite, whose
 * prepared statements the connection caches by text). Written with `?`; PostgreSQL gets `$n`.
 */
class Statement {
  readonly sqlite: string;
  readonly postgres: string;
  constructor(sqlite: string, postgres?: string) {
    this.sqlite = sqlite;
    let n = 0;
    this.postgres = (postgres ?? sqlite).replace(/\?/g, () => `$${++n}`);
  }

  query(dialect: DialectName, parameters: readonly unknown[]): CompiledQuery {
    return CompiledQuery.raw(dialect === 'postgres' ? this.postgres : this.sqlite, [...parameters]);
  }
}

const FIND_REPORT_OUTCOME = new Statement(
  'select "outcome" from "reports" where "tenant_id" = ? and "device_id" = ? and "report_id" = ?',
);
/** PostgreSQL locks the device row for the transaction, so changes to the device commit one after another. */
const FIND_DEVICE_FOR_INGEST = new Statement(
  'select * from "devices" where "tenant_id" = ? and "id" = ?',
  'select * from "devices" where "tenant_id" = ? and "id" = ? for update',
);
const FIND_DEVICE_FOR_SIGNATURE = new Statement('select * from "devices" where "id" = ?');
const INSERT_DEVICE_NONCE = new Statement(
  'insert into "device_nonces" ("tenant_id", "device_id", "nonce", "expires_at") values (?, ?, ?, ?) on conflict ("device_id", "nonce") do nothing',
);
const INSERT_REPORT = new Statement(
  'insert into "reports" ("tenant_id", "device_id", "report_id", "received_at", "outcome") values (?, ?, ?, ?, ?) on conflict ("device_id", "report_id") do nothing',
);
const LIST_STORED_THREATS = new Statement(
  `select * from "threats" where "tenant_id" = ? and "device_id" = ? and "state" in ('active', 'resolved', 'ignored') order by "first_seen", "id"`,
);
const TOUCH_THREATS = new Statement(
  'update "threats" set "last_seen" = ? where "tenant_id" = ? and "id" in (select "value" from json_each(?))',
  'update "threats" set "last_seen" = ? where "tenant_id" = ? and "id" = any(?::text[])',
);
const UPSERT_SNAPSHOT = new Statement(
  'insert into "snapshots" ("tenant_id", "device_id", "snapshot", "updated_at") values (?, ?, ?, ?) on conflict ("device_id") do update set "snapshot" = excluded."snapshot", "updated_at" = excluded."updated_at"',
);
const UPDATE_DEVICE_STATE = new Statement(
  'update "devices" set "risk_level" = ?, "compliance_state" = ?, "labels" = ?, "last_seen_at" = ?, "os_version" = ?, "model" = ?, "manufacturer" = ?, "agent_version" = ?, "noncompliant_since" = ? where "tenant_id" = ? and "id" = ?',
);
const SET_REPORT_OUTCOME = new Statement(
  'update "reports" set "outcome" = ? where "tenant_id" = ? and "device_id" = ? and "report_id" = ?',
);
/** PostgreSQL: {@link TOUCH_THREATS}, {@link UPSERT_SNAPSHOT}, {@link UPDATE_DEVICE_STATE} and {@link SET_REPORT_OUTCOME} in one round trip. */
const STORE_REPORT_STATE_PG = new Statement(
  `with "touched" as (update "threats" set "last_seen" = ? where "tenant_id" = ? and "id" = any(?::text[])),
"snapshot" as (insert into "snapshots" ("tenant_id", "device_id", "snapshot", "updated_at") values (?, ?, ?, ?) on conflict ("device_id") do update set "snapshot" = excluded."snapshot", "updated_at" = excluded."updated_at"),
"device" as (update "devices" set "risk_level" = ?, "compliance_state" = ?, "labels" = ?, "last_seen_at" = ?, "os_version" = ?, "model" = ?, "manufacturer" = ?, "agent_version" = ?, "noncompliant_since" = ? where "tenant_id" = ? and "id" = ?),
"report" as (update "reports" set "outcome" = ? where "tenant_id" = ? and "device_id" = ? and "report_id" = ?)
select 1 as "done"`,
);

function affected(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}

/** The stored outcome JSON of a report already ingested, or `undefined`. */
export async function findReportOutcomeFast(
  db: Kysely<Database>,
  dialect: DialectName,
  tenantId: string,
  deviceId: string,
  reportId: string,
): Promise<string | undefined> {
  const result = await db.executeQuery<{ outcome: string }>(
    FIND_REPORT_OUTCOME.query(dialect, [tenantId, deviceId, reportId]),
  );
  return result.rows[0]?.outcome;
}

/** The device a signed request names, in any tenant (see `findDeviceForSignature`). */
export async function findDeviceForSignatureFast(
  db: Kysely<Database>,
  dialect: DialectName,
  id: string,
): Promise<DeviceRow | undefined> {
  const result = await db.executeQuery<DeviceRow>(FIND_DEVICE_FOR_SIGNATURE.query(dialect, [id]));
  return result.rows[0];
}

/** Records a nonce; `false` when the device already used it (a replay). */
export async function insertDeviceNonceFast(
  db: Kysely<Database>,
  dialect: DialectName,
  row: { tenant_id: string; device_id: string; nonce: string; expires_at: string },
): Promise<boolean> {
  const result = await db.executeQuery(
    INSERT_DEVICE_NONCE.query(dialect, [row.tenant_id, row.device_id, row.nonce, row.expires_at]),
  );
  return affected(result) > 0;
}

/** The device inside the ingest transaction (locked for the transaction on PostgreSQL). */
export async function findDeviceForIngest(
  trx: Kysely<Database>,
  dialect: DialectName,
  tenantId: string,
  deviceId: string,
): Promise<DeviceRow | undefined> {
  const result = await trx.executeQuery<DeviceRow>(
    FIND_DEVICE_FOR_INGEST.query(dialect, [tenantId, deviceId]),
  );
  return result.rows[0];
}

/** Records a report id once with an empty outcome; `false` when the device already sent this id. */
export async function insertReportOnce(
  trx: Kysely<Database>,
  dialect: DialectName,
  row: { tenant_id: string; device_id: string; report_id: string; received_at: string },
): Promise<boolean> {
  const result = await trx.executeQuery(
    INSERT_REPORT.query(dialect, [row.tenant_id, row.device_id, row.report_id, row.received_at, '{}']),
  );
  return affected(result) > 0;
}

/** The device's active, resolved and ignored threats, oldest first (as `listDeviceThreats`). */
export async function listStoredThreats(
  trx: Kysely<Database>,
  dialect: DialectName,
  tenantId: string,
  deviceId: string,
): Promise<ThreatRow[]> {
  const result = await trx.executeQuery<ThreatRow>(LIST_STORED_THREATS.query(dialect, [tenantId, deviceId]));
  return result.rows;
}

/** What one report writes besides new, changed and resolved threats. */
export interface ReportStateWrite {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly reportId: string;
  readonly at: string;
  /** Threats seen again whose stored columns are unchanged: only `last_seen` moves. */
  readonly touchedThreatIds: readonly string[];
  readonly snapshot: string;
  readonly device: {
    readonly risk_level: string;
    readonly compliance_state: string;
    readonly labels: string;
    readonly os_version: string;
    readonly model: string;
    readonly manufacturer: string;
    readonly agent_version: string;
    readonly noncompliant_since: string | null;
  };
  readonly outcome: string;
}

/**
 * Writes the report's snapshot, the device's new state, the report's outcome and `last_seen` of
 * the threats seen again: four statements on SQLite, one on PostgreSQL (one round trip).
 */
export async function storeReportState(
  trx: Kysely<Database>,
  dialect: DialectName,
  write: ReportStateWrite,
): Promise<void> {
  const { tenantId, deviceId, at, device } = write;
  const deviceParams = [
    device.risk_level,
    device.compliance_state,
    device.labels,
    at,
    device.os_version,
    device.model,
    device.manufacturer,
    device.agent_version,
    device.noncompliant_since,
    tenantId,
    deviceId,
  ];
  if (dialect === 'postgres') {
    await trx.executeQuery(
      STORE_REPORT_STATE_PG.query(dialect, [
        at,
        tenantId,
        write.touchedThreatIds,
        tenantId,
        deviceId,
        write.snapshot,
        at,
        ...deviceParams,
        write.outcome,
        tenantId,
        deviceId,
        write.reportId,
      ]),
    );
    return;
  }
  if (write.touchedThreatIds.length > 0) {
    await trx.executeQuery(
      TOUCH_THREATS.query(dialect, [at, tenantId, JSON.stringify(write.touchedThreatIds)]),
    );
  }
  await trx.executeQuery(UPSERT_SNAPSHOT.query(dialect, [tenantId, deviceId, write.snapshot, at]));
  await trx.executeQuery(UPDATE_DEVICE_STATE.query(dialect, deviceParams));
  await trx.executeQuery(
    SET_REPORT_OUTCOME.query(dialect, [write.outcome, tenantId, deviceId, write.reportId]),
  );
}
