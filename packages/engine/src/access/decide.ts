import { isPrincipalIncluded } from '../compliance/assignment.ts';
import { compareParsedDottedVersions, parseDottedVersion } from '../compliance/version.ts';
import { riskRank, threatRiskRank } from '../risk/order.ts';
import type { Ownership, Platform, RiskLevel } from '../types.ts';
import type {
  AccessDecision,
  AccessDevice,
  AccessReason,
  AccessRequest,
  MatchedPolicy,
  RemediationItem,
  ReportOnlyOutcome,
} from './model.ts';
import type { AccessGrant, AccessPolicy } from './schema.ts';

/** A policy with its lists turned into sets and its version parsed, ready for per-request use. */
interface CompiledPolicy {
  readonly id: string;
  readonly name: string;
  readonly state: 'on' | 'report-only';
  readonly users: readonly string[] | undefined;
  readonly groups: readonly string[] | undefined;
  readonly excludeUsers: ReadonlySet<string> | undefined;
  readonly excludeGroups: ReadonlySet<string> | undefined;
  readonly platforms: ReadonlySet<Platform> | undefined;
  readonly ownership: ReadonlySet<Ownership> | undefined;
  readonly riskLevels: ReadonlySet<RiskLevel> | undefined;
  readonly agentVersionBelow: readonly number[] | undefined;
  readonly grant: AccessGrant;
  readonly blockedMessage: string;
}

/** Access policies prepared once per policy set; `decide` runs per request. */
export interface CompiledAccessPolicies {
  decide(request: AccessRequest): AccessDecision;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Appends to a list created on first use, so an allow with no matching policy allocates no arrays. */
function append<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

const setOf = <T>(list: readonly T[] | undefined): ReadonlySet<T> | undefined =>
  list === undefined || list.length === 0 ? undefined : new Set(list);

function compilePolicy(policy: AccessPolicy & { state: 'on' | 'report-only' }): CompiledPolicy {
  const a = policy.assignment;
  const below = policy.conditions?.agentVersionBelow;
  return {
    id: policy.id,
    name: policy.name,
    state: policy.state,
    users: a.users,
    groups: a.groups,
    excludeUsers: setOf(a.excludeUsers),
    excludeGroups: setOf(a.excludeGroups),
    platforms: setOf(a.platforms),
    ownership: setOf(a.ownership),
    riskLevels: setOf(policy.conditions?.riskLevels),
    agentVersionBelow: below === undefined ? undefined : parseDottedVersion(below),
    grant: policy.grant,
    blockedMessage: `Access is blocked by policy "${policy.name}".`,
  };
}

function anyIn(set: ReadonlySet<string> | undefined, values: readonly string[]): boolean {
  if (set === undefined) return false;
  for (const value of values) if (set.has(value)) return true;
  return false;
}

/** Parses agent versions, remembering them: a fleet runs a handful of agent versions. */
type VersionParser = (version: string) => readonly number[] | undefined;

function createVersionParser(): VersionParser {
  const parsed = new Map<string, readonly number[] | undefined>();
  return (version) => {
    const known = parsed.get(version);
    if (known !== undefined || parsed.has(version)) return known;
    const result = parseDottedVersion(version);
    // Bounded: forget everything if a fleet ever shows this many distinct versions.
    if (parsed.size >= 1024) parsed.clear();
    parsed.set(version, result);
    return result;
  };
}

/** Assignment (resource already filtered) and conditions: does the policy apply to this device? */
function applies(policy: CompiledPolicy, device: AccessDevice, parseVersion: VersionParser): boolean {
  if (policy.platforms !== undefined && !policy.platforms.has(device.platform)) return false;
  if (policy.ownership !== undefined && !policy.ownership.has(device.ownership)) return false;
  if (policy.excludeUsers?.has(device.user) === true || anyIn(policy.excludeGroups, device.groups))
    return false;
  if (!isPrincipalIncluded(policy.users, policy.groups, device.user, device.groups)) return false;
  if (policy.riskLevels !== undefined && !policy.riskLevels.has(device.riskLevel)) return false;
  if (policy.agentVersionBelow !== undefined) {
    const agent = device.agentVersion === undefined ? undefined : parseVersion(device.agentVersion);
    // An agent that does not say its version is treated as outdated.
    if (agent !== undefined && compareParsedDottedVersions(agent, policy.agentVersionBelow) >= 0)
      return false;
  }
  return true;
}

/** The reason the grant refuses the device, or `undefined` when it is satisfied. */
function refusal(policy: CompiledPolicy, device: AccessDevice): AccessReason | undefined {
  const grant = policy.grant;
  switch (grant.kind) {
    case 'block':
      return { code: 'blocked-by-policy', policyId: policy.id, message: policy.blockedMessage };
    case 'require-compliant':
      // The grace period exists so users keep working while they fix the device.
      if (device.complianceState === 'compliant' || device.complianceState === 'in-grace-period')
        return undefined;
      return device.complianceState === 'unknown'
        ? {
            code: 'compliance-unknown',
            policyId: policy.id,
            message: `Policy "${policy.name}" requires a compliant device; this device's compliance is unknown.`,
          }
        : {
            code: 'noncompliant',
            policyId: policy.id,
            message: `Policy "${policy.name}" requires a compliant device; this device is noncompliant.`,
          };
    case 'require-risk-at-most':
      if (riskRank(device.riskLevel) <= riskRank(grant.level)) return undefined;
      return {
        code: 'risk-too-high',
        policyId: policy.id,
        message: `Policy "${policy.name}" allows risk up to ${grant.level}; this device is at ${device.riskLevel} risk.`,
      };
  }
}

/** What the user can fix: active threats (highest risk first), then failing compliance rules. */
function remediationFor(device: AccessDevice, reasons: readonly AccessReason[]): readonly RemediationItem[] {
  if (!reasons.some((r) => r.code !== 'blocked-by-policy')) return EMPTY;
  const items: RemediationItem[] = device.threats
    .filter((t) => t.risk !== 'none')
    .sort((a, b) => threatRiskRank(b.risk) - threatRiskRank(a.risk))
    .map((t) => ({ typeId: t.typeId, title: t.title, risk: t.risk, steps: t.remediation }));
  if (reasons.some((r) => r.code === 'noncompliant')) {
    for (const issue of device.complianceIssues ?? EMPTY) items.push({ title: issue, steps: [issue] });
  }
  return items;
}

function deviceDenial(request: AccessRequest, reason: AccessReason, deviceId?: string): AccessDecision {
  return {
    outcome: 'deny',
    resourceId: request.resourceId,
    ...(deviceId === undefined ? {} : { deviceId }),
    reasons: [reason],
    matchedPolicies: EMPTY,
    reportOnly: EMPTY,
    remediation: EMPTY,
    decidedAt: request.now,
  };
}

/**
 * Prepares a policy set for per-request decisions: `off` policies are dropped, lists become sets,
 * and policies are grouped by the resources they name, so `decide` only looks at the policies
 * that can apply to the requested resource. Rebuild it when the policies change.
 */
export function compileAccessPolicies(policies: readonly AccessPolicy[]): CompiledAccessPolicies {
  const active: { compiled: CompiledPolicy; resources: readonly string[] | undefined }[] = [];
  for (const policy of policies) {
    if (policy.state === 'off') continue;
    const resources = policy.assignment.resources;
    active.push({
      compiled: compilePolicy({ ...policy, state: policy.state }),
      resources: resources === undefined || resources.length === 0 ? undefined : resources,
    });
  }
  const forAnyResource = active.filter((p) => p.resources === undefined).map((p) => p.compiled);
  const named = new Set(active.flatMap((p) => p.resources ?? []));
  const byResource = new Map<string, readonly CompiledPolicy[]>();
  for (const resourceId of named) {
    // Policy order is kept, so matchedPolicies reads like the admin's list.
    const list = active.filter((p) => p.resources === undefined || p.resources.includes(resourceId));
    byResource.set(
      resourceId,
      list.map((p) => p.compiled),
    );
  }

  const parseVersion = createVersionParser();
  return {
    decide(request) {
      const device = request.device;
      if (device === undefined) {
        return deviceDenial(request, {
          code: 'device-unknown',
          message: 'The device is not enrolled or could not be identified.',
        });
      }
      if (device.retired) {
        return deviceDenial(
          request,
          {
            code: 'device-retired',
            message: 'The device has been retired and may no longer access company resources.',
          },
          device.deviceId,
        );
      }

      let matched: MatchedPolicy[] | undefined;
      let reasons: AccessReason[] | undefined;
      let reportOnly: ReportOnlyOutcome[] | undefined;
      for (const policy of byResource.get(request.resourceId) ?? forAnyResource) {
        if (!applies(policy, device, parseVersion)) continue;
        const reason = refusal(policy, device);
        let result: MatchedPolicy['result'] = 'allow';
        if (reason !== undefined && policy.state === 'on') {
          result = 'deny';
          reasons = append(reasons, reason);
        } else if (reason !== undefined) {
          result = 'would-deny';
          reportOnly = append(reportOnly, { policyId: policy.id, reason });
        }
        matched = append(matched, { policyId: policy.id, name: policy.name, state: policy.state, result });
      }

      return {
        outcome: reasons === undefined ? 'allow' : 'deny',
        resourceId: request.resourceId,
        deviceId: device.deviceId,
        reasons: reasons ?? EMPTY,
        matchedPolicies: matched ?? EMPTY,
        reportOnly: reportOnly ?? EMPTY,
        remediation: reasons === undefined ? EMPTY : remediationFor(device, reasons),
        decidedAt: request.now,
      };
    },
  };
}

/**
 * Decides one request against a policy set. Compiles the policies on every call: callers that
 * decide per HTTP request should keep `compileAccessPolicies(policies)` and call its `decide`.
 *
 * An unidentified device is denied (`device-unknown`), a retired one too (`device-retired`).
 * Otherwise every `on` or `report-only` policy that applies is evaluated; any `on` policy whose
 * grant refuses the device denies, report-only refusals are only recorded, and when no policy
 * applies access is allowed.
 */
export function decideAccess(request: AccessRequest, policies: readonly AccessPolicy[]): AccessDecision {
  return compileAccessPolicies(policies).decide(request);
}
