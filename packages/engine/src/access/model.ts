import type { ComplianceState } from '../compliance/model.ts';
import type { Ownership, Platform, RiskLevel, ThreatRisk } from '../types.ts';
import type { AccessPolicyState } from './schema.ts';

/** An active threat as the remediation page shows it. */
export interface AccessThreat {
  readonly typeId: string;
  readonly title: string;
  readonly risk: ThreatRisk;
  readonly remediation: readonly string[];
}

/** What an access decision needs to know about a device (kept in each node's decision cache). */
export interface AccessDevice {
  readonly deviceId: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly platform: Platform;
  readonly ownership: Ownership;
  readonly riskLevel: RiskLevel;
  readonly complianceState: ComplianceState;
  readonly retired: boolean;
  readonly agentVersion?: string;
  /** Active threats, for the remediation payload. */
  readonly threats: readonly AccessThreat[];
  /** Failing compliance rules in plain words (`FailingRule.reason`), shown when noncompliance denies. */
  readonly complianceIssues?: readonly string[];
}

export interface AccessRequest {
  readonly resourceId: string;
  /** `undefined` when the enforcement point could not identify an enrolled device. */
  readonly device: AccessDevice | undefined;
  readonly now: Date;
}

export type AccessReasonCode =
  | 'device-unknown'
  | 'device-retired'
  | 'blocked-by-policy'
  | 'noncompliant'
  | 'compliance-unknown'
  | 'risk-too-high';

export interface AccessReason {
  readonly code: AccessReasonCode;
  /** The policy that gave the reason; absent for device-level reasons (unknown, retired). */
  readonly policyId?: string;
  readonly message: string;
}

export interface MatchedPolicy {
  readonly policyId: string;
  readonly name: string;
  readonly state: Exclude<AccessPolicyState, 'off'>;
  /** `would-deny`: a report-only policy that would have denied. */
  readonly result: 'allow' | 'deny' | 'would-deny';
}

export interface ReportOnlyOutcome {
  readonly policyId: string;
  readonly reason: AccessReason;
}

/** One thing the user can fix, in plain words. */
export interface RemediationItem {
  /** The threat type, absent for compliance issues that are not threats. */
  readonly typeId?: string;
  readonly title: string;
  readonly risk?: ThreatRisk;
  readonly steps: readonly string[];
}

/** The decision value. Denials are ordinary values: nothing here throws. */
export interface AccessDecision {
  readonly outcome: 'allow' | 'deny';
  readonly resourceId: string;
  readonly deviceId?: string;
  /** Why access is denied (empty when allowed); one entry per denying `on` policy. */
  readonly reasons: readonly AccessReason[];
  /** Every `on` and `report-only` policy that applied, in policy order. */
  readonly matchedPolicies: readonly MatchedPolicy[];
  /** Report-only policies that would have denied. They never change `outcome`. */
  readonly reportOnly: readonly ReportOnlyOutcome[];
  /** What to fix, highest risk first; empty unless denied for the device's state. */
  readonly remediation: readonly RemediationItem[];
  readonly decidedAt: Date;
}
