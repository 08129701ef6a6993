import type { RiskLevel, Snapshot, SnapshotEvent, ThreatRisk } from '@riskgate/engine';
import { parseRiskLevel } from '@riskgate/engine/risk-order';
import type { EcPublicJwk } from './keys.ts';

/** Device description sent at enrollment (docs/agent-protocol.md §3). */
export interface EnrollDevice {
  readonly platform: 'android' | 'ios';
  readonly model: string;
  readonly manufacturer: string;
  readonly osVersion: string;
  readonly agentVersion: string;
  readonly user?: string;
  readonly name?: string;
}

export interface EnrollRequest {
  readonly token: string;
  readonly publicKey: EcPublicJwk;
  readonly device: EnrollDevice;
}

/** Reply 201 to enrollment. */
export interface EnrollReply {
  readonly deviceId: string;
  readonly certificate: string;
  readonly caCertificate: string;
  readonly serverTime: string;
}

/** Body of `POST /v1/device/reports`. */
export type ReportBody =
  | { readonly reportId: string; readonly kind: 'full'; readonly snapshot: Snapshot }
  | { readonly reportId: string; readonly kind: 'events'; readonly events: readonly SnapshotEvent[] };

/** One active threat as the server reports it to the device. */
export interface DeviceThreat {
  readonly key: string;
  readonly typeId: string;
  readonly title: string;
  readonly risk: ThreatRisk;
  readonly summary: string;
  readonly remediation: readonly string[];
}

/** The device's standing: same shape for `GET /v1/device/status` and inside a report reply. */
export interface DeviceStatus {
  readonly deviceId: string;
  readonly riskLevel: RiskLevel;
  readonly compliance: {
    readonly state: string;
    readonly failingRules: readonly { readonly rule: string; readonly reason: string }[];
  };
  readonly labels: readonly string[];
  readonly threats: readonly DeviceThreat[];
}

/** Reply 200 to a report, sent once the report's transaction has committed. */
export interface ReportReply extends DeviceStatus {
  readonly reportId: string;
  /** True when the server had already stored this report id (a retry). */
  readonly duplicate: boolean;
}

/** The error body every non-2xx reply carries. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows a reply body to the error shape, or `undefined`. */
export function asErrorBody(value: unknown): ErrorBody | undefined {
  if (!isRecord(value) || typeof value.code !== 'string' || typeof value.message !== 'string')
    return undefined;
  return {
    code: value.code,
    message: value.message,
    requestId: typeof value.requestId === 'string' ? value.requestId : '',
  };
}

/** Checks the fields the agent relies on in a status / report reply; throws when they are missing. */
export function asDeviceStatus(value: unknown): DeviceStatus {
  if (
    !isRecord(value) ||
    typeof value.deviceId !== 'string' ||
    typeof value.riskLevel !== 'string' ||
    parseRiskLevel(value.riskLevel) === undefined ||
    !Array.isArray(value.threats)
  ) {
    throw new Error('unexpected reply from the server: not a device status');
  }
  return value as unknown as DeviceStatus;
}

/** Checks a report reply (a device status plus `reportId` and `duplicate`). */
export function asReportReply(value: unknown): ReportReply {
  const status = asDeviceStatus(value);
  if (!isRecord(value) || typeof value.reportId !== 'string' || typeof value.duplicate !== 'boolean') {
    throw new Error('unexpected reply from the server: not a report reply');
  }
  return status as ReportReply;
}
