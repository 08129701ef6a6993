import { createHash } from 'node:crypto';
import { derOf, identityHeaderOf } from '../src/access/client-cert-headers.ts';
import type { ProxyIntegration } from '../src/access/proxy-binding.ts';

/** What a client sends a proxy: the certificate the proxy verified in TLS (if any) and its own headers. */
export interface ClientRequest {
  readonly certificatePem?: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The forward-auth request a proxy makes for one client request. */
export interface CheckRequest {
  readonly method: 'GET';
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** Every header some proxy uses for the device certificate, and Riskgate's own. */
const IDENTITY = [
  'x-client-cert',
  'x-client-cert-sha256',
  'x-forwarded-client-cert',
  'x-forwarded-tls-client-cert',
  'x-client-verify',
];
const lower = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const without = (headers: Record<string, string>, drop: (name: string) => boolean) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name)));

/**
 * The headers each documented configuration in docs/proxies.md sends `/v1/access/check`, as each
 * proxy's documentation describes them (nginx and Caddy are also run for real in nginx.test.ts,
 * nginx-e2e.test.ts and caddy-e2e.test.ts; Traefik and Envoy cannot be installed here, so this is
 * how their configurations are tested).
 */
export function documentedCheck(
  proxy: ProxyIntegration,
  client: ClientRequest,
  target: { readonly host: string; readonly uri: string; readonly secret: string },
): CheckRequest {
  const sent = lower(client.headers);
  const der = client.certificatePem === undefined ? undefined : derOf(client.certificatePem);
  const token = sent['x-riskgate-device-token'];
  const secret = { 'x-riskgate-proxy-secret': target.secret };
  const forwarded = {
    'x-forwarded-host': target.host,
    'x-forwarded-uri': target.uri,
    'x-forwarded-method': 'GET',
    'x-forwarded-for': '203.0.113.7',
  };
  switch (proxy) {
    case 'nginx':
      // proxy_pass_request_headers off: only the proxy_set_header lines (empty ones are not sent).
      return {
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          host: target.host,
          'x-original-uri': target.uri,
          'x-original-method': 'GET',
          'x-forwarded-for': '203.0.113.7',
          'x-client-verify': der === undefined ? 'NONE' : 'SUCCESS',
          ...(client.certificatePem === undefined
            ? {}
            : { 'x-client-cert': encodeURIComponent(client.certificatePem) }),
          ...(token === undefined ? {} : { 'x-riskgate-device-token': token }),
          ...secret,
        },
      };
    case 'traefik':
      // riskgate-strip, passTLSClientCert, then forwardAuth with authRequestHeaders only.
      return {
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          host: 'riskgate.internal',
          ...forwarded,
          ...(der === undefined ? {} : { 'x-forwarded-tls-client-cert': der.toString('base64') }),
          ...(token === undefined ? {} : { 'x-riskgate-device-token': token }),
          ...secret,
        },
      };
    case 'caddy':
      // Every client header, minus the removed ones; the fingerprint and the secret overwritten.
      return {
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          ...without(
            sent,
            (name) => IDENTITY.includes(name) || name.startsWith('x-riskgate-') || name === 'host',
          ),
          ...(token === undefined ? {} : { 'x-riskgate-device-token': token }),
          host: 'riskgate.internal',
          ...forwarded,
          'x-client-cert-sha256': der === undefined ? '' : createHash('sha256').update(der).digest('hex'),
          ...secret,
        },
      };
    case 'envoy':
      // SANITIZE_SET replaces the client's XFCC; only allowed_headers (plus Host) are copied.
      return {
        method: 'GET',
        url: `/v1/access/check${target.uri}`,
        headers: {
          host: target.host,
          'x-forwarded-for': '203.0.113.7',
          'x-forwarded-proto': 'https',
          ...(der === undefined
            ? {}
            : {
                'x-forwarded-client-cert': `Hash=${createHash('sha256').update(der).digest('hex')};Cert="${encodeURIComponent(client.certificatePem ?? '')}";Subject="CN=device"`,
              }),
          ...(token === undefined ? {} : { 'x-riskgate-device-token': token }),
          ...secret,
        },
      };
  }
}

/**
 * A proxy that sets its own identity header but passes the client's copies of the others on
 * unchanged (the Traefik configuration this repository documented before issue 11.3).
 */
export function leakyCheck(
  proxy: ProxyIntegration,
  client: ClientRequest,
  target: { readonly host: string; readonly uri: string; readonly secret: string },
): CheckRequest {
  const documented = documentedCheck(proxy, client, target);
  // The proxy still owns its own header (a proxy that passes a client's copy of that one cannot be
  // told apart from an honest one by anybody): the copies are of the other proxies' headers.
  const own = identityHeaderOf(proxy);
  const copies = without(
    lower(client.headers),
    (name) => !IDENTITY.includes(name) || name === own || name in documented.headers,
  );
  return { ...documented, headers: { ...copies, ...documented.headers } };
}
