import { createHash } from 'node:crypto';
import type { AccessDecision } from '@riskgate/engine';
import {
  ACCESS_HEADERS,
  type AccessEnforcer,
  type HttpAccessCheck,
  type HttpAccessOutcome,
} from '../enforcement/contract.ts';
import type { AccessLog, DecisionContext } from './access-log.ts';
import { derOf } from './client-cert-headers.ts';
import type { CachedDevice, DecisionCache } from './decision-cache.ts';
import type { PolicyCache, TenantAccessConfig } from './policy-cache.ts';
import type { TokenSigner } from './signed-token.ts';

/** How a caller names the device. */
export interface DeviceIdentity {
  readonly fingerprint?: string;
  readonly deviceToken?: string;
  /** Only for callers already trusted to name devices (the JSON decision API). */
  readonly deviceId?: string;
  readonly tenantId?: string;
  /**
   * Set by the enforcement point when the request carries a second identity source that disagrees
   * with its own (a client-supplied certificate header): the request is refused as it is.
   */
  readonly conflict?: string;
}

/** What is being accessed: a resource id, or what maps to one. */
export interface AccessTarget {
  /**
   * The one tenant the enforcement request is bound to (its proxy credential, gateway route or
   * RADIUS client), fixed before the device is looked up: only this tenant's resources and policies
   * apply, and a device of another tenant is `device-unknown` here.
   */
  readonly tenantId: string;
  readonly resourceId?: string;
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  readonly ssid?: string;
  readonly clientId?: string;
}

/** One decision with everything an enforcement point answers with. */
export interface AccessResult {
  readonly status: 200 | 401 | 403;
  /** First reason code (`device-unknown`, `risk-too-high`, `resource-unknown`, …); `none` when allowed. */
  readonly reason: string;
  readonly device?: CachedDevice;
  readonly resourceId?: string;
  readonly decision?: AccessDecision;
  /** Where the user learns what to fix; absent when allowed. */
  readonly remediationUrl?: string;
}

export interface AccessDecider extends AccessEnforcer {
  identify(identity: DeviceIdentity): Promise<CachedDevice | undefined>;
  decide(identity: DeviceIdentity, target: AccessTarget, enforcement: string): Promise<AccessResult>;
  /**
   * {@link decide} from the caches alone, with no promise: the same result when the device and its
   * tenant's configuration are cached (the same log entries and counts too); `undefined`, having
   * done nothing, when either would have to be loaded (then call {@link decide}).
   */
  decideCached(identity: DeviceIdentity, target: AccessTarget, enforcement: string): AccessResult | undefined;
}

export interface AccessDeciderDeps {
  readonly devices: DecisionCache;
  readonly policies: PolicyCache;
  readonly tokens: TokenSigner;
  readonly log: AccessLog;
  readonly now: () => Date;
  /** Absolute base URL users reach Riskgate at (for remediation links), without trailing slash. */
  readonly publicUrl: string;
  /** How long a remediation link stays valid (default 24 h). */
  readonly remediationTtlSeconds?: number;
  /** Told when a decision failed closed because state could not be read (logging). */
  readonly onStateUnavailable?: (error: unknown) => void;
}

/**
 * The reason of a refusal because the device's state or its tenant's access configuration could
 * not be read (the database is unreachable and the node has no cached copy). Fail closed.
 */
export const STATE_UNAVAILABLE = 'state-unavailable';

/** What the user is told with {@link STATE_UNAVAILABLE}. */
export const STATE_UNAVAILABLE_MESSAGE =
  'Riskgate cannot read this device’s state right now (its database is unavailable), so access is refused. Nothing needs fixing on the device: try again in a minute.';

/** The access core shared by forward-auth, the JSON decision API and the built-in gateway. */
export function createAccessDecider(deps: AccessDeciderDeps): AccessDecider {
  const ttl = deps.remediationTtlSeconds ?? 24 * 3600;
  // A denied device usually retries the same resource many times: its link (an HMAC each) is
  // reused while it has at least `ttl - reuse` seconds left, so a link handed out is always valid
  // for nearly the full lifetime and never for longer.
  const reuseSeconds = Math.min(60, Math.floor(ttl / 10));
  const links = new Map<string, { readonly url: string; readonly exp: number }>();
  const unknownDeviceUrl = `${deps.publicUrl}/remediation`;

  /** Not `async`: the cache's promise is handed on as it is, without another wrapper. */
  /**
   * Which device an identity names: a certificate fingerprint, or a tenant's device (from a verified
   * device token, or the ids a trusted caller gives); `undefined` when it names none.
   */
  function deviceKeyOf(
    identity: DeviceIdentity,
  ): string | { readonly tenantId: string; readonly deviceId: string } | undefined {
    if (identity.fingerprint !== undefined) return identity.fingerprint;
    if (identity.deviceToken !== undefined) {
      const claims = deps.tokens.verify(identity.deviceToken, 'dev', deps.now());
      return claims === undefined ? undefined : { tenantId: claims.tenantId, deviceId: claims.deviceId };
    }
    if (identity.deviceId !== undefined && identity.tenantId !== undefined)
      return { tenantId: identity.tenantId, deviceId: identity.deviceId };
    return undefined;
  }

  function identify(identity: DeviceIdentity): Promise<CachedDevice | undefined> {
    const key = deviceKeyOf(identity);
    if (key === undefined) return Promise.resolve(undefined);
    return typeof key === 'string'
      ? deps.devices.byFingerprint(key)
      : deps.devices.byId(key.tenantId, key.deviceId);
  }

  function remediationUrl(
    device: CachedDevice | undefined,
    resourceId: string | undefined,
    policyId?: string,
  ): string {
    if (device === undefined) return unknownDeviceUrl;
    const now = Math.floor(deps.now().getTime() / 1000);
    const key = `${device.tenantId}\u0000${device.deviceId}\u0000${resourceId ?? ''}\u0000${policyId ?? ''}`;
    const known = links.get(key);
    if (known !== undefined && known.exp - now > ttl - reuseSeconds && known.exp - now <= ttl)
      return known.url;
    const exp = now + ttl;
    const token = deps.tokens.sign({
      kind: 'rem',
      tenantId: device.tenantId,
      deviceId: device.deviceId,
      ...(resourceId === undefined ? {} : { resourceId }),
      ...(policyId === undefined ? {} : { policyId }),
      exp,
    });
    const url = `${deps.publicUrl}/remediation?t=${token}`;
    // Bounded: at most one link per denied (device, resource, policy) seen within `reuseSeconds`.
    if (links.size >= 10_000) links.clear();
    links.set(key, { url, exp });
    return url;
  }

  /** The device from the cache alone (no load, no promise); `undefined` on a miss or no identity. */
  function identifyCached(identity: DeviceIdentity): CachedDevice | undefined {
    const key = deviceKeyOf(identity);
    if (key === undefined) return undefined;
    if (typeof key === 'string') return deps.devices.peekFingerprint(key);
    const device = deps.devices.peek(key.deviceId);
    return device?.tenantId === key.tenantId ? device : undefined;
  }

  /** The decision for an identified device under its tenant's compiled configuration (synchronous). */
  function decideFor(
    device: CachedDevice,
    config: TenantAccessConfig,
    target: AccessTarget,
    enforcement: string,
  ): AccessResult {
    if (device.tenantId !== target.tenantId) return unknownDevice(target, enforcement);
    const resource =
      target.resourceId !== undefined
        ? config.resources.byId(target.resourceId)
        : target.ssid !== undefined
          ? config.resources.matchWifi(target.ssid)
          : target.clientId !== undefined
            ? config.resources.matchOidcClient(target.clientId)
            : config.resources.matchHttp({ host: target.host ?? '', path: target.path ?? '/' });
    // Plain fields (no spreads): this object is built for every decision.
    const logCtx: DecisionContext = {
      tenantId: device.tenantId,
      deviceId: device.deviceId,
      resourceId: resource?.id,
      enforcement,
      host: target.host,
      path: target.path,
      method: target.method,
    };
    if (resource === undefined) {
      // Fail closed: a request no resource covers is not let through on Riskgate's word.
      deps.log.record(logCtx, 'deny', 'resource-unknown');
      return {
        status: 403,
        reason: 'resource-unknown',
        device,
        remediationUrl: remediationUrl(device, undefined),
      };
    }
    const decision = config.policies.decide({ resourceId: resource.id, device, now: deps.now() });
    const first = decision.reasons[0];
    const reason = first?.code ?? 'none';
    deps.log.record(logCtx, decision.outcome, reason, decision);
    if (decision.outcome === 'allow')
      return { status: 200, reason, device, resourceId: resource.id, decision };
    return {
      status: 403,
      reason,
      device,
      resourceId: resource.id,
      decision,
      remediationUrl: remediationUrl(device, resource.id, first?.policyId),
    };
  }

  /** No device of the bound tenant was identified (none named, unknown, or another tenant's). */
  function unknownDevice(target: AccessTarget, enforcement: string): AccessResult {
    deps.log.record(deviceless(target, enforcement), 'unauthenticated', 'device-unknown');
    return { status: 401, reason: 'device-unknown', remediationUrl: remediationUrl(undefined, undefined) };
  }

  /** Two identity sources that do not name one device: refused, never resolved either way. */
  function conflictingIdentity(target: AccessTarget, enforcement: string): AccessResult {
    deps.log.record(deviceless(target, enforcement), 'deny', 'identity-conflict');
    return { status: 403, reason: 'identity-conflict', remediationUrl: remediationUrl(undefined, undefined) };
  }

  /** How many identity sources the request carries (certificate, token, named device). */
  function sourcesOf(identity: DeviceIdentity): number {
    return (
      (identity.fingerprint === undefined ? 0 : 1) +
      (identity.deviceToken === undefined ? 0 : 1) +
      (identity.deviceId === undefined ? 0 : 1)
    );
  }

  function decideCached(
    identity: DeviceIdentity,
    target: AccessTarget,
    enforcement: string,
  ): AccessResult | undefined {
    if (identity.conflict !== undefined) return conflictingIdentity(target, enforcement);
    // Several sources are compared on the loading path (rare: a browser token beside a certificate).
    if (sourcesOf(identity) > 1) return undefined;
    const device = identifyCached(identity);
    if (device === undefined) return undefined;
    const config = deps.policies.peek(target.tenantId);
    return config === undefined ? undefined : decideFor(device, config, target, enforcement);
  }

  /**
   * Fail closed when the device or its tenant's configuration cannot be read (the database is
   * down): refused with `state-unavailable`, never allowed on a guess. Decisions the caches can
   * answer (`decideCached`) go on as before.
   */
  function unavailable(target: AccessTarget, enforcement: string, error: unknown): AccessResult {
    deps.onStateUnavailable?.(error);
    deps.log.record(deviceless(target, enforcement), 'deny', STATE_UNAVAILABLE);
    return { status: 403, reason: STATE_UNAVAILABLE, remediationUrl: unknownDeviceUrl };
  }

  /** The one device every identity source names; `conflict` when they name different ones. */
  async function identifyAll(identity: DeviceIdentity): Promise<CachedDevice | undefined | 'conflict'> {
    if (sourcesOf(identity) <= 1) return identify(identity);
    const { fingerprint, deviceToken, deviceId, tenantId } = identity;
    const named = await Promise.all([
      fingerprint === undefined ? null : identify({ fingerprint }),
      deviceToken === undefined ? null : identify({ deviceToken }),
      deviceId === undefined ? null : identify({ deviceId, ...(tenantId === undefined ? {} : { tenantId }) }),
    ]);
    const given = named.filter((device) => device !== null);
    const [first] = given;
    if (first === undefined) return undefined;
    const same = given.every(
      (device) =>
        device !== undefined && device.tenantId === first.tenantId && device.deviceId === first.deviceId,
    );
    return same ? first : 'conflict';
  }

  async function decide(
    identity: DeviceIdentity,
    target: AccessTarget,
    enforcement: string,
  ): Promise<AccessResult> {
    if (identity.conflict !== undefined) return conflictingIdentity(target, enforcement);
    let device: CachedDevice | undefined | 'conflict';
    let config: TenantAccessConfig | undefined;
    try {
      device = await identifyAll(identity);
      if (device !== undefined && device !== 'conflict' && device.tenantId === target.tenantId)
        config = deps.policies.peek(target.tenantId) ?? (await deps.policies.get(target.tenantId));
    } catch (error) {
      return unavailable(target, enforcement, error);
    }
    if (device === 'conflict') return conflictingIdentity(target, enforcement);
    if (device === undefined || device.tenantId !== target.tenantId)
      return unknownDevice(target, enforcement);
    if (config === undefined) return unavailable(target, enforcement, new Error('no access configuration'));
    return decideFor(device, config, target, enforcement);
  }

  return {
    identify,
    decide,
    decideCached,
    async checkHttp(check: HttpAccessCheck): Promise<HttpAccessOutcome> {
      let fingerprint = check.clientCertFingerprint;
      if (fingerprint === undefined && check.clientCertPem !== undefined) {
        const der = derOf(check.clientCertPem);
        if (der !== undefined) fingerprint = createHash('sha256').update(der).digest('hex');
      }
      const result = await decide(
        {
          ...(fingerprint === undefined ? {} : { fingerprint }),
          ...(check.deviceToken === undefined ? {} : { deviceToken: check.deviceToken }),
        },
        {
          tenantId: check.tenantId,
          ...(check.resourceId === undefined ? {} : { resourceId: check.resourceId }),
          host: check.host,
          path: check.path,
          method: check.method,
        },
        check.resourceId === undefined ? 'forward-auth' : 'gateway',
      );
      return toHttpOutcome(result);
    },
  };
}

/** The access-log context of a decision made without an identified device. */
/** The log context of a decision without a device of the bound tenant (logged under that tenant). */
function deviceless(target: AccessTarget, enforcement: string): DecisionContext {
  return {
    tenantId: target.tenantId,
    deviceId: undefined,
    resourceId: target.resourceId,
    enforcement,
    host: target.host,
    path: target.path,
    method: target.method,
  };
}

/** The status and headers an enforcement point answers with for a result. */
export function toHttpOutcome(result: AccessResult): HttpAccessOutcome {
  if (result.status === 200 && result.device !== undefined) {
    return {
      status: 200,
      headers: {
        [ACCESS_HEADERS.deviceId]: result.device.deviceId,
        [ACCESS_HEADERS.user]: result.device.user,
      },
      ...(result.decision === undefined ? {} : { decision: result.decision }),
    };
  }
  return {
    status: result.status === 200 ? 403 : result.status,
    headers: {
      [ACCESS_HEADERS.reason]: result.reason,
      [ACCESS_HEADERS.remediationUrl]: result.remediationUrl ?? '',
    },
    ...(result.decision === undefined ? {} : { decision: result.decision }),
  };
}
