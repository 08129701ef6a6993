/**
 * Compliance: policies (TypeBox schemas) and their pure evaluation. Exported names are explicit
 * so that helpers kept for this module (risk ranks, time units) do not collide across the engine.
 */
export { isAssigned as isCompliancePolicyAssigned } from './assignment.ts';
export { evaluateCompliance } from './evaluate.ts';
export type {
  ComplianceAttestation,
  ComplianceDevice,
  ComplianceResult,
  ComplianceRuleName,
  ComplianceState,
  DueAction,
  FailingRule,
  PolicyEvaluation,
  PolicyFailingRule,
} from './model.ts';
export { evaluateRules as evaluateComplianceRules, parsePatchLevel, type RulesVerdict } from './rules.ts';
export * from './schema.ts';
export { compareDottedVersions, parseDottedVersion } from './version.ts';
