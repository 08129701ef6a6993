import type { Integrity } from '../schema/device.ts';
import type { Evidence } from '../types.ts';
import type { DetectorContext, Finding } from './types.ts';

type Flag = keyof Integrity;

/** A boolean integrity flag that is a threat when it has the given value. */
interface FlagRule {
  readonly typeId: string;
  readonly flag: Flag;
  readonly when: boolean;
  readonly summary: string;
}

const FLAG_RULES: readonly FlagRule[] = [
  { typeId: 'device.rooted', flag: 'rooted', when: true, summary: 'The device is rooted' },
  { typeId: 'device.jailbroken', flag: 'jailbroken', when: true, summary: 'The device is jailbroken' },
  {
    typeId: 'device.bootloader-unlocked',
    flag: 'bootloaderLocked',
    when: false,
    summary: 'The bootloader is unlocked',
  },
  {
    typeId: 'device.developer-options',
    flag: 'developerOptions',
    when: true,
    summary: 'Developer options are on',
  },
  { typeId: 'device.usb-debugging', flag: 'usbDebugging', when: true, summary: 'USB debugging is on' },
  {
    typeId: 'device.unknown-sources',
    flag: 'unknownSources',
    when: true,
    summary: 'Unknown sources are allowed',
  },
  { typeId: 'device.no-screen-lock', flag: 'screenLock', when: false, summary: 'No screen lock is set' },
  { typeId: 'device.not-encrypted', flag: 'encrypted', when: false, summary: 'Storage is not encrypted' },
];

function setting(name: string, observed: string | boolean): Evidence {
  return {
    subject: 'setting',
    observed: `${name}=${String(observed)}`,
    detail: { setting: name, value: observed },
  };
}

/**
 * Device integrity: each explicit bad value of an integrity flag is a threat (absent = unknown = no
 * threat). Root/jailbreak evidence lists the agent's indicators.
 */
export function detectDeviceIntegrity({ snapshot }: DetectorContext): Finding[] {
  const integrity = snapshot.integrity;
  const findings: Finding[] = [];
  for (const rule of FLAG_RULES) {
    if (integrity[rule.flag] !== rule.when) continue;
    const evidence: Evidence[] = [setting(rule.flag, rule.when)];
    if (rule.flag === 'rooted' || rule.flag === 'jailbroken') {
      for (const indicator of integrity.rootIndicators ?? [])
        evidence.push({ subject: 'root-indicator', observed: indicator });
    }
    findings.push({ typeId: rule.typeId, summary: rule.summary, evidence });
  }
  const boot = integrity.verifiedBootState;
  if (boot === 'yellow' || boot === 'orange' || boot === 'red') {
    findings.push({
      typeId: 'device.boot-not-verified',
      summary: `Verified boot state is ${boot}`,
      evidence: [setting('verifiedBootState', boot)],
    });
  }
  const selinux = integrity.selinux;
  if (selinux === 'permissive' || selinux === 'disabled') {
    findings.push({
      typeId: 'device.selinux-permissive',
      summary: `SELinux is ${selinux}`,
      evidence: [setting('selinux', selinux)],
    });
  }
  return findings;
}

/** Adds a mismatch when both values are known and differ (a module function: no closure per call). */
function compare(
  mismatches: Evidence[],
  field: string,
  attested: string | boolean | undefined,
  reported: string | boolean | undefined,
): void {
  if (attested === undefined || reported === undefined || attested === reported) return;
  mismatches.push({
    subject: 'attestation',
    observed: `${field}: reported ${String(reported)}, attested ${String(attested)}`,
    detail: { field, reported, attested },
  });
}

/** Compares what attestation claims with what the agent reported; returns the contradicting fields. */
function attestationMismatches(ctx: DetectorContext): Evidence[] {
  const { device, integrity } = ctx.snapshot;
  const attestation = integrity.attestation;
  if (
    attestation === undefined ||
    (attestation.attestedBootloaderLocked === undefined &&
      attestation.attestedVerifiedBootState === undefined &&
      attestation.attestedSecurityPatch === undefined &&
      attestation.attestedOsVersion === undefined)
  ) {
    return [];
  }
  const mismatches: Evidence[] = [];
  compare(mismatches, 'bootloaderLocked', attestation.attestedBootloaderLocked, integrity.bootloaderLocked);
  compare(
    mismatches,
    'verifiedBootState',
    attestation.attestedVerifiedBootState,
    integrity.verifiedBootState,
  );
  // Patch levels: compare year and month (attestation often carries only YYYY-MM).
  compare(
    mismatches,
    'securityPatch',
    attestation.attestedSecurityPatch?.slice(0, 7),
    device.securityPatch?.slice(0, 7),
  );
  compare(
    mismatches,
    'osVersion',
    attestation.attestedOsVersion?.split('.')[0],
    device.osVersion.split('.')[0],
  );
  return mismatches;
}

/**
 * Attestation: `fail` → failed; absent or `unavailable` → missing (when `settings.requireAttestation`);
 * attested values that contradict reported ones → mismatch. `unverified` raises nothing: the server
 * verifies the evidence and replaces the verdict.
 */
export function detectAttestation(ctx: DetectorContext): Finding[] {
  const attestation = ctx.snapshot.integrity.attestation;
  const findings: Finding[] = [];
  if (attestation?.verdict === 'fail') {
    findings.push({
      typeId: 'device.attestation-failed',
      summary: `Attestation failed${attestation.reason ? `: ${attestation.reason}` : ''}`,
      evidence: [
        {
          subject: 'attestation',
          observed: 'fail',
          detail: { method: attestation.method ?? null, reason: attestation.reason ?? null },
        },
      ],
    });
  } else if (
    ctx.settings.requireAttestation &&
    (attestation === undefined || attestation.verdict === 'unavailable')
  ) {
    findings.push({
      typeId: 'device.attestation-missing',
      summary: attestation ? 'The device could not produce an attestation' : 'The device sent no attestation',
      evidence: [{ subject: 'attestation', observed: attestation ? 'unavailable' : 'absent' }],
    });
  }
  const mismatches = attestationMismatches(ctx);
  if (mismatches.length > 0) {
    findings.push({
      typeId: 'device.attestation-mismatch',
      summary: `Reported state contradicts attestation (${mismatches.map((m) => m.detail?.field).join(', ')})`,
      evidence: mismatches,
    });
  }
  return findings;
}
