import { EventsReportSchema, FullReportSchema } from '@riskgate/engine';
import { Type } from '@sinclair/typebox';

const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const B64url = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

export const EnrollBodySchema = Type.Object(
  {
    token: Str(200),
    publicKey: Type.Object(
      { kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: B64url, y: B64url },
      { additionalProperties: false },
    ),
    device: Type.Object(
      {
        platform: Type.Union([Type.Literal('android'), Type.Literal('ios')]),
        model: Type.Optional(Str()),
        manufacturer: Type.Optional(Str()),
        osVersion: Type.Optional(Str(50)),
        agentVersion: Type.Optional(Str(50)),
        user: Type.Optional(Str(320)),
        name: Type.Optional(Str()),
      },
      { additionalProperties: false },
    ),
    deviceId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Re-enroll this device with a new key' }),
    ),
  },
  { additionalProperties: false },
);

export const EnrollReplySchema = Type.Object({
  deviceId: Type.String(),
  certificate: Type.String(),
  caCertificate: Type.String(),
  serverTime: Type.String(),
  reenrolled: Type.Boolean(),
});

const StatusThreat = Type.Object({
  key: Type.String(),
  typeId: Type.String(),
  title: Type.String(),
  risk: Type.String(),
  summary: Type.String(),
  remediation: Type.Array(Type.String()),
});

const statusProperties = {
  deviceId: Type.String(),
  riskLevel: Type.String(),
  compliance: Type.Object({
    state: Type.String(),
    failingRules: Type.Array(Type.Object({ rule: Type.String(), reason: Type.String() })),
  }),
  labels: Type.Array(Type.String()),
  threats: Type.Array(StatusThreat),
};

export const DeviceStatusSchema = Type.Object(statusProperties);

export const ReportReplySchema = Type.Object({
  reportId: Type.String(),
  duplicate: Type.Boolean(),
  ...statusProperties,
});

/**
 * Report body: the engine's schema (snapshot or events, with its size limits), without its `$id`
 * so the OpenAPI document embeds it.
 */
export const ReportBodySchema = Type.Union([FullReportSchema, EventsReportSchema]);
