import {
  type HeaderBag,
  headerOf,
  type IdentityHeaderReader,
  identityFromHeaders,
} from './client-cert-headers.ts';
import type { ProxyIntegration } from './proxy-binding.ts';

/** Where the forward-auth check is served; Envoy appends the original path to it. */
export const CHECK_PATH = '/v1/access/check';

/** One forward-auth request as the check reads it. */
export interface ForwardAuthRequest {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  /** From the integration's own identity header only. */
  readonly clientCertFingerprint: string | undefined;
  readonly deviceToken: string | undefined;
  /** Another identity header that disagrees with the integration's own (see `identityFromHeaders`). */
  readonly identityConflict: string | undefined;
}

/**
 * Reads the original request from the headers nginx, Traefik, Caddy and Envoy send
 * (docs/proxies.md §1): host from `X-Forwarded-Host`, `X-Original-Host` or `Host`; URI from
 * `X-Forwarded-Uri`, `X-Original-URI` or the path below `/v1/access/check`; method from
 * `X-Forwarded-Method`, `X-Original-Method` or the request's own; the device from the one
 * certificate header the caller's integration sets, or `X-Riskgate-Device-Token`, read with
 * `readIdentity` (the access system's reader, which remembers parsed certificate headers).
 */
export function readForwardAuthRequest(
  headers: HeaderBag,
  request: { readonly method: string; readonly url: string },
  integration: ProxyIntegration,
  readIdentity: IdentityHeaderReader = identityFromHeaders,
): ForwardAuthRequest {
  const host =
    headerOf(headers, 'x-forwarded-host')?.split(',')[0]?.trim() ??
    headerOf(headers, 'x-original-host') ??
    headerOf(headers, 'host') ??
    '';
  let path = headerOf(headers, 'x-forwarded-uri') ?? headerOf(headers, 'x-original-uri');
  if (path === undefined) {
    const below = request.url.startsWith(CHECK_PATH) ? request.url.slice(CHECK_PATH.length) : '';
    path = below.startsWith('/') ? below : below.startsWith('?') ? `/${below}` : '/';
  }
  const method = (
    headerOf(headers, 'x-forwarded-method') ??
    headerOf(headers, 'x-original-method') ??
    request.method
  ).toUpperCase();
  const identity = readIdentity(headers, integration);
  // One object shape for every request (absent values are undefined fields, not missing ones).
  return {
    host,
    path,
    method,
    clientCertFingerprint: identity.fingerprint,
    deviceToken: headerOf(headers, 'x-riskgate-device-token'),
    identityConflict: identity.conflict,
  };
}
