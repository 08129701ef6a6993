import { type Static, Type } from '@sinclair/typebox';
import {
  PolicyIdListSchema,
  PolicyIdSchema,
  PolicyNameSchema,
  PolicyOwnershipSchema,
  PolicyPlatformSchema,
  PolicyRiskLevelSchema,
  PolicyVersionSchema,
} from '../compliance/schema.ts';

/**
 * Resource and access-policy schemas: admin-input validation, TypeScript types and OpenAPI from
 * one TypeBox definition. Every string and array is bounded.
 */

/** A host an HTTP resource answers on: `mail.example.com`, or `*.example.com` for every subdomain. */
export const ResourceHostSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern:
    '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?$',
});

export const ResourceKindSchema = Type.Union([
  Type.Literal('http-app'),
  Type.Literal('wifi'),
  Type.Literal('oidc-client'),
]);
export type ResourceKind = Static<typeof ResourceKindSchema>;

/**
 * What access protects. `http-app`: `hosts` (absent = any host) and an optional `pathPrefix`
 * (default `/`); `wifi`: the `ssid` RADIUS reports; `oidc-client`: the `clientId` signing users in.
 * `resourceProblems()` says which kind-specific field is missing.
 */
export const ResourceSchema = Type.Object(
  {
    id: PolicyIdSchema,
    name: PolicyNameSchema,
    kind: ResourceKindSchema,
    hosts: Type.Optional(Type.Array(ResourceHostSchema, { maxItems: 100 })),
    pathPrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^/' })),
    /** Wi-Fi network name, matched exactly (SSIDs are case-sensitive). */
    ssid: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);
export type Resource = Static<typeof ResourceSchema>;

/**
 * Who and what an access policy covers. The user is included when listed in `users` or a member
 * of one of `groups` (everyone when neither is set); `excludeUsers` / `excludeGroups` win over
 * inclusion. `resources`, `platforms` and `ownership`, when non-empty, must contain the request's
 * resource id and the device's platform and ownership.
 */
export const AccessAssignmentSchema = Type.Object(
  {
    users: Type.Optional(PolicyIdListSchema),
    groups: Type.Optional(PolicyIdListSchema),
    resources: Type.Optional(PolicyIdListSchema),
    platforms: Type.Optional(Type.Array(PolicyPlatformSchema, { maxItems: 2 })),
    ownership: Type.Optional(Type.Array(PolicyOwnershipSchema, { maxItems: 2 })),
    excludeUsers: Type.Optional(PolicyIdListSchema),
    excludeGroups: Type.Optional(PolicyIdListSchema),
  },
  { additionalProperties: false },
);
export type AccessAssignment = Static<typeof AccessAssignmentSchema>;

/**
 * Conditions narrow when an assigned policy applies, from the device's state; every condition set
 * must hold. They never grant or deny by themselves: the grant does.
 */
export const AccessConditionsSchema = Type.Object(
  {
    /** Applies only while the device's agent is older than this version (or did not report one). */
    agentVersionBelow: Type.Optional(PolicyVersionSchema),
    /** Applies only while the device's risk level is one of these. */
    riskLevels: Type.Optional(Type.Array(PolicyRiskLevelSchema, { maxItems: 4 })),
  },
  { additionalProperties: false },
);
export type AccessConditions = Static<typeof AccessConditionsSchema>;

/** What an applying policy demands. */
export const AccessGrantSchema = Type.Union([
  Type.Object({ kind: Type.Literal('block') }, { additionalProperties: false }),
  /** Compliant or in its grace period. */
  Type.Object({ kind: Type.Literal('require-compliant') }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('require-risk-at-most'), level: PolicyRiskLevelSchema },
    { additionalProperties: false },
  ),
]);
export type AccessGrant = Static<typeof AccessGrantSchema>;

/** `report-only` policies are evaluated and recorded but never deny; `off` policies are ignored. */
export const AccessPolicyStateSchema = Type.Union([
  Type.Literal('on'),
  Type.Literal('report-only'),
  Type.Literal('off'),
]);
export type AccessPolicyState = Static<typeof AccessPolicyStateSchema>;

/** A conditional-access policy. */
export const AccessPolicySchema = Type.Object(
  {
    id: PolicyIdSchema,
    name: PolicyNameSchema,
    state: AccessPolicyStateSchema,
    assignment: AccessAssignmentSchema,
    conditions: Type.Optional(AccessConditionsSchema),
    grant: AccessGrantSchema,
  },
  { additionalProperties: false },
);
export type AccessPolicy = Static<typeof AccessPolicySchema>;

/** Kind-specific checks the flat schema cannot express; an empty list means the resource is usable. */
export function resourceProblems(resource: Resource): string[] {
  const problems: string[] = [];
  if (resource.kind === 'wifi' && resource.ssid === undefined) problems.push('a wifi resource needs an ssid');
  if (resource.kind === 'oidc-client' && resource.clientId === undefined) {
    problems.push('an oidc-client resource needs a clientId');
  }
  if (resource.kind !== 'http-app' && (resource.hosts !== undefined || resource.pathPrefix !== undefined)) {
    problems.push('hosts and pathPrefix apply to http-app resources only');
  }
  return problems;
}
