import type { CompliancePolicy } from '@riskgate/engine';
import { JsonCrudPage } from '../components/json-crud.tsx';

/** A starting point for a new policy (the engine's `CompliancePolicy` without the server-assigned id). */
export const POLICY_TEMPLATE: Omit<CompliancePolicy, 'id'> = {
  name: 'Corporate baseline',
  assignment: { ownership: ['corporate'] },
  rules: {
    maxThreatLevel: 'low',
    minOsVersion: { android: '13', ios: '17.0' },
    maxPatchAgeDays: 90,
    requireScreenLock: true,
    requireEncryption: true,
  },
  gracePeriodHours: 24,
  actions: [
    { afterHours: 0, action: 'notify' },
    { afterHours: 24, action: 'mark-noncompliant' },
  ],
  unresponsive: { afterDays: 7, treatAs: 'noncompliant' },
  enabled: true,
};

/** Compliance policies: rules, grace period and action schedule, edited as JSON. */
export function CompliancePoliciesPage() {
  return (
    <JsonCrudPage
      title="Compliance policies"
      description="Rules a device must pass, a grace period, and the actions taken when it does not."
      path="/v1/admin/compliance-policies"
      template={POLICY_TEMPLATE}
      noun="Policy"
      serverFields={['id', 'createdAt', 'updatedAt']}
      emptyText="No compliance policy: every device counts as compliant."
    />
  );
}
