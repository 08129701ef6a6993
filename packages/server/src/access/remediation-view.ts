import type { AccessSystem } from './access-system.ts';
import type { TokenClaims } from './signed-token.ts';

/** What the remediation page shows, as data (the JSON answer, and what the HTML renders). */
export interface RemediationView {
  /** `unknown`: the link is missing, invalid or expired, or the device is gone. */
  readonly status: 'allowed' | 'denied' | 'unknown';
  readonly deviceId?: string;
  readonly riskLevel?: string;
  readonly complianceState?: string;
  readonly resource?: { readonly id: string; readonly name: string };
  readonly reasons: readonly {
    readonly code: string;
    readonly message: string;
    readonly policyId?: string;
    readonly policyName?: string;
  }[];
  readonly threats: readonly {
    readonly title: string;
    readonly risk: string;
    readonly steps: readonly string[];
  }[];
  /** Increases with each state change the node applied (the page compares it to refresh). */
  readonly version: number;
}

const UNKNOWN: RemediationView = { status: 'unknown', reasons: [], threats: [], version: 0 };

/**
 * Evaluates the device against the refused resource now, without logging a decision (viewing
 * the page is not an access attempt).
 */
export async function remediationView(
  access: AccessSystem,
  claims: TokenClaims | undefined,
): Promise<RemediationView> {
  if (claims === undefined) return UNKNOWN;
  const device = await access.devices.byId(claims.tenantId, claims.deviceId);
  if (device === undefined) return UNKNOWN;
  const config = await access.policies.get(claims.tenantId);
  const resource = claims.resourceId === undefined ? undefined : config.resources.byId(claims.resourceId);
  const base = {
    deviceId: device.deviceId,
    riskLevel: device.riskLevel,
    complianceState: device.complianceState,
    version: device.version,
    threats: device.threats
      .filter((t) => t.risk !== 'none')
      .map((t) => ({ title: t.title, risk: t.risk, steps: t.remediation })),
  };
  if (resource === undefined) {
    return { ...base, status: device.retired ? 'denied' : 'unknown', reasons: [] };
  }
  const decision = config.policies.decide({ resourceId: resource.id, device, now: access.now() });
  return {
    ...base,
    status: decision.outcome === 'allow' ? 'allowed' : 'denied',
    resource: { id: resource.id, name: resource.name },
    reasons: decision.reasons.map((r) => ({
      code: r.code,
      message: r.message,
      ...(r.policyId === undefined ? {} : { policyId: r.policyId }),
      ...policyNameOf(config.policyNames, r.policyId),
    })),
  };
}

function policyNameOf(
  names: ReadonlyMap<string, string>,
  policyId: string | undefined,
): { policyName?: string } {
  const name = policyId === undefined ? undefined : names.get(policyId);
  return name === undefined ? {} : { policyName: name };
}
