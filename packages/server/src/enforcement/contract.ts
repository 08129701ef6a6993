import type { AccessDecision } from '@riskgate/engine';

/**
 * What an enforcement point (forward-auth route, built-in gateway) knows about one HTTP request
 * when it asks whether to let it through. Header parsing is the enforcement point's job; this is
 * the normalised result.
 */
export interface HttpAccessCheck {
  /** The one tenant this enforcement point is bound to (a gateway route's, a proxy credential's). */
  readonly tenantId: string;
  /** The original request's host (no port), as the client addressed it. */
  readonly host: string;
  /** The original request's path, with query string if any. */
  readonly path: string;
  /** The original request's method, upper case. */
  readonly method: string;
  /** Lower-case hex SHA-256 of the DER client certificate, when the enforcement point computed it. */
  readonly clientCertFingerprint?: string;
  /** The client certificate as PEM, when the enforcement point passes it whole (the enforcer hashes it). */
  readonly clientCertPem?: string;
  /** A short-lived device session token (browser flows), when presented. */
  readonly deviceToken?: string;
  /** The client's address as the enforcement point saw it. */
  readonly remoteAddress: string;
  /**
   * The resource, when the enforcement point already knows it (a built-in gateway route names
   * one). When absent the enforcer maps `host` and `path` to a resource itself.
   */
  readonly resourceId?: string;
}

/**
 * Well-known headers of an {@link HttpAccessOutcome}. On 200 the identity headers go to the upstream;
 * on 401/403 the reason and remediation headers go to the client.
 */
export const ACCESS_HEADERS = {
  deviceId: 'x-riskgate-device-id',
  user: 'x-riskgate-user',
  reason: 'x-riskgate-reason',
  remediationUrl: 'x-riskgate-remediation-url',
} as const;

/**
 * The answer to one {@link HttpAccessCheck}: 200 allow, 401 no enrolled device identified,
 * 403 denied. Denials are values, not errors; `checkHttp` rejects only on broken infrastructure.
 */
export interface HttpAccessOutcome {
  readonly status: 200 | 401 | 403;
  /** Lower-case header names (see {@link ACCESS_HEADERS}) and their values. */
  readonly headers: Readonly<Record<string, string>>;
  /** The engine's decision, when one was made (absent e.g. when no resource matched). */
  readonly decision?: AccessDecision;
}

/** The narrow interface every enforcement point calls. */
export interface AccessEnforcer {
  checkHttp(check: HttpAccessCheck): Promise<HttpAccessOutcome>;
}
