/** Access decisions: resources, conditional-access policies (TypeBox schemas) and pure decisions. */
export { type CompiledAccessPolicies, compileAccessPolicies, decideAccess } from './decide.ts';
export type {
  AccessDecision,
  AccessDevice,
  AccessReason,
  AccessReasonCode,
  AccessRequest,
  AccessThreat,
  MatchedPolicy,
  RemediationItem,
  ReportOnlyOutcome,
} from './model.ts';
export { normalizeRequestHost, normalizeRequestPath } from './request-normalize.ts';
export {
  compileResourceIndex,
  type HttpTarget,
  matchOidcClientResource,
  matchResource,
  matchWifiResource,
  type ResourceIndex,
} from './resource-match.ts';
export * from './schema.ts';
