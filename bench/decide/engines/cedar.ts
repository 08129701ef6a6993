/**
 * Riskgate's access decisions as a Cedar policy set (`@cedar-policy/cedar-wasm`, the engine behind
 * Amazon Verified Permissions): one `permit` for every known, non-retired device, and one `forbid`
 * per enforced Riskgate policy that holds exactly when that policy applies and its grant refuses the
 * device. Cedar's forbid-overrides-permit gives Riskgate's "any refusing policy denies".
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AccessDevice, AccessPolicy } from '@riskgate/engine';
import {
  deviceAttributes,
  enforcedPolicies,
  policyResources,
  refusalTerms,
  type Term,
} from './policy-terms.ts';

const text = (value: string) => JSON.stringify(value);
const set = (values: readonly string[]) => `[${values.map(text).join(', ')}]`;

function termText(term: Term): string {
  switch (term.kind) {
    case 'in': {
      const test = `${set(term.values)}.contains(principal.${term.attribute})`;
      return term.negate === true ? `!${test}` : test;
    }
    case 'groups-any': {
      const test = `principal.groups.containsAny(${set(term.values)})`;
      return term.negate === true ? `!${test}` : test;
    }
    case 'number-above':
      return `principal.${term.attribute} > ${term.value}`;
    case 'number-below':
      return `principal.${term.attribute} < ${term.value}`;
    case 'not-compliant':
      return '!["compliant", "in-grace-period"].contains(principal.compliance)';
    case 'either': {
      const alternatives: string[] = [];
      if (term.users.length > 0) alternatives.push(`${set(term.users)}.contains(principal.user)`);
      if (term.groups.length > 0) alternatives.push(`principal.groups.containsAny(${set(term.groups)})`);
      return `(${alternatives.join(' || ')})`;
    }
  }
}

/** The Cedar policy set (text) equivalent to the `on` policies. */
export function toCedarPolicies(policies: readonly AccessPolicy[]): string {
  const out = [
    '@id("riskgate-known-device")\npermit (principal is Device, action == Action::"access", resource is Resource)\nwhen { !principal.retired };',
  ];
  for (const policy of enforcedPolicies(policies)) {
    const conditions = refusalTerms(policy).map(termText);
    const resources = policyResources(policy);
    if (resources !== undefined)
      conditions.unshift(`[${resources.map((id) => `Resource::${text(id)}`).join(', ')}].contains(resource)`);
    const when = conditions.length === 0 ? '' : `\nwhen { ${conditions.join(' && ')} }`;
    out.push(`@id(${text(policy.id)})\nforbid (principal, action == Action::"access", resource)${when};`);
  }
  return out.join('\n\n');
}

/** The device as a Cedar entity: what an integration builds per request from its device store. */
export function cedarEntity(device: AccessDevice): cedar.EntityJson {
  const { groups, ...rest } = deviceAttributes(device);
  return {
    uid: { type: 'Device', id: device.deviceId },
    attrs: { ...rest, groups: [...groups] },
    parents: [],
  };
}

const ACTION = { type: 'Action', id: 'access' } as const;
const EMPTY_CONTEXT = {};
let nextSetId = 0;

/**
 * A decider over one preparsed policy set (parsed once, as a real integration keeps it). An unknown
 * device is denied before Cedar is asked, as Riskgate does first too.
 */
export function createCedarDecider(policies: readonly AccessPolicy[]): {
  decide(resourceId: string, device: AccessDevice | undefined): boolean;
} {
  const id = `riskgate-${nextSetId++}`;
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: toCedarPolicies(policies) });
  if (parsed.type !== 'success')
    throw new Error(`Cedar refused the policy set: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return {
    decide(resourceId, device) {
      if (device === undefined) return false;
      const answer = cedar.statefulIsAuthorized({
        principal: { type: 'Device', id: device.deviceId },
        action: ACTION,
        resource: { type: 'Resource', id: resourceId },
        context: EMPTY_CONTEXT,
        preparsedPolicySetId: id,
        entities: [cedarEntity(device)],
      });
      if (answer.type !== 'success')
        throw new Error(`Cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`);
      if (answer.response.diagnostics.errors.length > 0)
        throw new Error(`Cedar policy errors: ${JSON.stringify(answer.response.diagnostics.errors)}`);
      return answer.response.decision === 'allow';
    },
  };
}
