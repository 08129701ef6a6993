/**
 * Riskgate's access decisions as a Casbin model and policy (`casbin`, ABAC with `eval`): one allow
 * rule for every non-retired device and one deny rule per enforced Riskgate policy whose subject
 * rule holds exactly when that policy applies and its grant refuses the device; the effect is
 * deny-override, Riskgate's "any refusing policy denies". Lists are tested with two functions added
 * to the enforcer (`inList`, `anyIn`), since Casbin's expressions have no set operations.
 */

import type { AccessDevice, AccessPolicy } from '@riskgate/engine';
import { type Enforcer, newEnforcer, newModelFromString } from 'casbin';
import {
  type DeviceAttributes,
  deviceAttributes,
  enforcedPolicies,
  policyResources,
  refusalTerms,
  type Term,
} from './policy-terms.ts';

export const CASBIN_MODEL = `
[request_definition]
r = sub, obj

[policy_definition]
p = sub_rule, obj_rule, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = eval(p.sub_rule) && eval(p.obj_rule)
`;

/** Lists travel as one space-separated string (ids and group names have no spaces). */
const list = (values: readonly string[]) => `'${values.join(' ')}'`;

function termText(term: Term): string {
  switch (term.kind) {
    case 'in': {
      const test = `inList(r.sub.${term.attribute}, ${list(term.values)})`;
      return term.negate === true ? `!${test}` : test;
    }
    case 'groups-any': {
      const test = `anyIn(r.sub.groups, ${list(term.values)})`;
      return term.negate === true ? `!${test}` : test;
    }
    case 'number-above':
      return `r.sub.${term.attribute} > ${term.value}`;
    case 'number-below':
      return `r.sub.${term.attribute} < ${term.value}`;
    case 'not-compliant':
      return `!inList(r.sub.compliance, 'compliant in-grace-period')`;
    case 'either': {
      const alternatives: string[] = [];
      if (term.users.length > 0) alternatives.push(`inList(r.sub.user, ${list(term.users)})`);
      if (term.groups.length > 0) alternatives.push(`anyIn(r.sub.groups, ${list(term.groups)})`);
      return `(${alternatives.join(' || ')})`;
    }
  }
}

/** The policy lines `[sub_rule, obj_rule, eft]` equivalent to the `on` policies. */
export function toCasbinPolicy(policies: readonly AccessPolicy[]): string[][] {
  const lines = [['r.sub.retired == false', 'true', 'allow']];
  for (const policy of enforcedPolicies(policies)) {
    const terms = refusalTerms(policy).map(termText);
    const resources = policyResources(policy);
    lines.push([
      terms.length === 0 ? 'true' : terms.join(' && '),
      resources === undefined ? 'true' : `inList(r.obj, ${list(resources)})`,
      'deny',
    ]);
  }
  return lines;
}

const words = new Map<string, ReadonlySet<string>>();
/** The set of a space-separated list, remembered (the rules' lists are a fixed, small set). */
function wordsOf(text: string): ReadonlySet<string> {
  let found = words.get(text);
  if (found === undefined) {
    found = new Set(text.split(' '));
    words.set(text, found);
  }
  return found;
}

/** The request subject: the device's attributes (what an integration builds per request). */
export function casbinSubject(device: AccessDevice): DeviceAttributes {
  return deviceAttributes(device);
}

/** A decider over one enforcer; an unknown device is denied before Casbin is asked, as Riskgate does first. */
export async function createCasbinDecider(policies: readonly AccessPolicy[]): Promise<{
  decide(resourceId: string, device: AccessDevice | undefined): boolean;
  readonly enforcer: Enforcer;
}> {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  await enforcer.addFunction('inList', (value: string, values: string) => wordsOf(values).has(value));
  await enforcer.addFunction('anyIn', (values: readonly string[], wanted: string) => {
    const set = wordsOf(wanted);
    return values.some((value) => set.has(value));
  });
  await enforcer.addPolicies(toCasbinPolicy(policies));
  return {
    enforcer,
    decide(resourceId, device) {
      if (device === undefined) return false;
      return enforcer.enforceSync(casbinSubject(device), resourceId);
    },
  };
}
