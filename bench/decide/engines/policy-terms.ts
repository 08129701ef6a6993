/**
 * What Cedar and Casbin need of a Riskgate access policy, written once for both translations: which
 * policies can change an outcome, the numeric forms of risk and agent versions, and the list of
 * conditions under which a policy refuses a device.
 */
import { type AccessDevice, type AccessPolicy, parseDottedVersion, riskRank } from '@riskgate/engine';

/**
 * Only `on` policies change allow/deny: `report-only` ones are recorded but never deny, and `off`
 * ones are ignored, so neither is translated (the comparison is of outcomes, not of the report-only
 * log, which Cedar and Casbin have no notion of).
 */
export function enforcedPolicies(policies: readonly AccessPolicy[]): AccessPolicy[] {
  return policies.filter((policy) => policy.state === 'on');
}

/**
 * An agent version as one comparable integer (`major·10⁶ + minor·10³ + patch`), since neither engine
 * compares dotted versions; -1 when missing or unparseable, which Riskgate treats as outdated. Exact
 * for versions of up to three parts below 1000 each, which is what agents report.
 */
export function versionNumber(version: string | undefined): number {
  const parts = version === undefined ? undefined : parseDottedVersion(version);
  if (parts === undefined) return -1;
  const [major = 0, minor = 0, patch = 0] = parts;
  return major * 1_000_000 + minor * 1_000 + patch;
}

/** The device attributes both engines receive (the cost each integration pays per request). */
export interface DeviceAttributes {
  readonly user: string;
  readonly groups: readonly string[];
  readonly platform: string;
  readonly ownership: string;
  readonly riskLevel: string;
  readonly riskRank: number;
  readonly compliance: string;
  readonly retired: boolean;
  readonly agentVersion: number;
}

export function deviceAttributes(device: AccessDevice): DeviceAttributes {
  return {
    user: device.user,
    groups: device.groups,
    platform: device.platform,
    ownership: device.ownership,
    riskLevel: device.riskLevel,
    riskRank: riskRank(device.riskLevel),
    compliance: device.complianceState,
    retired: device.retired,
    agentVersion: versionNumber(device.agentVersion),
  };
}

/**
 * One condition of a refusal, engine-neutral: every condition of {@link refusalTerms} must hold for
 * the policy to deny. `anyOf` lists alternatives (users or groups).
 */
export type Term =
  | {
      readonly kind: 'in';
      readonly attribute: 'user' | 'platform' | 'ownership' | 'riskLevel';
      readonly values: readonly string[];
      readonly negate?: boolean;
    }
  | { readonly kind: 'groups-any'; readonly values: readonly string[]; readonly negate?: boolean }
  | { readonly kind: 'number-above'; readonly attribute: 'riskRank'; readonly value: number }
  | { readonly kind: 'number-below'; readonly attribute: 'agentVersion'; readonly value: number }
  | { readonly kind: 'not-compliant' }
  | { readonly kind: 'either'; readonly users: readonly string[]; readonly groups: readonly string[] };

const nonEmpty = (list: readonly string[] | undefined): list is readonly string[] =>
  list !== undefined && list.length > 0;

/** The resources a policy is limited to, or `undefined` for every resource. */
export function policyResources(policy: AccessPolicy): readonly string[] | undefined {
  return nonEmpty(policy.assignment.resources) ? policy.assignment.resources : undefined;
}

/** When the policy applies (assignment and conditions) and its grant refuses the device. */
export function refusalTerms(policy: AccessPolicy): Term[] {
  const a = policy.assignment;
  const terms: Term[] = [];
  if (nonEmpty(a.platforms)) terms.push({ kind: 'in', attribute: 'platform', values: a.platforms });
  if (nonEmpty(a.ownership)) terms.push({ kind: 'in', attribute: 'ownership', values: a.ownership });
  if (nonEmpty(a.excludeUsers))
    terms.push({ kind: 'in', attribute: 'user', values: a.excludeUsers, negate: true });
  if (nonEmpty(a.excludeGroups)) terms.push({ kind: 'groups-any', values: a.excludeGroups, negate: true });
  if (nonEmpty(a.users) || nonEmpty(a.groups))
    terms.push({ kind: 'either', users: a.users ?? [], groups: a.groups ?? [] });
  const levels = policy.conditions?.riskLevels;
  if (nonEmpty(levels)) terms.push({ kind: 'in', attribute: 'riskLevel', values: levels });
  const below = policy.conditions?.agentVersionBelow;
  if (below !== undefined)
    terms.push({ kind: 'number-below', attribute: 'agentVersion', value: versionNumber(below) });
  const grant = policy.grant;
  if (grant.kind === 'require-compliant') terms.push({ kind: 'not-compliant' });
  else if (grant.kind === 'require-risk-at-most')
    terms.push({ kind: 'number-above', attribute: 'riskRank', value: riskRank(grant.level) });
  return terms;
}
