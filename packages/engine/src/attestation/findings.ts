/**
 * Turning a verified (or refused) attestation into engine findings.
 */
import type { Finding } from '../detectors/types.ts';
import type { VerifiedBootState } from '../schema/device.ts';
import type { Evidence } from '../types.ts';
import type { AttestationResult } from './types.ts';

/** What the agent itself reported, to be compared with what the hardware attested. */
export interface ReportedDeviceFacts {
  /** As in telemetry `device.osVersion`: Android `14`, or `14.0.0`. */
  readonly osVersion?: string;
  /** As in telemetry `device.securityPatch`: `YYYY-MM-DD` (or `YYYY-MM`). */
  readonly patchLevel?: string;
  /** As in telemetry `integrity.bootloaderLocked`. */
  readonly bootloaderLocked?: boolean;
  /** As in telemetry `integrity.verifiedBootState` (boot colour). */
  readonly verifiedBootState?: VerifiedBootState;
}

const SUBJECT = 'android-key-attestation';

function setting(observed: string, detail: Evidence['detail']): Evidence {
  return { subject: 'attestation', observed, ...(detail === undefined ? {} : { detail }) };
}

const majorOf = (version: string): string | undefined => /^\s*(\d+)/.exec(version)?.[1];
const monthOf = (patch: string): string | undefined => /^(\d{4}-\d{2})/.exec(patch.trim())?.[1];

/**
 * Findings for one attestation result:
 * - `device.attestation-failed` when the verdict is `failed` (one evidence item per reason);
 * - from a verified chain only (a refused chain proves nothing about the device):
 *   `device.bootloader-unlocked` (root of trust says unlocked), `device.boot-not-verified`
 *   (verified boot state is not VERIFIED), and `device.attestation-mismatch` when the agent's
 *   reported OS major version, patch month, bootloader lock or boot colour differs from the
 *   attested one (a lying agent).
 * OS versions are compared on the major number only: Android reports `14` to apps while KeyMint
 * minor/sub-minor levels are populated inconsistently by vendors.
 */
export function attestationFindings(
  result: AttestationResult,
  reported: ReportedDeviceFacts = {},
): Finding[] {
  if (result.verdict === 'failed') {
    const codes = [...new Set(result.reasons.map((reason) => reason.code))].join(', ');
    return [
      {
        typeId: 'device.attestation-failed',
        subject: SUBJECT,
        summary: `Hardware attestation refused (${codes})`,
        evidence: result.reasons.map((reason) =>
          setting(reason.code, {
            message: reason.message,
            certificateIndex: reason.certificateIndex ?? null,
          }),
        ),
      },
    ];
  }
  const findings: Finding[] = [];
  const { facts } = result;
  if (facts.bootloaderLocked === false) {
    findings.push({
      typeId: 'device.bootloader-unlocked',
      summary: 'The bootloader is unlocked (attested by secure hardware)',
      evidence: [
        setting('deviceLocked=false', { attested: true, verifiedBootState: facts.verifiedBootState ?? null }),
      ],
    });
  }
  if (facts.verifiedBootState !== undefined && facts.verifiedBootState !== 'VERIFIED') {
    findings.push({
      typeId: 'device.boot-not-verified',
      summary: `Verified boot state is ${facts.verifiedBootState} (attested by secure hardware)`,
      evidence: [
        setting(`verifiedBootState=${facts.verifiedBootState}`, {
          expected: 'VERIFIED',
          observed: facts.verifiedBootState,
        }),
      ],
    });
  }
  const mismatches: Evidence[] = [];
  const reportedMajor = reported.osVersion === undefined ? undefined : majorOf(reported.osVersion);
  const attestedMajor = facts.osVersion === undefined ? undefined : majorOf(facts.osVersion);
  if (reportedMajor !== undefined && attestedMajor !== undefined && reportedMajor !== attestedMajor) {
    mismatches.push(
      setting('osVersion', { reported: reported.osVersion ?? null, attested: facts.osVersion ?? null }),
    );
  }
  const reportedMonth = reported.patchLevel === undefined ? undefined : monthOf(reported.patchLevel);
  const attestedMonth = facts.patchLevel === undefined ? undefined : monthOf(facts.patchLevel);
  if (reportedMonth !== undefined && attestedMonth !== undefined && reportedMonth !== attestedMonth) {
    mismatches.push(
      setting('patchLevel', { reported: reported.patchLevel ?? null, attested: facts.patchLevel ?? null }),
    );
  }
  if (
    reported.bootloaderLocked !== undefined &&
    facts.bootloaderLocked !== undefined &&
    reported.bootloaderLocked !== facts.bootloaderLocked
  ) {
    mismatches.push(
      setting('bootloaderLocked', { reported: reported.bootloaderLocked, attested: facts.bootloaderLocked }),
    );
  }
  const reportedColor = reported.verifiedBootState;
  if (
    reportedColor !== undefined &&
    reportedColor !== 'unknown' &&
    facts.verifiedBootColor !== undefined &&
    reportedColor !== facts.verifiedBootColor
  ) {
    mismatches.push(
      setting('verifiedBootState', { reported: reportedColor, attested: facts.verifiedBootColor }),
    );
  }
  if (mismatches.length > 0) {
    findings.push({
      typeId: 'device.attestation-mismatch',
      summary: `The agent's report disagrees with the hardware attestation (${mismatches.map((m) => m.observed).join(', ')})`,
      evidence: mismatches,
    });
  }
  return findings;
}
