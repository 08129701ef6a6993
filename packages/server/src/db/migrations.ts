import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator } from 'kysely';
import { downAccess, upAccess } from './migrations-access.ts';
import { downAccessBinding, upAccessBinding } from './migrations-access-binding.ts';
import { downAttestation, upAttestation } from './migrations-attestation.ts';
import { downServerKeys, upServerKeys } from './migrations-audit.ts';
import { downClusterVersions, upClusterVersions } from './migrations-cluster.ts';
import { downDeviceIdentity, upDeviceIdentity } from './migrations-device-identity.ts';
import {
  downDevicesByRiskAndId,
  downDevicesByUser,
  upDevicesByRiskAndId,
  upDevicesByUser,
} from './migrations-devices.ts';
import {
  downSnapshotDigest,
  downThreatsByDevice,
  upSnapshotDigest,
  upThreatsByDevice,
} from './migrations-ingest.ts';
import { downIntelFeedContext, upIntelFeedContext } from './migrations-intel.ts';
import { downIntelFeedUpstreams, upIntelFeedUpstreams } from './migrations-intel-upstream.ts';
import { downMdm, upMdm } from './migrations-mdm.ts';
import { downDevicesByCertSerial, upDevicesByCertSerial } from './migrations-pki.ts';
import { downAuditPruneMarkers, upAuditPruneMarkers } from './migrations-retention.ts';
import { downReevaluateAt, downStateSequence, upReevaluateAt, upStateSequence } from './migrations-state.ts';
import { downThreatDefaultRisk, upThreatDefaultRisk } from './migrations-threat-risk.ts';

// Migrations use only column types valid on both SQLite and PostgreSQL (text, integer), and
// take `Kysely<unknown>` because a migration must not depend on today's table types.

type Db = Kysely<unknown>;

const tenantColumn = 'tenant_id';

async function createTables(db: Db): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('admins')
    .addColumn(tenantColumn, 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('admins_tenant_email', [tenantColumn, 'email'])
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn(tenantColumn, 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('admin_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_prefix').on('api_tokens').column('prefix').execute();

  await db.schema
    .createTable('enrollment_tokens')
    .addColumn(tenantColumn, 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('ownership', 'text', (c) => c.notNull())
    .addColumn('groups', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('uses_left', 'integer')
    .addColumn('max_uses', 'integer')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('enrollment_tokens_prefix').on('enrollment_tokens').column('prefix').execute();

  await db.schema
    .createTable('device_cas')
    .addColumn(tenantColumn, 'text', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('cert_pem', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('devices')
    .addColumn(tenantColumn, 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('ownership', 'text', (c) => c.notNull())
    .addColumn('user', 'text')
    .addColumn('groups', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('model', 'text')
    .addColumn('manufacturer', 'text')
    .addColumn('os_version', 'text')
    .addColumn('public_key_jwk', 'text', (c) => c.notNull())
    .addColumn('cert_serial', 'text', (c) => c.notNull())
    .addColumn('cert_fingerprint', 'text', (c) => c.notNull())
    .addColumn('enrollment_token_id', 'text')
    .addColumn('enrolled_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .addColumn('agent_version', 'text')
    .addColumn('risk_level', 'text', (c) => c.notNull())
    .addColumn('compliance_state', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .addColumn('noncompliant_since', 'text')
    .execute();
  await db.schema.createIndex('devices_tenant').on('devices').columns([tenantColumn, 'risk_level']).execute();
  await db.schema.createIndex('devices_fingerprint').on('devices').column('cert_fingerprint').execute();

  await db.schema
    .createTable('device_nonces')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_nonces_pk', ['device_id', 'nonce'])
    .execute();
  await db.schema.createIndex('device_nonces_expiry').on('device_nonces').column('expires_at').execute();

  await db.schema
    .createTable('snapshots')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.primaryKey())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reports')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reports_pk', ['device_id', 'report_id'])
    .execute();

  await db.schema
    .createTable('threats')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('risk', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('attack', 'text', (c) => c.notNull())
    .addColumn('family', 'text')
    .addColumn('remediation', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addUniqueConstraint('threats_device_key', ['device_id', 'key'])
    .execute();
  await db.schema
    .createIndex('threats_tenant_state')
    .on('threats')
    .columns([tenantColumn, 'state'])
    .execute();

  await db.schema
    .createTable('device_history')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_history_device')
    .on('device_history')
    .columns(['device_id', 'at'])
    .execute();

  await db.schema
    .createTable('threat_type_overrides')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('risk', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('threat_type_overrides_pk', [tenantColumn, 'type_id'])
    .execute();

  for (const table of ['compliance_policies', 'access_policies'] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn(tenantColumn, 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull());
    if (table === 'access_policies') builder = builder.addColumn('state', 'text', (c) => c.notNull());
    await builder
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  }

  await db.schema
    .createTable('resources')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('intel_feeds')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('version', 'text')
    .addColumn('digest', 'text')
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('path', 'text')
    .addUniqueConstraint('intel_feeds_tenant_name', [tenantColumn, 'name'])
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('settings_pk', [tenantColumn, 'key'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_pk', [tenantColumn, 'seq'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn(tenantColumn, 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('outbox_pending')
    .on('outbox')
    .columns(['delivered_at', 'next_attempt_at'])
    .execute();
}

const TABLES_IN_DROP_ORDER = [
  'outbox',
  'audit_log',
  'settings',
  'intel_feeds',
  'resources',
  'access_policies',
  'compliance_policies',
  'threat_type_overrides',
  'device_history',
  'threats',
  'reports',
  'snapshots',
  'device_nonces',
  'devices',
  'device_cas',
  'enrollment_tokens',
  'api_tokens',
  'admins',
  'tenants',
];

/** Every migration, in order. Names sort in application order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': {
    up: createTables,
    async down(db: Db) {
      for (const table of TABLES_IN_DROP_ORDER) await db.schema.dropTable(table).ifExists().execute();
    },
  },
  '0002_access': { up: upAccess, down: downAccess },
  '0003_attestation': { up: upAttestation, down: downAttestation },
  '0004_threats_device_state': { up: upThreatsByDevice, down: downThreatsByDevice },
  '0005_devices_user': { up: upDevicesByUser, down: downDevicesByUser },
  '0006_devices_risk_id': { up: upDevicesByRiskAndId, down: downDevicesByRiskAndId },
  '0007_snapshot_digest': { up: upSnapshotDigest, down: downSnapshotDigest },
  '0008_server_keys': { up: upServerKeys, down: downServerKeys },
  '0009_cluster_versions': { up: upClusterVersions, down: downClusterVersions },
  '0010_device_identity': { up: upDeviceIdentity, down: downDeviceIdentity },
  '0011_device_state_sequence': { up: upStateSequence, down: downStateSequence },
  '0012_access_tenant_binding': { up: upAccessBinding, down: downAccessBinding },
  '0013_devices_cert_serial': { up: upDevicesByCertSerial, down: downDevicesByCertSerial },
  '0014_threat_default_risk': { up: upThreatDefaultRisk, down: downThreatDefaultRisk },
  '0015_device_reevaluate_at': { up: upReevaluateAt, down: downReevaluateAt },
  '0016_intel_feed_context': { up: upIntelFeedContext, down: downIntelFeedContext },
  '0017_intel_feed_upstreams': { up: upIntelFeedUpstreams, down: downIntelFeedUpstreams },
  '0018_mdm': { up: upMdm, down: downMdm },
  '0019_audit_prune_markers': { up: upAuditPruneMarkers, down: downAuditPruneMarkers },
};

/** Kysely migration provider that serves {@link MIGRATIONS} from code (no files on disk). */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<void> {
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
