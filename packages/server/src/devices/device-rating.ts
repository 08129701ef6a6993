import {
  type ComplianceDevice,
  type CompliancePolicy,
  CompliancePolicySchema,
  evaluateCompliance,
  labelsFor,
  type RiskLevel,
  riskLevelOfRank,
  type Snapshot,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import { complianceAttestationOf } from '../attestation/attestation-summary.ts';
import type { Database, DevicesTable } from '../db/types.ts';
import { randomBase32 } from '../ids.ts';
import {
  type DeviceStateUpdate,
  listDeviceRanks,
  listDevicesByIds,
  listDevicesWithSnapshots,
  type RatedDeviceRow,
  type RatingScope,
  writeDeviceStateGroup,
} from '../queries/device-rating.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { listCompliancePolicyDocs } from '../queries/reports.ts';

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
  const attestation = complianceAttestationOf(snapshot);
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
    ...(attestation !== undefined ? { attestation } : {}),
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
  readonly row: RatedDeviceRow;
  readonly level: RiskLevel;
  readonly labels: string;
}

interface ComplianceOutcome {
  readonly state: DevicesTable['compliance_state'];
  readonly since: string | null;
}

/** Policy rules that read only the device row and its risk level, never its snapshot. */
const ROW_ONLY_RULES: ReadonlySet<string> = new Set(['maxThreatLevel']);

/**
 * Whether evaluating the policy may read what only the stored snapshot holds (OS version, patch
 * level, screen lock, encryption, attestation): any rule but the threat level, known or not.
 */
export function readsSnapshot(policy: CompliancePolicy): boolean {
  return Object.entries(policy.rules).some(
    ([rule, value]) => value !== undefined && !ROW_ONLY_RULES.has(rule),
  );
}

/**
 * Compliance of each pending device; devices are only loaded when a policy is enabled, and their
 * snapshots only when a policy has a rule that reads one (a threat-level-only policy does not:
 * loading and parsing 5,000 snapshots was a quarter of a reclassification's time).
 */
async function complianceOf(
  trx: Kysely<Database>,
  tenantId: string,
  pending: readonly Pending[],
  at: Date,
): Promise<Map<string, ComplianceOutcome>> {
  const out = new Map<string, ComplianceOutcome>();
  if (pending.length === 0) return out;
  const policies = parsePolicyDocs(await listCompliancePolicyDocs(trx, tenantId));
  if (!policies.some((policy) => policy.enabled)) {
    // With no enabled policy every device is compliant: nothing to load.
    for (const item of pending) out.set(item.row.id, { state: 'compliant', since: null });
    return out;
  }
  const withSnapshots = policies.some(readsSnapshot);
  for (let start = 0; start < pending.length; start += 500) {
    const chunk = pending.slice(start, start + 500);
    const levels = new Map(chunk.map((item) => [item.row.id, item.level] as const));
    const ids = [...levels.keys()];
    const rows: (DeviceRow & { readonly snapshot: string | null })[] = withSnapshots
      ? await listDevicesWithSnapshots(trx, tenantId, { ids, limit: chunk.length })
      : (await listDevicesByIds(trx, tenantId, ids)).map((row) => ({ ...row, snapshot: null }));
    for (const row of rows) {
      const level = levels.get(row.id) ?? 'secured';
      const snapshot = row.snapshot === null ? undefined : (JSON.parse(row.snapshot) as Snapshot);
      const result = evaluateCompliance(complianceDeviceOf(row, snapshot, level), policies, at);
      out.set(row.id, { state: result.state, since: result.noncompliantSince?.toISOString() ?? null });
    }
  }
  return out;
}

/**
 * Recomputes the stored state of the devices in scope from their active threats, in bulk and in
 * the caller's transaction: risk level (GROUP BY over active threats), MTD risk labels, and
 * compliance for devices whose level changed (or all, with `allCompliance`). Writes the changed
 * devices grouped by identical new state with set-based statements, and a `state-changed` history
 * row and `device.state-changed` outbox event per device whose level or compliance changed. The caller
 * writes the audit entry.
 */
export async function rerateDevices(trx: Kysely<Database>, params: RerateParams): Promise<RerateResult> {
  const { tenantId, at } = params;
  const iso = at.toISOString();
  const ranked = await listDeviceRanks(trx, tenantId, params.scope);
  const pending: Pending[] = [];
  for (const row of ranked) {
    const level = riskLevelOfRank(row.rank);
    if (level === row.risk_level && params.allCompliance !== true) continue;
    pending.push({
      row,
      level,
      labels: JSON.stringify(labelsFor(JSON.parse(row.labels) as string[], level)),
    });
  }
  const compliance = await complianceOf(trx, tenantId, pending, at);
  const groups = new Map<string, { update: DeviceStateUpdate; change?: DeviceStateChange; ids: string[] }>();
  const changed: DeviceStateChange[] = [];
  for (const { row, level, labels } of pending) {
    const outcome = compliance.get(row.id);
    if (outcome === undefined) continue;
    const same =
      level === row.risk_level &&
      outcome.state === row.compliance_state &&
      labels === row.labels &&
      outcome.since === row.noncompliant_since;
    if (same) continue;
    const update: DeviceStateUpdate = {
      riskLevel: level,
      labels,
      complianceState: outcome.state,
      noncompliantSince: outcome.since,
    };
    const isChange = level !== row.risk_level || outcome.state !== row.compliance_state;
    const from = { riskLevel: row.risk_level, complianceState: row.compliance_state };
    const key = JSON.stringify([update, isChange ? from : null]);
    let group = groups.get(key);
    if (group === undefined) {
      const change = isChange
        ? {
            deviceId: '',
            from,
            to: { riskLevel: level, complianceState: outcome.state },
            labels: JSON.parse(labels) as string[],
          }
        : undefined;
      group = { update, ids: [], ...(change !== undefined ? { change } : {}) };
      groups.set(key, group);
    }
    group.ids.push(row.id);
    if (group.change !== undefined) changed.push({ ...group.change, deviceId: row.id });
  }

  for (const group of groups.values()) {
    const event =
      group.change === undefined
        ? undefined
        : {
            historyIdPrefix: `his_${randomBase32(5)}`,
            outboxIdPrefix: `out_${randomBase32(5)}`,
            at: iso,
            details: JSON.stringify({
              from: group.change.from,
              to: group.change.to,
              labels: group.change.labels,
              reason: params.reason,
            }),
          };
    await writeDeviceStateGroup(trx, tenantId, group.ids, group.update, event);
  }
  return { examined: ranked.length, changed };
}
