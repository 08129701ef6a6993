import { Type } from '@sinclair/typebox';

const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const RoleSchema = Type.Union([
  Type.Literal('owner'),
  Type.Literal('admin'),
  Type.Literal('analyst'),
  Type.Literal('helpdesk'),
]);
export const OwnershipSchema = Type.Union([Type.Literal('corporate'), Type.Literal('personal')]);

export const CreateApiTokenBody = Type.Object(
  { name: Str(100), role: RoleSchema },
  { additionalProperties: false },
);

export const UpdateApiTokenBody = Type.Object(
  { name: Type.Optional(Str(100)), role: Type.Optional(RoleSchema) },
  { additionalProperties: false },
);

export const ApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  prefix: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});

export const CreatedApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: Type.String(),
  token: Type.String({ description: 'Shown once; store it now.' }),
});

export const CreateEnrollmentTokenBody = Type.Object(
  {
    ownership: OwnershipSchema,
    groups: Type.Array(Str(100), { maxItems: 50, default: [] }),
    expiresInHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 365 }),
    maxUses: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const EnrollmentTokenSchema = Type.Object({
  id: Type.String(),
  prefix: Type.String(),
  ownership: OwnershipSchema,
  groups: Type.Array(Type.String()),
  expiresAt: Type.String(),
  usesLeft: Type.Union([Type.Integer(), Type.Null()]),
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  revokedAt: Nullable(Type.String()),
});

export const CreatedEnrollmentTokenSchema = Type.Composite([
  EnrollmentTokenSchema,
  Type.Object({ token: Type.String({ description: 'Shown once; hand it to the device.' }) }),
]);

export const DeviceSchema = Type.Object({
  id: Type.String(),
  platform: Type.String(),
  ownership: Type.String(),
  user: Nullable(Type.String()),
  groups: Type.Array(Type.String()),
  name: Nullable(Type.String()),
  model: Nullable(Type.String()),
  manufacturer: Nullable(Type.String()),
  osVersion: Nullable(Type.String()),
  agentVersion: Nullable(Type.String()),
  certFingerprint: Type.String(),
  enrolledAt: Type.String(),
  lastSeenAt: Nullable(Type.String()),
  riskLevel: Type.String(),
  complianceState: Type.String(),
  labels: Type.Array(Type.String()),
  retiredAt: Nullable(Type.String()),
});

export const ThreatSchema = Type.Object({
  id: Type.String(),
  key: Type.String(),
  typeId: Type.String(),
  class: Type.String(),
  title: Type.String(),
  risk: Type.String(),
  state: Type.String(),
  summary: Type.String(),
  remediation: Type.Array(Type.String()),
  evidence: Type.Array(Type.Unknown()),
  attack: Type.Array(Type.String()),
  family: Nullable(Type.String()),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  resolvedAt: Nullable(Type.String()),
});

export const RiskLevelSchema = Type.Union([
  Type.Literal('secured'),
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
]);

export const ListDevicesQuery = Type.Object(
  {
    user: Type.Optional(Str()),
    model: Type.Optional(Str()),
    riskLevel: Type.Optional(RiskLevelSchema),
    complianceState: Type.Optional(
      Type.Union([
        Type.Literal('unknown'),
        Type.Literal('compliant'),
        Type.Literal('in-grace-period'),
        Type.Literal('noncompliant'),
      ]),
    ),
    label: Type.Optional(Str()),
    seenBefore: Type.Optional(Str(40)),
    seenAfter: Type.Optional(Str(40)),
    includeRetired: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    after: Type.Optional(Str(64)),
  },
  { additionalProperties: false },
);

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Nullable(Type.String()),
  details: Type.Unknown(),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const AuditQuery = Type.Object(
  {
    // audit_log.seq is a 32-bit integer on PostgreSQL, which refused a larger bound with a 500.
    afterSeq: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

/**
 * The per-device export document (docs/privacy.md, "Per-device export"): every stored row about
 * the device, by table, with JSON text columns parsed. Streamed, so this schema documents the
 * shape; the reply is not serialised through it.
 */
export const DeviceExportSchema = Type.Object({
  format: Type.Literal('riskgate.device-export/1'),
  exportedAt: Type.String(),
  tenantId: Type.String(),
  deviceId: Type.String(),
  tables: Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown()))),
});
