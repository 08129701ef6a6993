/**
 * The Caddy configuration docs/proxies.md documents, as a function so the Caddy integration test
 * runs exactly that text (a test checks the doc's snippet is this output with example values).
 */
export interface CaddyRiskgateConfOptions {
  /** The site address, e.g. `mail.example.com` or `https://mail.example.com:8443`. */
  readonly site: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The tenant device CA certificate (PEM file) that issues device client certificates. */
  readonly deviceCa: string;
  /** More device CA files (a proxy shared by several tenants' devices); not in the doc's example. */
  readonly moreDeviceCas?: readonly string[];
  /** Riskgate's address, e.g. `10.0.0.10:8080`. */
  readonly riskgate: string;
  /** The tenant's Caddy proxy credential (`rgps_…`, `POST /v1/admin/proxy-credentials`, `integration: caddy`). */
  readonly proxySecret: string;
  /** The protected application, e.g. `10.0.0.20:8080`. */
  readonly upstream: string;
}

export const CADDY_DOC_EXAMPLE: CaddyRiskgateConfOptions = {
  site: 'mail.example.com',
  serverCert: '/etc/caddy/tls/mail.example.com.crt',
  serverKey: '/etc/caddy/tls/mail.example.com.key',
  deviceCa: '/etc/caddy/tls/riskgate-device-ca.pem',
  riskgate: '10.0.0.10:8080',
  proxySecret: 'rgps_CHANGE-ME-the-secret-POST-v1-admin-proxy-credentials-gave',
  upstream: '10.0.0.20:8080',
};

/** The identity headers a client could forge; Caddy removes them from both requests. */
const CLIENT_IDENTITY_HEADERS = [
  'X-Client-Cert',
  'X-Forwarded-Client-Cert',
  'X-Forwarded-Tls-Client-Cert',
  'X-Client-Verify',
  'X-Riskgate-Device-Id',
  'X-Riskgate-User',
];

/** One site block: mTLS (optional client certificate), `forward_auth` to Riskgate, `reverse_proxy`. */
export function caddyRiskgateConf(o: CaddyRiskgateConfOptions): string {
  const moreCas = (o.moreDeviceCas ?? []).map((file) => `\t\t\ttrusted_ca_cert_file ${file}\n`).join('');
  const strip = CLIENT_IDENTITY_HEADERS.map((name) => `\t\theader_up -${name}\n`).join('');
  return `${o.site} {
\ttls ${o.serverCert} ${o.serverKey} {
\t\tclient_auth {
\t\t\tmode verify_if_given
\t\t\ttrusted_ca_cert_file ${o.deviceCa}
${moreCas}\t\t}
\t}

\tforward_auth ${o.riskgate} {
\t\turi /v1/access/check
\t\t# Caddy's own verified fingerprint replaces any X-Client-Cert-Sha256 the client sent (empty
\t\t# without a certificate); the other identity headers a client could send are removed.
\t\theader_up X-Client-Cert-Sha256 {http.request.tls.client.fingerprint}
${strip}\t\theader_up X-Riskgate-Proxy-Secret "${o.proxySecret}"
\t\tcopy_headers X-Riskgate-Device-Id X-Riskgate-User
\t}

\treverse_proxy ${o.upstream} {
\t\theader_up -X-Client-Cert-Sha256
\t\theader_up -X-Riskgate-Proxy-Secret
\t}
}
`;
}
