import type { Snapshot } from '@riskgate/engine';
import type { Insertable, Kysely } from 'kysely';
import type { Database, DevicesTable, ThreatsTable } from '../src/db/types.ts';
import { newId } from '../src/ids.ts';

/** A device row with sensible defaults; override any column. */
export function deviceRow(
  tenantId: string,
  overrides: Partial<Insertable<DevicesTable>> = {},
): Insertable<DevicesTable> {
  const id = overrides.id ?? newId('dev');
  return {
    tenant_id: tenantId,
    id,
    platform: 'android',
    ownership: 'corporate',
    user: 'alice@example.com',
    groups: '[]',
    name: null,
    model: 'Pixel 9',
    manufacturer: 'Google',
    os_version: '16',
    public_key_jwk: '{}',
    cert_serial: id,
    cert_fingerprint: `fp-${id}`,
    enrollment_token_id: null,
    enrolled_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: '2026-11-01T00:00:00.000Z',
    agent_version: '1.0.0',
    risk_level: 'secured',
    compliance_state: 'unknown',
    labels: '[]',
    retired_at: null,
    noncompliant_since: null,
    ...overrides,
  };
}

/** An active threat row of a device; override any column. */
export function threatRow(
  tenantId: string,
  deviceId: string,
  overrides: Partial<ThreatsTable> = {},
): ThreatsTable {
  const typeId = overrides.type_id ?? 'app.stalkerware';
  return {
    tenant_id: tenantId,
    id: newId('thr'),
    device_id: deviceId,
    key: `${typeId}:${newId('thr')}`,
    type_id: typeId,
    class: typeId.split('.')[0] ?? 'app',
    risk: overrides.risk ?? 'high',
    default_risk: overrides.risk ?? 'high',
    state: 'active',
    title: 'Stalkerware',
    summary: 'TheTruthSpy stalkerware (com.apspy.app)',
    evidence: JSON.stringify([{ kind: 'app', id: 'com.apspy.app' }]),
    attack: '["T1430"]',
    family: 'TheTruthSpy',
    remediation: '["Uninstall it"]',
    first_seen: '2026-11-01T00:00:00.000Z',
    last_seen: '2026-11-01T00:00:00.000Z',
    resolved_at: null,
    ...overrides,
  };
}

/** Inserts rows in chunks of 200 (fast enough for 100,000 devices on SQLite). */
export async function insertRows(
  db: Kysely<Database>,
  devices: readonly Insertable<DevicesTable>[],
  threats: readonly ThreatsTable[] = [],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < devices.length; i += 200)
      await trx
        .insertInto('devices')
        .values(devices.slice(i, i + 200))
        .execute();
    for (let i = 0; i < threats.length; i += 200)
      await trx
        .insertInto('threats')
        .values(threats.slice(i, i + 200))
        .execute();
  });
}

/** Stores a device's latest snapshot. */
export async function insertSnapshot(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  snapshot: Snapshot,
): Promise<void> {
  await db
    .insertInto('snapshots')
    .values({
      tenant_id: tenantId,
      device_id: deviceId,
      snapshot: JSON.stringify(snapshot),
      updated_at: snapshot.collectedAt,
    })
    .execute();
}
