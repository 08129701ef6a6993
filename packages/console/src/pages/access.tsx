import type { AccessPolicy, Resource } from '@riskgate/engine';
import { JsonCrudPage } from '../components/json-crud.tsx';

export const RESOURCE_TEMPLATE: Resource = {
  id: 'mail',
  name: 'Company mail',
  kind: 'http-app',
  hosts: ['mail.example.com'],
  pathPrefix: '/',
};

export const ACCESS_POLICY_TEMPLATE: AccessPolicy = {
  id: 'mail-require-low-risk',
  name: 'Mail needs a low-risk device',
  state: 'report-only',
  assignment: { resources: ['mail'] },
  grant: { kind: 'require-risk-at-most', level: 'low' },
};

/** Resources that access protects (apps behind a proxy or the gateway, Wi-Fi, OIDC clients). */
export function ResourcesPage() {
  return (
    <JsonCrudPage
      title="Resources"
      description="What access protects: apps behind a proxy or the gateway, Wi-Fi networks, applications signing users in."
      path="/v1/admin/resources"
      template={RESOURCE_TEMPLATE}
      noun="Resource"
      emptyText="No resource yet."
    />
  );
}

/** Conditional-access policies, in evaluation order. */
export function AccessPoliciesPage() {
  return (
    <JsonCrudPage
      title="Access policies"
      description="Conditional access: who may reach which resource from which devices. Try a policy in report-only first."
      path="/v1/admin/access-policies"
      template={ACCESS_POLICY_TEMPLATE}
      noun="Access policy"
      emptyText="No access policy: every resource is open to enrolled devices."
    />
  );
}
