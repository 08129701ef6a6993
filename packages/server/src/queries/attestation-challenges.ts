import type { Kysely } from 'kysely';
import type { AttestationChallengesTable, Database, DeviceAttestationsTable } from '../db/types.ts';

/** Stores an issued challenge (its SHA-256, hex). */
export async function insertAttestationChallenge(
  db: Kysely<Database>,
  row: Omit<AttestationChallengesTable, 'used_at'>,
): Promise<void> {
  await db
    .insertInto('attestation_challenges')
    .values({ ...row, used_at: null })
    .execute();
}

/** The challenge with this hash in a tenant, whatever device it was issued to. */
export async function findAttestationChallenge(
  db: Kysely<Database>,
  tenantId: string,
  challengeHash: string,
): Promise<AttestationChallengesTable | undefined> {
  return db
    .selectFrom('attestation_challenges')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('challenge_hash', '=', challengeHash)
    .executeTakeFirst();
}

/**
 * Marks the device's challenge used, atomically: `true` only for the one caller that found it
 * unused and unexpired (a conditional UPDATE, safe under concurrent reports).
 */
export async function consumeAttestationChallenge(
  db: Kysely<Database>,
  key: { tenantId: string; deviceId: string; challengeHash: string },
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('attestation_challenges')
    .set({ used_at: now })
    .where('tenant_id', '=', key.tenantId)
    .where('device_id', '=', key.deviceId)
    .where('challenge_hash', '=', key.challengeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Forgets challenges that expired before `before` (any tenant). */
export async function deleteExpiredAttestationChallenges(
  db: Kysely<Database>,
  before: string,
): Promise<number> {
  const result = await db
    .deleteFrom('attestation_challenges')
    .where('expires_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The device's latest server-side attestation verification. */
export async function findDeviceAttestation(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
): Promise<DeviceAttestationsTable | undefined> {
  return db
    .selectFrom('device_attestations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
}

/** Records the device's latest verification (one row per device). */
export async function upsertDeviceAttestation(
  db: Kysely<Database>,
  row: DeviceAttestationsTable,
): Promise<void> {
  await db
    .insertInto('device_attestations')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'device_id']).doUpdateSet({
        verdict: row.verdict,
        summary: row.summary,
        checked_at: row.checked_at,
      }),
    )
    .execute();
}
