import {
  type ComplianceDevice,
  type CompliancePolicy,
  CompliancePolicySchema,
  evaluateCompliance,
  type RiskLevel,
  type Snapshot,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Database, DeviceHistoryTable, DevicesTable, OutboxTable } from '../db/types.ts';
import { newId } from '../ids.ts';
import {
  type DeviceStateUpdate,
  insertHistoryRows,
  insertOutboxRows,
  listDeviceRanks,
  listDevicesWithSnapshots,
  type RatingScope,
  updateDeviceStates,
} from '../queries/device-rating.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { listCompliancePolicyDocs } from '../queries/reports.ts';
import { labelsFor } from './threat-diff.ts';

const LEVELS: readonly RiskLevel[] = ['secured', 'low', 'medium', 'high'];

/** The valid compliance policies among stored documents (invalid ones are ignored, as in ingest). */
export function parsePolicyDocs(docs: readonly string[]): CompliancePolicy[] {
  const policies: CompliancePolicy[] = [];
  for (const doc of docs) {
    const value: unknown = JSON.parse(doc);
    if (Value.Check(CompliancePolicySchema, value)) policies.push(value);
  }
  return policies;
}

/** What compliance evaluation needs of a stored device and its (possibly missing) snapshot. */
export function complianceDeviceOf(
  device: DeviceRow,
  snapshot: Snapshot | undefined,
  riskLevel: RiskLevel,
): ComplianceDevice {
  const osVersion = snapshot?.device.osVersion ?? device.os_version ?? undefined;
  return {
    platform: device.platform,
    ownership: device.ownership,
    user: device.user ?? '',
    groups: JSON.parse(device.groups) as string[],
    riskLevel,
    ...(osVersion !== undefined ? { osVersion } : {}),
    ...(snapshot?.device.securityPatch !== undefined ? { patchLevel: snapshot.device.securityPatch } : {}),
    ...(snapshot?.integrity.screenLock !== undefined ? { screenLock: snapshot.integrity.screenLock } : {}),
    ...(snapshot?.integrity.encrypted !== undefined ? { encrypted: snapshot.integrity.encrypted } : {}),
    lastSeenAt: new Date(device.last_seen_at ?? device.enrolled_at),
    ...(device.noncompliant_since !== null ? { noncompliantSince: new Date(device.noncompliant_since) } : {}),
  };
}

/** Why devices are being re-rated; recorded in history and outbox payloads. */
export interface RerateParams {
  readonly tenantId: string;
  readonly scope: RatingScope;
  readonly at: Date;
  /** e.g. `threat.ignore`, `threat-type.override`, `compliance-policy.update`. */
  readonly reason: string;
  /** Re-evaluate compliance of every device in scope (a policy changed), not only of re-leveled ones. */
  readonly allCompliance?: boolean;
}

/** One device whose stored state changed. */
export interface DeviceStateChange {
  readonly deviceId: string;
  readonly from: { readonly riskLevel: string; readonly complianceState: string };
  readonly to: { readonly riskLevel: RiskLevel; readonly complianceState: string };
  readonly labels: readonly string[];
}

/** Result of {@link rerateDevices}. */
export interface RerateResult {
  readonly examined: number;
  readonly changed: readonly DeviceStateChange[];
}

interface Pending {
  readonly id: string;
  readonly from: { riskLevel: DevicesTable['risk_level']; complianceState: DevicesTable['compliance_state'] };
  readonly level: RiskLevel;
  readonly labels: string;
}

/**
 * Recomputes the stored state of the devices in scope from their active threats, in bulk and in
 * the caller's transaction: risk level (GROUP BY over active threats), MTD risk labels, and
 * compliance for devices whose level changed (or all, with `allCompliance`). Writes the changed
 * devices with chunked set-based UPDATEs, and a `state-changed` history row and
 * `device.state-changed` outbox event per changed device. The caller writes the audit entry.
 */
export async function rerateDevices(trx: Kysely<Database>, params: RerateParams): Promise<RerateResult> {
  const { tenantId, at } = params;
  const iso = at.toISOString();
  const ranked = await listDeviceRanks(trx, tenantId, params.scope);
  const pending: Pending[] = [];
  for (const row of ranked) {
    const level = LEVELS[row.rank] ?? 'secured';
    if (level === row.risk_level && params.allCompliance !== true) continue;
    const labels = JSON.stringify(labelsFor(JSON.parse(row.labels) as string[], level));
    pending.push({
      id: row.id,
      from: { riskLevel: row.risk_level, complianceState: row.compliance_state },
      level,
      labels,
    });
  }

  const policies = pending.length > 0 ? parsePolicyDocs(await listCompliancePolicyDocs(trx, tenantId)) : [];
  const updates: DeviceStateUpdate[] = [];
  const changed: DeviceStateChange[] = [];
  for (let start = 0; start < pending.length; start += 500) {
    const chunk = pending.slice(start, start + 500);
    const rows = await listDevicesWithSnapshots(trx, tenantId, {
      ids: chunk.map((p) => p.id),
      limit: chunk.length,
    });
    const byId = new Map(rows.map((row) => [row.id, row] as const));
    for (const item of chunk) {
      const row = byId.get(item.id);
      if (row === undefined) continue;
      const snapshot = row.snapshot === null ? undefined : (JSON.parse(row.snapshot) as Snapshot);
      const compliance = evaluateCompliance(complianceDeviceOf(row, snapshot, item.level), policies, at);
      const since = compliance.noncompliantSince?.toISOString() ?? null;
      if (
        item.level === row.risk_level &&
        compliance.state === row.compliance_state &&
        item.labels === row.labels &&
        since === row.noncompliant_since
      )
        continue;
      updates.push({
        id: item.id,
        riskLevel: item.level,
        labels: item.labels,
        complianceState: compliance.state,
        noncompliantSince: since,
      });
      if (item.level !== row.risk_level || compliance.state !== row.compliance_state) {
        changed.push({
          deviceId: item.id,
          from: item.from,
          to: { riskLevel: item.level, complianceState: compliance.state },
          labels: JSON.parse(item.labels) as string[],
        });
      }
    }
  }

  await updateDeviceStates(trx, tenantId, updates);
  const history: DeviceHistoryTable[] = [];
  const outbox: Omit<OutboxTable, 'attempts' | 'delivered_at' | 'last_error'>[] = [];
  for (const change of changed) {
    const details = { from: change.from, to: change.to, labels: change.labels, reason: params.reason };
    history.push({
      tenant_id: tenantId,
      id: newId('his'),
      device_id: change.deviceId,
      at: iso,
      kind: 'state-changed',
      details: JSON.stringify(details),
    });
    outbox.push({
      tenant_id: tenantId,
      id: newId('out'),
      topic: 'device.state-changed',
      payload: JSON.stringify({ deviceId: change.deviceId, at: iso, ...details }),
      next_attempt_at: iso,
      created_at: iso,
    });
  }
  await insertHistoryRows(trx, history);
  await insertOutboxRows(trx, outbox);
  return { examined: ranked.length, changed };
}
