import { Type } from '@sinclair/typebox';

const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });

export const ThreatRiskSchema = Type.Union([
  Type.Literal('none'),
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
]);

export const ThreatTypeSchema = Type.Object({
  id: Type.String(),
  class: Type.String(),
  title: Type.String(),
  description: Type.String(),
  attack: Type.Array(Type.String()),
  platforms: Type.Array(Type.String()),
  defaultRisk: Type.String(),
  risk: Type.String(),
  overridden: Type.Boolean(),
});

export const RerateSummarySchema = Type.Object({
  threatsUpdated: Type.Integer(),
  devicesExamined: Type.Integer(),
  devicesChanged: Type.Integer(),
});

export const RiskBody = Type.Object({ risk: ThreatRiskSchema }, { additionalProperties: false });

export const TypeIdParams = Type.Object({ id: Str(100) }, { additionalProperties: false });
export const FamilyParams = Type.Object({ family: Str(100) }, { additionalProperties: false });
