/**
 * The state columns of a device row when it is created (enrollment, or first sight through the
 * MDM webhook): `unknown` compliance until its first report rates it, no labels, and no time at
 * which the state timer must look at it (the timer never rates a device that has not reported).
 */
export const NEW_DEVICE_STATE = Object.freeze({
  risk_level: 'secured',
  compliance_state: 'unknown',
  labels: '[]',
  retired_at: null,
  noncompliant_since: null,
  reevaluate_at: null,
} as const);
