/**
 * Shapes of the admin API replies the console reads (see /openapi.json). Vocabulary types come from
 * the engine as types only: the console never imports engine runtime code.
 */
import type { Evidence, RiskLevel, ThreatRisk } from '@riskgate/engine';

export type { Evidence, RiskLevel, ThreatRisk };

/** Compliance states a device can be in. */
export type ComplianceState = 'unknown' | 'compliant' | 'in-grace-period' | 'noncompliant';
export type ThreatState = 'active' | 'resolved' | 'ignored';

/** A cursor-paged list reply. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface Device {
  readonly id: string;
  readonly platform: string;
  readonly ownership: string;
  readonly user: string | null;
  readonly groups: readonly string[];
  readonly name: string | null;
  readonly model: string | null;
  readonly manufacturer: string | null;
  readonly osVersion: string | null;
  readonly agentVersion: string | null;
  readonly certFingerprint: string;
  readonly enrolledAt: string;
  readonly lastSeenAt: string | null;
  readonly riskLevel: string;
  readonly complianceState: string;
  readonly labels: readonly string[];
  readonly retiredAt: string | null;
}

export interface Threat {
  readonly id: string;
  readonly key: string;
  readonly typeId: string;
  readonly class: string;
  readonly title: string;
  readonly risk: string;
  readonly state: string;
  readonly summary: string;
  readonly remediation: readonly string[];
  /** Engine `Evidence` objects; typed `unknown` on the wire, narrowed by `asEvidence`. */
  readonly evidence: readonly unknown[];
  readonly attack: readonly string[];
  readonly family: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
}

export interface HistoryEntry {
  readonly at: string;
  readonly kind: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** `GET /v1/admin/devices/:id`; `compliance` is read when a server sends failing rules. */
export interface DeviceDetail {
  readonly device: Device;
  readonly threats: readonly Threat[];
  readonly history: readonly HistoryEntry[];
  readonly compliance?: { readonly failingRules?: readonly FailingRuleView[] };
}

/** One failing compliance rule (engine `PolicyFailingRule` on the wire). */
export interface FailingRuleView {
  readonly policyId?: string;
  readonly rule: string;
  readonly reason: string;
  readonly expected?: string;
  readonly actual?: string;
}

export interface ThreatType {
  readonly id: string;
  readonly class: string;
  readonly title: string;
  readonly description: string;
  readonly attack: readonly string[];
  readonly platforms: readonly string[];
  readonly defaultRisk: string;
  readonly risk: string;
  readonly overridden: boolean;
}

export interface ThreatTypesReply {
  readonly items: readonly ThreatType[];
  readonly families: readonly { readonly family: string; readonly risk: string }[];
}

export interface RerateSummary {
  readonly threatsUpdated: number;
  readonly devicesExamined: number;
  readonly devicesChanged: number;
}

export interface EnrollmentToken {
  readonly id: string;
  readonly prefix: string;
  readonly ownership: string;
  readonly groups: readonly string[];
  readonly expiresAt: string;
  readonly usesLeft: number | null;
  readonly maxUses: number | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface CreatedEnrollmentToken extends EnrollmentToken {
  readonly token: string;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditVerify {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBrokenSeq?: number;
  readonly reason?: string;
}

/** Narrows one wire evidence item to the engine's `Evidence`, or `undefined` when it is not one. */
export function asEvidence(value: unknown): Evidence | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.subject !== 'string' || typeof record.observed !== 'string') return undefined;
  return value as Evidence;
}

export { RISK_LEVELS, THREAT_RISKS } from '@riskgate/engine/risk-order';
export const COMPLIANCE_STATES: readonly ComplianceState[] = [
  'compliant',
  'in-grace-period',
  'noncompliant',
  'unknown',
];
export const THREAT_STATES: readonly ThreatState[] = ['active', 'resolved', 'ignored'];
