import {
  type Detection,
  evaluateCompliance,
  explainRisk,
  findThreatType,
  type RiskExplanation,
  type Snapshot,
  type ThreatClass,
  type ThreatRisk,
} from '@riskgate/engine';
import { type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { complianceDeviceOf, parsePolicyDocs } from '../device-state/rerate.ts';
import { errors } from '../errors.ts';
import { classificationOf } from '../intel/intel-reassess.ts';
import { findDeviceById } from '../queries/devices.ts';
import { findSnapshot, listCompliancePolicyDocs } from '../queries/reports.ts';
import { listDeviceThreats, type ThreatRow } from '../queries/threats.ts';

/** Why a device is at its risk level and compliance state, and what it last reported. */
export interface DeviceExplanation {
  readonly deviceId: string;
  /** The stored snapshot (already reduced to matches for personal devices under the privacy setting). */
  readonly snapshot: Snapshot | null;
  readonly risk: {
    -readonly [K in keyof RiskExplanation]: RiskExplanation[K] extends readonly (infer T)[]
      ? T[]
      : RiskExplanation[K];
  };
  readonly compliance: {
    readonly state: string;
    readonly failingRules: {
      policyId: string;
      rule: string;
      reason: string;
      expected: string;
      actual: string;
    }[];
    readonly policies: { policyId: string; state: string; graceEndsAt: string | null }[];
  };
}

/** A stored active threat as the engine's explanation takes it. */
function detectionOf(row: ThreatRow): Detection {
  const risk = row.risk as ThreatRisk;
  return {
    key: row.key,
    typeId: row.type_id,
    class: row.class as ThreatClass,
    risk,
    defaultRisk: findThreatType(row.type_id)?.defaultRisk ?? risk,
    title: row.title,
    summary: row.summary,
    ...(row.family !== null ? { family: row.family } : {}),
    attack: JSON.parse(row.attack) as string[],
    evidence: JSON.parse(row.evidence) as Detection['evidence'],
    remediation: JSON.parse(row.remediation) as string[],
  };
}

/** Device explanations for the admin API. */
export type DeviceExplainService = ReturnType<typeof createDeviceExplainService>;

/** Creates the device explanation service. */
export function createDeviceExplainService(ctx: Pick<ServiceContext, 'db' | 'now'>) {
  const { db } = ctx.db;
  return {
    /** The engine's explanation of the device's risk (from its active threats) and compliance (failing rules). */
    async explainDevice(principal: Principal, id: string): Promise<DeviceExplanation> {
      requirePermission(principal, 'devices:read');
      const device = await findDeviceById(db, principal.tenantId, id);
      if (device === undefined) throw errors.notFound('device');
      const stored = await findSnapshot(db, principal.tenantId, id);
      const snapshot = stored === undefined ? null : (JSON.parse(stored) as Snapshot);
      const active = await listDeviceThreats(db, principal.tenantId, id, ['active']);
      const risk = explainRisk(active.map(detectionOf), await classificationOf(db, principal.tenantId));
      const policies = parsePolicyDocs(await listCompliancePolicyDocs(db, principal.tenantId));
      const result = evaluateCompliance(
        complianceDeviceOf(device, snapshot ?? undefined, device.risk_level),
        policies,
        ctx.now(),
      );
      return {
        deviceId: id,
        snapshot,
        risk: {
          ...risk,
          drivers: [...risk.drivers],
          contributors: [...risk.contributors],
          notCounted: [...risk.notCounted],
          overrides: [...risk.overrides],
        },
        compliance: {
          state: result.state,
          failingRules: result.failingRules.map((rule) => ({
            policyId: rule.policyId,
            rule: rule.rule,
            reason: rule.reason,
            expected: rule.expected,
            actual: rule.actual,
          })),
          policies: result.policies.map((policy) => ({
            policyId: policy.policyId,
            state: policy.state,
            graceEndsAt: policy.graceEndsAt?.toISOString() ?? null,
          })),
        },
      };
    },
  };
}
