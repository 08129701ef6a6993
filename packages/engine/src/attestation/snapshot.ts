/**
 * The server-verified attestation in the telemetry schema's shape (`integrity.attestation`), so the
 * device detail can show the verified facts beside the reported ones.
 */
import type { Attestation } from '../schema/device.ts';
import type { AttestationResult, AttestationSecurityLevel } from './types.ts';

const SECURITY_LEVELS: Readonly<Record<AttestationSecurityLevel, NonNullable<Attestation['securityLevel']>>> =
  {
    SOFTWARE: 'software',
    TRUSTED_ENVIRONMENT: 'trusted-environment',
    STRONG_BOX: 'strongbox',
  };

/**
 * The attested security patch as a calendar date. KeyMint attests the OS patch as a month only;
 * the vendor (then boot) patch level carries the day, used when it falls in the same month,
 * otherwise the first of the month.
 */
function attestedSecurityPatch(result: AttestationResult): string | undefined {
  const month = result.facts.patchLevel;
  if (month === undefined) return undefined;
  const withDay = [result.facts.vendorPatchLevel, result.facts.bootPatchLevel].find(
    (date) => date !== undefined && date.length === 10 && date.startsWith(month),
  );
  return withDay ?? `${month}-01`;
}

/**
 * Converts a verification result to the snapshot's `Attestation` (method `android-key-attestation`):
 * `pass` / `fail`, the security level, the attested boot and patch facts, the failure reasons as
 * text, and `checkedAt`. Facts of a refused chain are left out: they are not evidence.
 */
export function toSnapshotAttestation(
  result: AttestationResult,
  checkedAt: Date,
  certificateChain?: readonly string[],
): Attestation {
  const verified = result.verdict === 'verified';
  const { facts } = result;
  const patch = verified ? attestedSecurityPatch(result) : undefined;
  const reason = result.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
  return {
    verdict: verified ? 'pass' : 'fail',
    method: 'android-key-attestation',
    ...(result.securityLevel === undefined ? {} : { securityLevel: SECURITY_LEVELS[result.securityLevel] }),
    ...(certificateChain === undefined ? {} : { certificateChain: [...certificateChain] }),
    ...(reason === '' ? {} : { reason: reason.slice(0, 512) }),
    ...(verified && facts.bootloaderLocked !== undefined
      ? { attestedBootloaderLocked: facts.bootloaderLocked }
      : {}),
    ...(verified && facts.verifiedBootColor !== undefined
      ? { attestedVerifiedBootState: facts.verifiedBootColor }
      : {}),
    ...(patch === undefined ? {} : { attestedSecurityPatch: patch }),
    ...(verified && facts.osVersion !== undefined ? { attestedOsVersion: facts.osVersion } : {}),
    checkedAt: checkedAt.toISOString(),
  };
}
