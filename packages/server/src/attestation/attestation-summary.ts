/**
 * The stored form of one server-side attestation verification: what the device detail shows and
 * what later reports without a chain reuse. Device ids (IMEI, serial…) are left out on purpose.
 */
import type {
  Attestation,
  AttestationFacts,
  AttestationReason,
  AttestationResult,
  AttestationSecurityLevel,
  ComplianceAttestation,
  Finding,
  ReportedDeviceFacts,
  Snapshot,
} from '@riskgate/engine';
import { attestationFindings, toSnapshotAttestation } from '@riskgate/engine';

/** A verification, as stored in `device_attestations.summary`. */
export interface AttestationSummary {
  readonly verdict: 'verified' | 'failed';
  readonly reasons: readonly AttestationReason[];
  readonly securityLevel?: AttestationSecurityLevel;
  readonly facts: Pick<
    AttestationFacts,
    | 'osVersion'
    | 'patchLevel'
    | 'vendorPatchLevel'
    | 'bootPatchLevel'
    | 'bootloaderLocked'
    | 'verifiedBootState'
    | 'verifiedBootColor'
    | 'securityLevel'
    | 'packageNames'
  >;
  /** Subject of the Google root the chain ended in. */
  readonly trustedRoot?: string;
  readonly checkedAt: string;
}

/** Keeps the fields of a result worth storing. */
export function summarize(result: AttestationResult, checkedAt: Date): AttestationSummary {
  // Facts of a refused chain are not evidence: not kept.
  const facts: AttestationFacts = result.verdict === 'verified' ? result.facts : { packageNames: [] };
  const picked: AttestationSummary['facts'] = {
    packageNames: [...facts.packageNames],
    ...(facts.osVersion === undefined ? {} : { osVersion: facts.osVersion }),
    ...(facts.patchLevel === undefined ? {} : { patchLevel: facts.patchLevel }),
    ...(facts.vendorPatchLevel === undefined ? {} : { vendorPatchLevel: facts.vendorPatchLevel }),
    ...(facts.bootPatchLevel === undefined ? {} : { bootPatchLevel: facts.bootPatchLevel }),
    ...(facts.bootloaderLocked === undefined ? {} : { bootloaderLocked: facts.bootloaderLocked }),
    ...(facts.verifiedBootState === undefined ? {} : { verifiedBootState: facts.verifiedBootState }),
    ...(facts.verifiedBootColor === undefined ? {} : { verifiedBootColor: facts.verifiedBootColor }),
    ...(facts.securityLevel === undefined ? {} : { securityLevel: facts.securityLevel }),
  };
  return {
    verdict: result.verdict,
    reasons: result.reasons.map((reason) => ({ ...reason })),
    ...(result.securityLevel === undefined ? {} : { securityLevel: result.securityLevel }),
    facts: picked,
    ...(result.trustedRoot === undefined ? {} : { trustedRoot: result.trustedRoot }),
    checkedAt: checkedAt.toISOString(),
  };
}

/** The summary as a verifier result again (no certificates), for the engine's helpers. */
export function resultOf(summary: AttestationSummary): AttestationResult {
  return {
    verdict: summary.verdict,
    reasons: summary.reasons,
    ...(summary.securityLevel === undefined ? {} : { securityLevel: summary.securityLevel }),
    facts: summary.facts,
    certificates: [],
    ...(summary.trustedRoot === undefined ? {} : { trustedRoot: summary.trustedRoot }),
  };
}

/** What the agent reported about the facts the hardware attests. */
export function reportedFactsOf(snapshot: Snapshot): ReportedDeviceFacts {
  const { device, integrity } = snapshot;
  return {
    osVersion: device.osVersion,
    ...(device.securityPatch === undefined ? {} : { patchLevel: device.securityPatch }),
    ...(integrity.bootloaderLocked === undefined ? {} : { bootloaderLocked: integrity.bootloaderLocked }),
    ...(integrity.verifiedBootState === undefined ? {} : { verifiedBootState: integrity.verifiedBootState }),
  };
}

/**
 * Findings of a verification. `device.attestation-failed` loses its subject so it shares the key
 * of the built-in detector's finding (raised from the same verdict in the snapshot): `assess`
 * merges the two into one threat instead of two.
 */
export function findingsOf(summary: AttestationSummary, reported: ReportedDeviceFacts): Finding[] {
  return attestationFindings(resultOf(summary), reported).map((finding) =>
    finding.typeId === 'device.attestation-failed'
      ? {
          typeId: finding.typeId,
          summary: finding.summary,
          evidence: finding.evidence,
          ...(finding.risk === undefined ? {} : { risk: finding.risk }),
        }
      : finding,
  );
}

/**
 * The snapshot's `integrity.attestation` for a verification; with `maxAgeMs`, it carries until
 * when it stands (`validUntil`, what compliance reads between reports).
 */
export function snapshotAttestationOf(summary: AttestationSummary, maxAgeMs?: number): Attestation {
  const attestation = toSnapshotAttestation(resultOf(summary), new Date(summary.checkedAt));
  if (maxAgeMs === undefined || summary.verdict !== 'verified') return attestation;
  return { ...attestation, validUntil: validUntilOf(summary, maxAgeMs).toISOString() };
}

/** When a verification stops standing in for reports: its check time plus the maximum age. */
export function validUntilOf(summary: Pick<AttestationSummary, 'checkedAt'>, maxAgeMs: number): Date {
  return new Date(Date.parse(summary.checkedAt) + maxAgeMs);
}

const COMPLIANCE_LEVELS: ReadonlySet<string> = new Set(['software', 'trusted-environment', 'strongbox']);

/**
 * The compliance view of a stored snapshot's attestation. Stored snapshots carry the server's
 * verdict (report ingestion replaces the agent's claim), so `pass` means verified by this server.
 */
export function complianceAttestationOf(snapshot: Snapshot | undefined): ComplianceAttestation | undefined {
  const attestation = snapshot?.integrity.attestation;
  if (attestation === undefined) return undefined;
  if (attestation.verdict === 'fail') return { state: 'failed' };
  if (attestation.verdict !== 'pass' || attestation.method !== 'android-key-attestation') return undefined;
  const level = attestation.securityLevel;
  return {
    state: 'verified',
    ...(level !== undefined && COMPLIANCE_LEVELS.has(level) ? { securityLevel: level } : {}),
    ...(attestation.validUntil === undefined ? {} : { validUntil: new Date(attestation.validUntil) }),
  };
}
