import type { Kysely, Selectable } from 'kysely';
import type { Database, RevokedCertificatesTable } from '../db/types.ts';

export type RevokedCertificateRow = Selectable<RevokedCertificatesTable>;

/** Records a revocation; revoking the same certificate twice keeps the first record. */
export async function insertRevokedCertificate(
  db: Kysely<Database>,
  row: RevokedCertificatesTable,
): Promise<void> {
  await db
    .insertInto('revoked_certificates')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'serial']).doNothing())
    .execute();
}

/** The tenant's revoked certificates, oldest first (the CRL's entries). */
export async function listRevokedCertificates(
  db: Kysely<Database>,
  tenantId: string,
): Promise<RevokedCertificateRow[]> {
  return db
    .selectFrom('revoked_certificates')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('revoked_at')
    .orderBy('serial')
    .execute();
}

/** How many certificates the tenant revoked and when last: a cheap check whether its CRL changed. */
export async function findRevocationMark(
  db: Kysely<Database>,
  tenantId: string,
): Promise<{ count: number; last: string | null }> {
  const row = await db
    .selectFrom('revoked_certificates')
    .select((eb) => [
      eb.fn.countAll<number | string | bigint>().as('count'),
      eb.fn.max('revoked_at').as('last'),
    ])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), last: row?.last ?? null };
}

/** The tenant's revocation of a certificate named by serial or fingerprint (lower-case hex). */
export async function findRevokedCertificate(
  db: Kysely<Database>,
  tenantId: string,
  serialOrFingerprint: string,
): Promise<RevokedCertificateRow | undefined> {
  return db
    .selectFrom('revoked_certificates')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([eb('serial', '=', serialOrFingerprint), eb('fingerprint', '=', serialOrFingerprint)]),
    )
    .executeTakeFirst();
}
