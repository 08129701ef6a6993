import type { Kysely } from 'kysely';

/**
 * Hardware attestation storage. `attestation_challenges` holds the single-use challenges issued
 * to devices (SHA-256 of the challenge bytes, never the challenge itself); `device_attestations`
 * keeps each device's latest server verification (verdict, reasons, attested facts) for the device
 * detail and for reports that carry no chain.
 */
export async function upAttestation(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('attestation_challenges')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('challenge_hash', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addPrimaryKeyConstraint('attestation_challenges_pk', ['tenant_id', 'challenge_hash'])
    .execute();
  await db.schema
    .createIndex('attestation_challenges_expiry')
    .on('attestation_challenges')
    .column('expires_at')
    .execute();
  await db.schema
    .createTable('device_attestations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_attestations_pk', ['tenant_id', 'device_id'])
    .execute();
}

export async function downAttestation(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_attestations').ifExists().execute();
  await db.schema.dropTable('attestation_challenges').ifExists().execute();
}
