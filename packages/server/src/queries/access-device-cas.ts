import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

/**
 * Every tenant's device CA certificate (PEM): the built-in gateway accepts client certificates
 * from any tenant's CA and lets the decision find the device (and so the tenant) by fingerprint.
 */
export async function listDeviceCaCertificates(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('device_cas').select('cert_pem').orderBy('tenant_id').execute();
  return rows.map((row) => row.cert_pem);
}
