import type { Kysely } from 'kysely';
import type { Database, RevocationReason } from '../db/types.ts';

/** How a certificate is named in a status request: hex serial or SHA-256 fingerprint (lower case). */
export type CertificateName = { readonly serial: string } | { readonly fingerprint: string };

/** A certificate the tenant's CA issued, as its revocation or its device row records it. */
export interface KnownCertificate {
  readonly serial: string;
  readonly fingerprint: string;
  /** Set when revoked (or, for a device retired before revocations were recorded, its retirement). */
  readonly revokedAt: string | null;
  readonly reason: RevocationReason | null;
}

/**
 * Devices retired before revocations were recorded (migration 0010_device_identity) have no revocation row; the
 * CRL lists them too, as retired at their retirement time.
 */
export async function listRetiredDevicesWithoutRevocation(
  db: Kysely<Database>,
  tenantId: string,
): Promise<{ serial: string; revokedAt: string }[]> {
  const rows = await db
    .selectFrom('devices')
    .leftJoin('revoked_certificates', (join) =>
      join
        .onRef('revoked_certificates.tenant_id', '=', 'devices.tenant_id')
        .onRef('revoked_certificates.serial', '=', 'devices.cert_serial'),
    )
    .select(['devices.cert_serial as serial', 'devices.retired_at as retiredAt'])
    .where('devices.tenant_id', '=', tenantId)
    .where('devices.retired_at', 'is not', null)
    .where('revoked_certificates.serial', 'is', null)
    .orderBy('devices.cert_serial')
    .execute();
  return rows.flatMap((row) =>
    row.retiredAt === null ? [] : [{ serial: row.serial, revokedAt: row.retiredAt }],
  );
}

/**
 * The tenant's certificate named by serial or fingerprint: its revocation if it was revoked, else
 * the device that holds it now; `undefined` when the tenant never issued it (or issued it to
 * another tenant: every lookup is bound to `tenantId`).
 */
export async function findTenantCertificate(
  db: Kysely<Database>,
  tenantId: string,
  name: CertificateName,
): Promise<KnownCertificate | undefined> {
  const revoked = await db
    .selectFrom('revoked_certificates')
    .select(['serial', 'fingerprint', 'revoked_at', 'reason'])
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      'serial' in name ? eb('serial', '=', name.serial) : eb('fingerprint', '=', name.fingerprint),
    )
    .executeTakeFirst();
  if (revoked !== undefined)
    return {
      serial: revoked.serial,
      fingerprint: revoked.fingerprint,
      revokedAt: revoked.revoked_at,
      reason: revoked.reason,
    };
  const device = await db
    .selectFrom('devices')
    .select(['cert_serial', 'cert_fingerprint', 'retired_at'])
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      'serial' in name ? eb('cert_serial', '=', name.serial) : eb('cert_fingerprint', '=', name.fingerprint),
    )
    .executeTakeFirst();
  if (device === undefined) return undefined;
  return {
    serial: device.cert_serial,
    fingerprint: device.cert_fingerprint,
    revokedAt: device.retired_at,
    reason: device.retired_at === null ? null : 'retired',
  };
}
