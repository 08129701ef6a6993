import type { Kysely } from 'kysely';

/**
 * A device's threats by state: report ingestion (every report lists the device's threats) and the
 * decision cache (a device's active threats) filter on tenant, device and state. Without it SQLite
 * answers from `threats_tenant_state` and reads every threat of the tenant in those states, which
 * grows with the fleet.
 */
export async function upThreatsByDevice(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('threats_device_state')
    .on('threats')
    .columns(['tenant_id', 'device_id', 'state'])
    .execute();
}

export async function downThreatsByDevice(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('threats_device_state').ifExists().execute();
}

/**
 * The SHA-256 of each stored snapshot's text (base64url): a report compares it with its own
 * snapshot's digest and skips the write when they match, instead of sending the whole document to
 * the database to be compared there (a 150-app snapshot is ~68 KiB). `null` for rows written before.
 */
export async function upSnapshotDigest(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('snapshots').addColumn('digest', 'text').execute();
}

export async function downSnapshotDigest(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('snapshots').dropColumn('digest').execute();
}
