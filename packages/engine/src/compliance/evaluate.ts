import { isAssigned } from './assignment.ts';
import type {
  ComplianceDevice,
  ComplianceResult,
  ComplianceState,
  DueAction,
  FailingRule,
  PolicyEvaluation,
  PolicyFailingRule,
} from './model.ts';
import { DAY_MS, evaluateRules, HOUR_MS } from './rules.ts';
import type { CompliancePolicy } from './schema.ts';

const STATE_RANK: Readonly<Record<ComplianceState, number>> = {
  compliant: 0,
  unknown: 1,
  'in-grace-period': 2,
  noncompliant: 3,
};

/** Keeps the earliest of a running minimum and a candidate time. */
function earliest(current: number | undefined, candidate: number): number {
  return current === undefined || candidate < current ? candidate : current;
}

/**
 * Decides a device's compliance at `now` against every enabled policy assigned to it.
 *
 * A failing policy is `in-grace-period` until `noncompliantSince + gracePeriodHours`, then
 * `noncompliant`. `noncompliantSince` is the device's first failure as stored by the server (from
 * an earlier result); when the device fails for the first time it is `now`. Actions fall due
 * `afterHours` after `noncompliantSince`, also during the grace period (so `notify` at 0 hours
 * tells the user at once). A device with no assigned policy is compliant.
 *
 * Pure: no clock, no I/O; the same inputs always give the same result.
 */
export function evaluateCompliance(
  device: ComplianceDevice,
  policies: readonly CompliancePolicy[],
  now: Date,
): ComplianceResult {
  const nowMs = now.getTime();
  const results: PolicyEvaluation[] = [];
  const allFailing: PolicyFailingRule[] = [];
  const due: DueAction[] = [];
  let state: ComplianceState = 'compliant';
  let nextAction: number | undefined;
  let reevaluate: number | undefined;

  // One start for every policy: the server stores a single first-failure time per device.
  const sinceMs = device.noncompliantSince?.getTime() ?? nowMs;
  let anyFailing = false;

  for (const policy of policies) {
    if (!policy.enabled || !isAssigned(policy.assignment, device)) continue;

    const verdict = evaluateRules(device, policy.rules, now);
    const failing: FailingRule[] = verdict.failing;
    if (verdict.failsAt !== undefined) reevaluate = earliest(reevaluate, verdict.failsAt.getTime());

    const { afterDays, treatAs } = policy.unresponsive;
    const unresponsiveAt = device.lastSeenAt.getTime() + afterDays * DAY_MS;
    const unresponsive = nowMs >= unresponsiveAt;
    if (!unresponsive && treatAs !== 'compliant') reevaluate = earliest(reevaluate, unresponsiveAt);
    if (unresponsive && treatAs === 'noncompliant') {
      const silentDays = Math.floor((nowMs - device.lastSeenAt.getTime()) / DAY_MS);
      failing.push({
        rule: 'unresponsive',
        reason: `The device has not reported for ${silentDays} days; this policy allows ${afterDays}.`,
        expected: `a report within ${afterDays} days`,
        actual: `last seen ${device.lastSeenAt.toISOString()}`,
      });
    }

    let policyState: ComplianceState;
    let graceEndsAt: Date | undefined;
    if (failing.length > 0) {
      anyFailing = true;
      const graceEnd = sinceMs + policy.gracePeriodHours * HOUR_MS;
      policyState = nowMs < graceEnd ? 'in-grace-period' : 'noncompliant';
      graceEndsAt = new Date(graceEnd);
      if (policyState === 'in-grace-period') reevaluate = earliest(reevaluate, graceEnd);
      for (const step of policy.actions) {
        const dueAt = sinceMs + step.afterHours * HOUR_MS;
        if (dueAt <= nowMs) due.push({ policyId: policy.id, action: step.action, dueAt: new Date(dueAt) });
        else nextAction = earliest(nextAction, dueAt);
      }
      for (const rule of failing) allFailing.push({ policyId: policy.id, ...rule });
    } else {
      policyState = unresponsive && treatAs === 'unknown' ? 'unknown' : 'compliant';
    }

    if (STATE_RANK[policyState] > STATE_RANK[state]) state = policyState;
    results.push(
      graceEndsAt === undefined
        ? { policyId: policy.id, state: policyState, failingRules: failing }
        : { policyId: policy.id, state: policyState, failingRules: failing, graceEndsAt },
    );
  }

  due.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  if (nextAction !== undefined) reevaluate = earliest(reevaluate, nextAction);

  return {
    state,
    policies: results,
    failingRules: allFailing,
    ...(anyFailing ? { noncompliantSince: new Date(sinceMs) } : {}),
    dueActions: due,
    ...(nextAction !== undefined ? { nextActionAt: new Date(nextAction) } : {}),
    ...(reevaluate !== undefined ? { reevaluateAt: new Date(reevaluate) } : {}),
  };
}
