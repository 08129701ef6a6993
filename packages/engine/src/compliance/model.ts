import type { Ownership, Platform, RiskLevel } from '../types.ts';
import type { ComplianceActionKind } from './schema.ts';

/** Attestation as the server verified it. */
export interface ComplianceAttestation {
  readonly state: 'verified' | 'failed' | 'missing';
  readonly securityLevel?: 'software' | 'trusted-environment' | 'strongbox';
  /** Until when a `verified` state stands; at and after it the device counts as not attested. */
  readonly validUntil?: Date;
}

/**
 * What compliance evaluation needs to know about a device: its latest reported state plus what
 * the server remembers (`noncompliantSince`). Optional fields the device did not report fail the
 * rules that need them ("not reported").
 */
export interface ComplianceDevice {
  readonly platform: Platform;
  readonly ownership: Ownership;
  readonly user: string;
  readonly groups: readonly string[];
  readonly riskLevel: RiskLevel;
  /** As the user sees it: `14`, `17.5.1`. */
  readonly osVersion?: string;
  /** Android security patch level, `YYYY-MM-DD`. */
  readonly patchLevel?: string;
  readonly screenLock?: boolean;
  readonly encrypted?: boolean;
  readonly attestation?: ComplianceAttestation;
  readonly lastSeenAt: Date;
  /** When the device first failed, as stored by the server from an earlier evaluation. */
  readonly noncompliantSince?: Date;
}

/** The rule names a failure can carry: each rule of the policy, plus `unresponsive`. */
export type ComplianceRuleName =
  | 'maxThreatLevel'
  | 'minOsVersion'
  | 'maxPatchAgeDays'
  | 'requireScreenLock'
  | 'requireEncryption'
  | 'requireAttestation'
  | 'unresponsive';

/** One failed rule, explained in plain words for admins and end users. */
export interface FailingRule {
  readonly rule: ComplianceRuleName;
  readonly reason: string;
  readonly expected: string;
  readonly actual: string;
}

/** A failed rule together with the policy it belongs to. */
export interface PolicyFailingRule extends FailingRule {
  readonly policyId: string;
}

export type ComplianceState = 'compliant' | 'in-grace-period' | 'noncompliant' | 'unknown';

export interface PolicyEvaluation {
  readonly policyId: string;
  readonly state: ComplianceState;
  readonly failingRules: readonly FailingRule[];
  /** When this policy's grace period ends (only while failing). */
  readonly graceEndsAt?: Date;
}

export interface DueAction {
  readonly policyId: string;
  readonly action: ComplianceActionKind;
  readonly dueAt: Date;
}

/** The outcome of `evaluateCompliance`. */
export interface ComplianceResult {
  /** Worst state across applicable policies: noncompliant > in-grace-period > unknown > compliant. */
  readonly state: ComplianceState;
  /** One entry per enabled policy assigned to the device, in policy order. */
  readonly policies: readonly PolicyEvaluation[];
  readonly failingRules: readonly PolicyFailingRule[];
  /** When the device first failed; `undefined` when nothing fails (the server clears its copy). */
  readonly noncompliantSince?: Date;
  /**
   * Every action whose time has come (`noncompliantSince + afterHours <= now`), oldest first. The
   * engine is stateless: the server de-duplicates actions it already ran by (policyId, action, dueAt).
   */
  readonly dueActions: readonly DueAction[];
  /** The earliest scheduled action still in the future. */
  readonly nextActionAt?: Date;
  /**
   * The earliest time the result can change without a new report (a grace period ends, an action
   * falls due, the device becomes unresponsive, the patch level becomes too old): when the server
   * should evaluate again.
   */
  readonly reevaluateAt?: Date;
}
