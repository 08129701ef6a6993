import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';
import type { DeviceRow } from './devices.ts';
import type { IngestConfigRow } from './ingest-config.ts';
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
/** The device and the digest of its stored snapshot (`null` without one). */
const FIND_DEVICE_FOR_INGEST = new Statement(
  'select "d".*, (select "digest" from "snapshots" where "device_id" = "d"."id") as "snapshot_digest" from "devices" as "d" where "d"."tenant_id" = ? and "d"."id" = ?',
);
/**
 * PostgreSQL: the device row locked for the transaction (so changes of one device commit one after
 * another) and the report id recorded unless the device is retired, in one round trip. The
 * snapshot's digest is read `for share`: a statement that waited for the device lock still reads
 * other rows as they were when it started, so a plain read could return the digest from before the
 * report that held the lock (and the report would skip a write it needs); a locking read returns
 * the row's latest version.
 */
const LOCK_DEVICE_AND_INSERT_REPORT_PG = new Statement(
  `with "device" as (select * from "devices" where "tenant_id" = ? and "id" = ? for update),
"report" as (insert into "reports" ("tenant_id", "device_id", "report_id", "received_at", "outcome")
  select "tenant_id", "id", ?, ?, '{}' from "device" where "retired_at" is null
  on conflict ("device_id", "report_id") do nothing returning 1)
select "device".*, (select count(*) from "report")::int as "report_inserted",
  (select "digest" from "snapshots" where "device_id" = "device"."id" for share) as "snapshot_digest"
  from "device"`,
);
/**
 * `listIngestConfigRows` (two setting keys: privacy and detection) plus the stored outcome of the
 * report id (kind `r`) and the stored intel version (kind `v`, see cluster/cluster-scopes.ts), in one
 * statement.
 */
const READ_INGEST_START = new Statement(
  `select 'o' as "kind", "type_id" as "key", "risk" as "value", '' as "sort" from "threat_type_overrides" where "tenant_id" = ?
union all select 'p', "id", "doc", "created_at" from "compliance_policies" where "tenant_id" = ?
union all select 's', "key", "value", '' from "settings" where "tenant_id" = ? and "key" in (?, ?)
union all select 'r', "report_id", "outcome", '' from "reports" where "tenant_id" = ? and "device_id" = ? and "report_id" = ?
union all select 'v', "scope", cast("version" as text), '' from "cluster_versions" where "scope" = ?
order by "kind", "sort", "key"`,
);
/** With `cert_revoked`: whether its certificate was revoked (one index lookup in the same round trip). */
const FIND_DEVICE_FOR_SIGNATURE = new Statement(
  'select "d".*, exists (select 1 from "revoked_certificates" as "r" where "r"."fingerprint" = "d"."cert_fingerprint") as "cert_revoked" from "devices" as "d" where "d"."id" = ?',
);
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
/**
 * Runs only when the digests differ. `updated_at` is when the stored document last changed: a row
 * stored before digests existed gets its digest without moving `updated_at` when the text is equal.
 */
const UPSERT_SNAPSHOT = new Statement(
  'insert into "snapshots" ("tenant_id", "device_id", "snapshot", "digest", "updated_at") values (?, ?, ?, ?, ?) on conflict ("device_id") do update set "snapshot" = excluded."snapshot", "digest" = excluded."digest", "updated_at" = case when "snapshots"."snapshot" = excluded."snapshot" then "snapshots"."updated_at" else excluded."updated_at" end',
);
const UPDATE_DEVICE_STATE = new Statement(
  'update "devices" set "risk_level" = ?, "compliance_state" = ?, "labels" = ?, "last_seen_at" = ?, "os_version" = ?, "model" = ?, "manufacturer" = ?, "agent_version" = ?, "noncompliant_since" = ?, "state_sequence" = ?, "reevaluate_at" = ? where "tenant_id" = ? and "id" = ?',
);
const SET_REPORT_OUTCOME = new Statement(
  'update "reports" set "outcome" = ? where "tenant_id" = ? and "device_id" = ? and "report_id" = ?',
);
/**
 * PostgreSQL: {@link TOUCH_THREATS}, {@link UPSERT_SNAPSHOT}, {@link UPDATE_DEVICE_STATE} and
 * {@link SET_REPORT_OUTCOME} in one round trip; with `pg_notify` (sent on commit) when asked.
 */
const storeReportStatePg = (notify: boolean) =>
  new Statement(
    `with "touched" as (update "threats" set "last_seen" = ? where "tenant_id" = ? and "id" = any(?::text[])),
"snapshot" as (insert into "snapshots" ("tenant_id", "device_id", "snapshot", "digest", "updated_at") select ?, ?, ?::text, ?, ? where ?::boolean on conflict ("device_id") do update set "snapshot" = excluded."snapshot", "digest" = excluded."digest", "updated_at" = case when "snapshots"."snapshot" = excluded."snapshot" then "snapshots"."updated_at" else excluded."updated_at" end),
"device" as (update "devices" set "risk_level" = ?, "compliance_state" = ?, "labels" = ?, "last_seen_at" = ?, "os_version" = ?, "model" = ?, "manufacturer" = ?, "agent_version" = ?, "noncompliant_since" = ?, "state_sequence" = ?, "reevaluate_at" = ? where "tenant_id" = ? and "id" = ?),
"report" as (update "reports" set "outcome" = ? where "tenant_id" = ? and "device_id" = ? and "report_id" = ?)
${notify ? 'select pg_notify(?, ?) as "done"' : 'select 1 as "done"'}`,
  );
const STORE_REPORT_STATE_PG = storeReportStatePg(false);
const STORE_REPORT_STATE_NOTIFY_PG = storeReportStatePg(true);

function affected(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}

/** The stored outcome JSON of a report already ingested, or `undefined`. */
export async function findReportOutcome(
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

/**
 * What a report needs before its transaction, in one statement: the tenant's ingest configuration
 * rows (as `listIngestConfigRows` with `settingKeys`), the stored outcome if the device already
 * sent this report id, and the stored version of `versionScope` (0 when it never changed).
 */
export async function readIngestStart(
  db: Kysely<Database>,
  dialect: DialectName,
  params: {
    tenantId: string;
    deviceId: string;
    reportId: string;
    settingKeys: readonly [string, string];
    versionScope: string;
  },
): Promise<{ config: IngestConfigRow[]; outcome: string | undefined; version: number }> {
  const { tenantId } = params;
  const result = await db.executeQuery<IngestConfigRow>(
    READ_INGEST_START.query(dialect, [
      tenantId,
      tenantId,
      tenantId,
      ...params.settingKeys,
      tenantId,
      params.deviceId,
      params.reportId,
      params.versionScope,
    ]),
  );
  const config: IngestConfigRow[] = [];
  let outcome: string | undefined;
  let version = 0;
  for (const row of result.rows) {
    if (row.kind === ('r' as string)) outcome = row.value;
    else if (row.kind === ('v' as string)) version = Number(row.value);
    else config.push({ kind: row.kind, key: row.key, value: row.value });
  }
  return { config, outcome, version };
}

/**
 * The device a signed request names in its `kid`, in any tenant: verifying the signature is the
 * step that establishes the tenant, so it cannot filter by one.
 */
export async function findDeviceForSignature(
  db: Kysely<Database>,
  dialect: DialectName,
  id: string,
): Promise<(DeviceRow & { readonly cert_revoked: boolean | number }) | undefined> {
  const result = await db.executeQuery<DeviceRow & { cert_revoked: boolean | number }>(
    FIND_DEVICE_FOR_SIGNATURE.query(dialect, [id]),
  );
  return result.rows[0];
}

/** Records a nonce; `false` when the device already used it (a replay). */
export async function recordDeviceNonce(
  db: Kysely<Database>,
  dialect: DialectName,
  row: { tenant_id: string; device_id: string; nonce: string; expires_at: string },
): Promise<boolean> {
  const result = await db.executeQuery(
    INSERT_DEVICE_NONCE.query(dialect, [row.tenant_id, row.device_id, row.nonce, row.expires_at]),
  );
  return affected(result) > 0;
}

/**
 * Inside the ingest transaction: the device (locked for the transaction on PostgreSQL), and the
 * report id recorded with an empty outcome unless the device is missing or retired. `fresh` is
 * `false` when the device already sent this report id (or nothing was inserted).
 */
export async function lockDeviceAndInsertReport(
  trx: Kysely<Database>,
  dialect: DialectName,
  row: { tenant_id: string; device_id: string; report_id: string; received_at: string },
): Promise<{ device: DeviceRow | undefined; fresh: boolean; snapshotDigest: string | null }> {
  if (dialect === 'postgres') {
    const result = await trx.executeQuery<
      DeviceRow & { report_inserted: number; snapshot_digest: string | null }
    >(
      LOCK_DEVICE_AND_INSERT_REPORT_PG.query(dialect, [
        row.tenant_id,
        row.device_id,
        row.report_id,
        row.received_at,
      ]),
    );
    const found = result.rows[0];
    if (found === undefined) return { device: undefined, fresh: false, snapshotDigest: null };
    const { report_inserted, snapshot_digest, ...device } = found;
    return { device, fresh: Number(report_inserted) > 0, snapshotDigest: snapshot_digest };
  }
  const found = await trx.executeQuery<DeviceRow & { snapshot_digest: string | null }>(
    FIND_DEVICE_FOR_INGEST.query(dialect, [row.tenant_id, row.device_id]),
  );
  if (found.rows[0] === undefined) return { device: undefined, fresh: false, snapshotDigest: null };
  const { snapshot_digest: snapshotDigest, ...device } = found.rows[0];
  if (device.retired_at !== null) return { device, fresh: false, snapshotDigest };
  const result = await trx.executeQuery(
    INSERT_REPORT.query(dialect, [row.tenant_id, row.device_id, row.report_id, row.received_at, '{}']),
  );
  return { device, fresh: affected(result) > 0, snapshotDigest };
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
  /** The snapshot text and its digest, or `undefined` when it equals the stored one (not written). */
  readonly snapshot: { readonly text: string; readonly digest: string } | undefined;
  readonly device: {
    readonly risk_level: string;
    readonly compliance_state: string;
    readonly labels: string;
    readonly os_version: string;
    readonly model: string;
    readonly manufacturer: string;
    readonly agent_version: string;
    readonly noncompliant_since: string | null;
    /** The device's event sequence after this report (moved on by one when it emitted an event). */
    readonly state_sequence: number;
    /** When time alone may change the new state (the engine's `reevaluateAt`), for the state timer. */
    readonly reevaluate_at: string | null;
  };
  readonly outcome: string;
  /** PostgreSQL only: a notification to send with the writes (delivered on commit). */
  readonly notification?: { readonly channel: string; readonly payload: string };
}

/**
 * Writes the report's snapshot (when changed), the device's new state, the report's outcome and `last_seen` of
 * the threats seen again: four statements on SQLite, one on PostgreSQL (one round trip). Returns
 * whether `write.notification` was sent (PostgreSQL only).
 */
export async function storeReportState(
  trx: Kysely<Database>,
  dialect: DialectName,
  write: ReportStateWrite,
): Promise<boolean> {
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
    device.state_sequence,
    device.reevaluate_at,
    tenantId,
    deviceId,
  ];
  if (dialect === 'postgres') {
    const { notification } = write;
    const statement = notification === undefined ? STORE_REPORT_STATE_PG : STORE_REPORT_STATE_NOTIFY_PG;
    await trx.executeQuery(
      statement.query(dialect, [
        at,
        tenantId,
        write.touchedThreatIds,
        tenantId,
        deviceId,
        write.snapshot?.text ?? null,
        write.snapshot?.digest ?? null,
        at,
        write.snapshot !== undefined,
        ...deviceParams,
        write.outcome,
        tenantId,
        deviceId,
        write.reportId,
        ...(notification === undefined ? [] : [notification.channel, notification.payload]),
      ]),
    );
    return true;
  }
  if (write.touchedThreatIds.length > 0) {
    await trx.executeQuery(
      TOUCH_THREATS.query(dialect, [at, tenantId, JSON.stringify(write.touchedThreatIds)]),
    );
  }
  if (write.snapshot !== undefined) {
    const { text, digest } = write.snapshot;
    await trx.executeQuery(UPSERT_SNAPSHOT.query(dialect, [tenantId, deviceId, text, digest, at]));
  }
  await trx.executeQuery(UPDATE_DEVICE_STATE.query(dialect, deviceParams));
  await trx.executeQuery(
    SET_REPORT_OUTCOME.query(dialect, [write.outcome, tenantId, deviceId, write.reportId]),
  );
  return false;
}
