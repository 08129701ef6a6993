import { riskRank } from '../risk/order.ts';
import type { ComplianceDevice, FailingRule } from './model.ts';
import type { ComplianceRules } from './schema.ts';
import { compareDottedVersions } from './version.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

const PATCH_LEVEL = /^(\d{4})-(\d{2})-(\d{2})$/;
const NOT_REPORTED = 'not reported';

/** The rules' verdict on one device: what fails, and when a passing rule will start failing. */
export interface RulesVerdict {
  readonly failing: FailingRule[];
  /** The earliest time a rule that passes now will fail with no new report (patch age). */
  readonly failsAt?: Date;
}

/** Parses a `YYYY-MM-DD` patch level into UTC midnight, or `undefined` when it is not a real date. */
export function parsePatchLevel(patchLevel: string): number | undefined {
  const m = PATCH_LEVEL.exec(patchLevel);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  // Reject dates that Date.UTC silently rolls over (2024-02-31 → March).
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return time;
}

/**
 * Checks a device against a policy's rules at `now`. Rules the policy does not set are skipped;
 * a rule whose input the device did not report fails, because it cannot be shown to pass.
 */
export function evaluateRules(device: ComplianceDevice, rules: ComplianceRules, now: Date): RulesVerdict {
  const failing: FailingRule[] = [];
  let failsAt: Date | undefined;

  if (rules.maxThreatLevel !== undefined && riskRank(device.riskLevel) > riskRank(rules.maxThreatLevel)) {
    failing.push({
      rule: 'maxThreatLevel',
      reason: `The device's threat level is ${device.riskLevel}; this policy allows at most ${rules.maxThreatLevel}.`,
      expected: `at most ${rules.maxThreatLevel}`,
      actual: device.riskLevel,
    });
  }

  const minOs = rules.minOsVersion?.[device.platform];
  if (minOs !== undefined) {
    const osName = device.platform === 'ios' ? 'iOS' : 'Android';
    const cmp = device.osVersion === undefined ? undefined : compareDottedVersions(device.osVersion, minOs);
    if (cmp === undefined || cmp < 0) {
      failing.push({
        rule: 'minOsVersion',
        reason:
          cmp === undefined
            ? `The device did not report a readable ${osName} version; ${osName} ${minOs} or later is required.`
            : `The device runs ${osName} ${device.osVersion}; ${osName} ${minOs} or later is required.`,
        expected: `${minOs} or later`,
        actual: device.osVersion ?? NOT_REPORTED,
      });
    }
  }

  // Patch levels are an Android concept: iOS versions are judged by minOsVersion.
  if (rules.maxPatchAgeDays !== undefined && device.platform === 'android') {
    const maxDays = rules.maxPatchAgeDays;
    const patch = device.patchLevel === undefined ? undefined : parsePatchLevel(device.patchLevel);
    const expected = `at most ${maxDays} days old`;
    if (patch === undefined) {
      failing.push({
        rule: 'maxPatchAgeDays',
        reason: 'The device did not report a readable security patch level.',
        expected,
        actual: device.patchLevel ?? NOT_REPORTED,
      });
    } else {
      const ageDays = Math.floor((now.getTime() - patch) / DAY_MS);
      if (ageDays > maxDays) {
        failing.push({
          rule: 'maxPatchAgeDays',
          reason: `The security patch level ${device.patchLevel} is ${ageDays} days old; this policy allows at most ${maxDays} days.`,
          expected,
          actual: `${device.patchLevel} (${ageDays} days old)`,
        });
      } else {
        failsAt = new Date(patch + (maxDays + 1) * DAY_MS);
      }
    }
  }

  if (rules.requireScreenLock === true && device.screenLock !== true) {
    failing.push({
      rule: 'requireScreenLock',
      reason:
        device.screenLock === false
          ? 'The device has no screen lock; set a PIN, password or pattern.'
          : 'The device did not report whether a screen lock is set.',
      expected: 'screen lock set',
      actual: device.screenLock === false ? 'no screen lock' : NOT_REPORTED,
    });
  }

  if (rules.requireEncryption === true && device.encrypted !== true) {
    failing.push({
      rule: 'requireEncryption',
      reason:
        device.encrypted === false
          ? 'The device storage is not encrypted.'
          : 'The device did not report whether its storage is encrypted.',
      expected: 'encrypted',
      actual: device.encrypted === false ? 'not encrypted' : NOT_REPORTED,
    });
  }

  if (rules.requireAttestation !== undefined) {
    const failure = checkAttestation(device, rules.requireAttestation, now);
    if (failure !== undefined) failing.push(failure);
    else {
      // A verification that still stands fails when it expires, with nothing reported.
      const validUntil = device.attestation?.validUntil;
      if (validUntil !== undefined && (failsAt === undefined || validUntil < failsAt)) failsAt = validUntil;
    }
  }

  return failsAt === undefined ? { failing } : { failing, failsAt };
}

function checkAttestation(
  device: ComplianceDevice,
  required: 'any' | 'hardware',
  now: Date,
): FailingRule | undefined {
  const attestation = device.attestation;
  const expected = required === 'hardware' ? 'verified, hardware-backed' : 'verified';
  const state = attestation?.state ?? 'missing';
  const validUntil = attestation?.validUntil;
  if (state === 'verified' && validUntil !== undefined && validUntil.getTime() <= now.getTime()) {
    return {
      rule: 'requireAttestation',
      reason: `The device's last attestation expired at ${validUntil.toISOString()}; it must attest again.`,
      expected,
      actual: 'expired',
    };
  }
  if (state !== 'verified') {
    return {
      rule: 'requireAttestation',
      reason:
        state === 'failed'
          ? 'The device failed attestation: its integrity could not be proven.'
          : 'The device has not provided an attestation of its integrity.',
      expected,
      actual: state,
    };
  }
  const level = attestation?.securityLevel;
  if (required === 'hardware' && level !== 'trusted-environment' && level !== 'strongbox') {
    return {
      rule: 'requireAttestation',
      reason: 'The device attestation is not backed by secure hardware (a trusted environment or StrongBox).',
      expected,
      actual: `verified, ${level ?? 'unknown'} security level`,
    };
  }
  return undefined;
}
