import { type Static, Type } from '@sinclair/typebox';

/**
 * Compliance policy schema: one TypeBox schema gives the server its admin-input validation, the
 * TypeScript types and the OpenAPI document. Every string and array is bounded.
 */

/** Limits on policy size, exported so the server and tests can reason about them. */
export const POLICY_LIMITS = {
  idLength: 128,
  nameLength: 200,
  assignmentItems: 1000,
  actions: 20,
  maxHours: 24 * 365,
  maxDays: 3650,
} as const;

/** A policy, resource or principal id as admins and enforcement points use it. */
export const PolicyIdSchema = Type.String({ minLength: 1, maxLength: POLICY_LIMITS.idLength });

/** A human-facing name. */
export const PolicyNameSchema = Type.String({ minLength: 1, maxLength: POLICY_LIMITS.nameLength });

/** A bounded list of ids (users, groups, resources). */
export const PolicyIdListSchema = Type.Array(PolicyIdSchema, { maxItems: POLICY_LIMITS.assignmentItems });

export const PolicyPlatformSchema = Type.Union([Type.Literal('android'), Type.Literal('ios')]);
export const PolicyOwnershipSchema = Type.Union([Type.Literal('corporate'), Type.Literal('personal')]);
export const PolicyRiskLevelSchema = Type.Union([
  Type.Literal('secured'),
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
]);

/** A dotted version as admins type it: `14`, `17.5.1`, `18.0`. */
export const PolicyVersionSchema = Type.String({
  pattern: '^[0-9]{1,6}(\\.[0-9]{1,6}){0,3}$',
  maxLength: 31,
});

/**
 * Which devices a compliance policy applies to. The user must be included: listed in `users` or a
 * member of one of `groups` (everyone when neither is set). `platforms` and `ownership`, when
 * non-empty, must also contain the device's value. Absent or empty lists match everyone.
 */
export const ComplianceAssignmentSchema = Type.Object(
  {
    groups: Type.Optional(PolicyIdListSchema),
    platforms: Type.Optional(Type.Array(PolicyPlatformSchema, { maxItems: 2 })),
    ownership: Type.Optional(Type.Array(PolicyOwnershipSchema, { maxItems: 2 })),
    users: Type.Optional(PolicyIdListSchema),
  },
  { additionalProperties: false },
);
export type ComplianceAssignment = Static<typeof ComplianceAssignmentSchema>;

/** The checks a device must pass. Absent rules are not checked. */
export const ComplianceRulesSchema = Type.Object(
  {
    /** Highest device risk level still compliant (e.g. `low`: medium and high fail). */
    maxThreatLevel: Type.Optional(PolicyRiskLevelSchema),
    /** Lowest OS version per platform; a platform without an entry is not checked. */
    minOsVersion: Type.Optional(
      Type.Object(
        { android: Type.Optional(PolicyVersionSchema), ios: Type.Optional(PolicyVersionSchema) },
        { additionalProperties: false },
      ),
    ),
    /** Oldest Android security patch level, in days before `now`. Not checked on iOS. */
    maxPatchAgeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: POLICY_LIMITS.maxDays })),
    requireScreenLock: Type.Optional(Type.Boolean()),
    requireEncryption: Type.Optional(Type.Boolean()),
    /** `any`: a verified attestation; `hardware`: verified and backed by a TEE or StrongBox. */
    requireAttestation: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('hardware')])),
  },
  { additionalProperties: false },
);
export type ComplianceRules = Static<typeof ComplianceRulesSchema>;

export const ComplianceActionKindSchema = Type.Union([
  Type.Literal('notify'),
  Type.Literal('mark-noncompliant'),
  Type.Literal('block-access'),
  Type.Literal('quarantine'),
  Type.Literal('remote-lock'),
  Type.Literal('retire'),
]);
export type ComplianceActionKind = Static<typeof ComplianceActionKindSchema>;

/** One step of the action schedule: `action` is due `afterHours` after the device became noncompliant. */
export const ComplianceActionSchema = Type.Object(
  {
    afterHours: Type.Number({ minimum: 0, maximum: POLICY_LIMITS.maxHours }),
    action: ComplianceActionKindSchema,
  },
  { additionalProperties: false },
);
export type ComplianceAction = Static<typeof ComplianceActionSchema>;

/**
 * What a device that has not reported for `afterDays` means for this policy:
 * `noncompliant` adds a failing `unresponsive` rule (grace period and schedule apply as usual);
 * `unknown` makes an otherwise passing policy `unknown`; `compliant` changes nothing. In every
 * case the rules still judge the last state the device reported, so going silent never turns a
 * failing device compliant.
 */
export const UnresponsiveSchema = Type.Object(
  {
    afterDays: Type.Number({ exclusiveMinimum: 0, maximum: POLICY_LIMITS.maxDays }),
    treatAs: Type.Union([Type.Literal('noncompliant'), Type.Literal('compliant'), Type.Literal('unknown')]),
  },
  { additionalProperties: false },
);
export type Unresponsive = Static<typeof UnresponsiveSchema>;

/** A tenant's compliance policy. */
export const CompliancePolicySchema = Type.Object(
  {
    id: PolicyIdSchema,
    name: PolicyNameSchema,
    assignment: ComplianceAssignmentSchema,
    rules: ComplianceRulesSchema,
    /** Hours a failing device stays `in-grace-period` before it is `noncompliant`. */
    gracePeriodHours: Type.Number({ minimum: 0, maximum: POLICY_LIMITS.maxHours }),
    actions: Type.Array(ComplianceActionSchema, { maxItems: POLICY_LIMITS.actions }),
    unresponsive: UnresponsiveSchema,
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type CompliancePolicy = Static<typeof CompliancePolicySchema>;
