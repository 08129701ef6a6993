import {
  type ComplianceDevice,
  type CompliancePolicy,
  CompliancePolicySchema,
  type Snapshot,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import { complianceAttestationOf } from '../attestation/attestation-summary.ts';
import type { DeviceRow } from '../queries/devices.ts';

/** The valid compliance policies among stored documents (invalid ones are ignored, as in ingest). */
export function parsePolicyDocs(docs: readonly string[]): CompliancePolicy[] {
  const policies: CompliancePolicy[] = [];
  for (const doc of docs) {
    const value: unknown = JSON.parse(doc);
    if (Value.Check(CompliancePolicySchema, value)) policies.push(value);
  }
  return policies;
}

/** The device facts compliance reads, from a stored device and its (possibly missing) snapshot. */
export function deviceFactsOf(
  device: DeviceRow,
  snapshot: Snapshot | undefined,
): Omit<ComplianceDevice, 'riskLevel'> {
  const osVersion = snapshot?.device.osVersion ?? device.os_version ?? undefined;
  const attestation = complianceAttestationOf(snapshot);
  return {
    platform: device.platform,
    ownership: device.ownership,
    user: device.user ?? '',
    groups: JSON.parse(device.groups) as string[],
    ...(osVersion !== undefined ? { osVersion } : {}),
    ...(snapshot?.device.securityPatch !== undefined ? { patchLevel: snapshot.device.securityPatch } : {}),
    ...(snapshot?.integrity.screenLock !== undefined ? { screenLock: snapshot.integrity.screenLock } : {}),
    ...(snapshot?.integrity.encrypted !== undefined ? { encrypted: snapshot.integrity.encrypted } : {}),
    ...(attestation !== undefined ? { attestation } : {}),
    lastSeenAt: new Date(device.last_seen_at ?? device.enrolled_at),
    ...(device.noncompliant_since !== null ? { noncompliantSince: new Date(device.noncompliant_since) } : {}),
  };
}

/** {@link deviceFactsOf} with a risk level, for an explanation of the stored state. */
export function complianceDeviceOf(
  device: DeviceRow,
  snapshot: Snapshot | undefined,
  riskLevel: ComplianceDevice['riskLevel'],
): ComplianceDevice {
  return { ...deviceFactsOf(device, snapshot), riskLevel };
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
