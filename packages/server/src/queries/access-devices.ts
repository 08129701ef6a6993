import { type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/types.ts';

/** The columns an access decision needs from a device row. */
export interface AccessDeviceRow {
  readonly tenant_id: string;
  readonly id: string;
  readonly user: string | null;
  readonly groups: string;
  readonly platform: string;
  readonly ownership: string;
  readonly risk_level: string;
  readonly compliance_state: string;
  readonly labels: string;
  readonly retired_at: string | null;
  readonly agent_version: string | null;
  readonly cert_fingerprint: string;
  /**
   * Whether the device's certificate is in `revoked_certificates` (whatever `retired_at` says).
   * Absent in rows a report transaction wrote: the device authenticated, which a revoked certificate
   * cannot, and the decision cache remembers revocations it has seen.
   */
  readonly cert_revoked?: SqlBool | null;
}

/** An active threat as the decision cache keeps it. */
export interface AccessThreatRow {
  readonly type_id: string;
  readonly title: string;
  readonly risk: string;
  readonly remediation: string;
}

const DEVICE_COLUMNS = [
  'tenant_id',
  'id',
  'user',
  'groups',
  'platform',
  'ownership',
  'risk_level',
  'compliance_state',
  'labels',
  'retired_at',
  'agent_version',
  'cert_fingerprint',
] as const;

/** `cert_revoked`: whether the row's certificate was revoked (an index lookup per device). */
function certRevoked(eb: ExpressionBuilder<Database, 'devices'>) {
  return eb
    .exists(
      eb
        .selectFrom('revoked_certificates')
        .select('revoked_certificates.serial')
        .whereRef('revoked_certificates.fingerprint', '=', 'devices.cert_fingerprint'),
    )
    .as('cert_revoked');
}

/** One device of the tenant with the columns access needs, or `undefined`. */
export function findAccessDevice(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<AccessDeviceRow | undefined> {
  return db
    .selectFrom('devices')
    .select((eb) => [...DEVICE_COLUMNS, certRevoked(eb)])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .executeTakeFirst();
}

/**
 * The device whose client certificate has this SHA-256 fingerprint, in any tenant: the
 * certificate is what establishes the tenant at the edge, so this lookup cannot filter by one.
 * Retired devices are returned too (they are denied with `device-retired`).
 */
export function findAccessDeviceByFingerprint(
  db: Kysely<Database>,
  fingerprint: string,
): Promise<AccessDeviceRow | undefined> {
  return db
    .selectFrom('devices')
    .select((eb) => [...DEVICE_COLUMNS, certRevoked(eb)])
    .where('cert_fingerprint', '=', fingerprint)
    .orderBy('enrolled_at', 'desc')
    .executeTakeFirst();
}

/** The device's active threats (remediation as stored JSON). */
export function listActiveThreatsForAccess(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<AccessThreatRow[]> {
  return db
    .selectFrom('threats')
    .select(['type_id', 'title', 'risk', 'remediation'])
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('state', '=', 'active')
    .orderBy('first_seen')
    .execute();
}

/** Every live device of every tenant, for warming a node's cache at start (paged by id). */
export function listAccessDevicesPage(
  db: Kysely<Database>,
  afterId: string,
  limit: number,
): Promise<AccessDeviceRow[]> {
  return db
    .selectFrom('devices')
    .select((eb) => [...DEVICE_COLUMNS, certRevoked(eb)])
    .where('retired_at', 'is', null)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Several devices of the tenant with the columns access needs (missing ids are simply absent).
 * `tenant_id || ''` keeps SQLite on the primary key: without statistics it prefers the
 * (tenant_id, …) index and reads every device of the tenant for each chunk of ids.
 */
export function listAccessDevicesByIds(
  db: Kysely<Database>,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<AccessDeviceRow[]> {
  if (deviceIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('devices')
    .select((eb) => [...DEVICE_COLUMNS, certRevoked(eb)])
    .where(sql<string>`tenant_id || ''`, '=', tenantId)
    .where('id', 'in', deviceIds)
    .execute();
}

/** The active threats of several devices, in `first_seen` order per device (through the device_id index, as above). */
export function listActiveThreatsForAccessByDevices(
  db: Kysely<Database>,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<(AccessThreatRow & { readonly device_id: string })[]> {
  if (deviceIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('threats')
    .select(['device_id', 'type_id', 'title', 'risk', 'remediation'])
    .where(sql<string>`tenant_id || ''`, '=', tenantId)
    .where('device_id', 'in', deviceIds)
    .where('state', '=', 'active')
    .orderBy('device_id')
    .orderBy('first_seen')
    .execute();
}
