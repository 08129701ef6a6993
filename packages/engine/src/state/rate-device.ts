import { evaluateCompliance } from '../compliance/evaluate.ts';
import type { ComplianceDevice, ComplianceResult } from '../compliance/model.ts';
import type { CompliancePolicy } from '../compliance/schema.ts';
import { riskLevelOf } from '../risk/level.ts';
import { labelsFor } from '../risk/order.ts';
import type { RiskLevel, ThreatRisk } from '../types.ts';

/** One stored threat of the device as rating reads it: its risk after the tenant's overrides. */
export interface RatedThreat {
  readonly risk: ThreatRisk;
  /** Only `active` threats count; `ignored` (and `resolved`) ones are recorded but never raise the level. */
  readonly state: 'active' | 'ignored' | 'resolved';
}

/** Everything a device's state depends on. */
export interface DeviceRatingInput {
  /** The device's threats (active and ignored; resolved ones may be passed and do not count). */
  readonly threats: Iterable<RatedThreat>;
  /** The device facts compliance reads (platform, assignment, OS, patch, lock, attestation, last seen). */
  readonly device: Omit<ComplianceDevice, 'riskLevel'>;
  /** The labels the device carries now: labels other than the MTD risk label are kept. */
  readonly labels: readonly string[];
  /** The tenant's compliance policies (disabled and unassigned ones are skipped by the evaluation). */
  readonly policies: readonly CompliancePolicy[];
  readonly now: Date;
}

/** A device's state: what the server stores on the device row and the event carries. */
export interface DeviceRating {
  readonly riskLevel: RiskLevel;
  readonly labels: readonly string[];
  /** Compliance state, failing rules (with their policy), due actions, first failure, next re-evaluation. */
  readonly compliance: ComplianceResult;
}

/**
 * The one transition of a device's state: risk level (the highest risk among active threats,
 * `secured` when none counts), the MTD risk label, and compliance against the tenant's policies at
 * `now`. Every cause (report, triage, override, policy edit, feed change, timer, attestation)
 * computes a device's state with this function, so a state reached by any path equals a
 * from-scratch rating of what is stored. Pure: no clock, no I/O.
 */
export function rateDevice(input: DeviceRatingInput): DeviceRating {
  const riskLevel = riskLevelOf(activeOnly(input.threats));
  return {
    riskLevel,
    labels: labelsFor(input.labels, riskLevel),
    compliance: evaluateCompliance({ ...input.device, riskLevel }, input.policies, input.now),
  };
}

function* activeOnly(threats: Iterable<RatedThreat>): Iterable<RatedThreat> {
  for (const threat of threats) if (threat.state === 'active') yield threat;
}
