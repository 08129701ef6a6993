import { timingSafeEqual } from 'node:crypto';
import type { HttpAccessCheck } from '../enforcement/contract.ts';
import { fingerprintFromHeaders, type HeaderBag, headerOf } from './client-cert-headers.ts';

/** Where the forward-auth check is served; Envoy appends the original path to it. */
export const CHECK_PATH = '/v1/access/check';

/** The proxy-trust settings: a shared secret and/or the proxies' addresses. */
export interface ProxyTrust {
  readonly secret?: string;
  /** `secret`'s bytes, made once by whoever owns the trust (the access system), not per check. */
  readonly secretBytes?: Buffer;
  readonly addresses: readonly string[];
}

const stripMapped = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

// No module-level memo of the secret: two runtimes in one process may trust different secrets.
function secretMatches(given: string, expected: Buffer): boolean {
  const a = Buffer.from(given);
  const b = expected;
  // Compare equal-length buffers so the time does not depend on where they differ.
  return a.length === b.length ? timingSafeEqual(a, b) : timingSafeEqual(b, b) && false;
}

/**
 * Whether the caller is a trusted proxy: it sends the shared secret in `X-Riskgate-Proxy-Secret`
 * (constant-time comparison) or connects from a configured address.
 */
export function isTrustedProxy(
  trust: ProxyTrust,
  headers: HeaderBag,
  remoteAddress: string | undefined,
): boolean {
  const given = headerOf(headers, 'x-riskgate-proxy-secret');
  if (trust.secret !== undefined && trust.secret.length > 0 && given !== undefined) {
    return secretMatches(given, trust.secretBytes ?? Buffer.from(trust.secret));
  }
  if (remoteAddress === undefined) return false;
  const address = stripMapped(remoteAddress);
  return trust.addresses.some((allowed) => stripMapped(allowed) === address);
}

/**
 * Reads the original request from the headers nginx, Traefik, Caddy and Envoy send
 * (docs/proxies.md §1): host from `X-Forwarded-Host`, `X-Original-Host` or `Host`; URI from
 * `X-Forwarded-Uri`, `X-Original-URI` or the path below `/v1/access/check`; method from
 * `X-Forwarded-Method`, `X-Original-Method` or the request's own; the device from its certificate
 * headers or `X-Riskgate-Device-Token`.
 */
export function readForwardAuthRequest(
  headers: HeaderBag,
  request: { readonly method: string; readonly url: string; readonly remoteAddress: string | undefined },
): HttpAccessCheck {
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
  const forwardedFor = headerOf(headers, 'x-forwarded-for')?.split(',')[0]?.trim();
  const fingerprint = fingerprintFromHeaders(headers);
  const token = headerOf(headers, 'x-riskgate-device-token');
  // One object shape for every request (absent values are undefined fields, not missing ones).
  return {
    host,
    path,
    method,
    remoteAddress: forwardedFor ?? request.remoteAddress ?? '',
    clientCertFingerprint: fingerprint,
    deviceToken: token,
  };
}
