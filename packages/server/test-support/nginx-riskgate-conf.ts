/**
 * The nginx configuration docs/proxies.md documents, as a function so the nginx integration test
 * runs exactly that text. Keep the two in step: the doc's snippet is this output with example values.
 */
export interface NginxRiskgateConfOptions {
  /** Where nginx listens with TLS, e.g. `127.0.0.1:8443` or `443`. */
  readonly listen: string;
  readonly serverName: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The tenant device CA certificate (PEM file) that issues device client certificates. */
  readonly deviceCa: string;
  /** Riskgate's address, e.g. `127.0.0.1:8080`. */
  readonly riskgate: string;
  /**
   * The `x-riskgate-proxy-secret` value: the tenant's nginx proxy credential (`rgps_…`, from
   * `POST /v1/admin/proxy-credentials` with `integration: nginx`); omit when Riskgate trusts the
   * proxy by address (bound to one tenant with RISKGATE_PROXY_TENANT).
   */
  readonly proxySecret?: string;
  /** The protected application, e.g. `127.0.0.1:3000`. */
  readonly upstream: string;
}

/** The example values docs/proxies.md shows (a test checks the doc's snippet is this output). */
export const NGINX_DOC_EXAMPLE: NginxRiskgateConfOptions = {
  listen: '443',
  serverName: 'mail.example.com',
  serverCert: '/etc/nginx/tls/mail.example.com.crt',
  serverKey: '/etc/nginx/tls/mail.example.com.key',
  deviceCa: '/etc/nginx/tls/riskgate-device-ca.pem',
  riskgate: '10.0.0.10:8080',
  proxySecret: 'rgps_CHANGE-ME-the-secret-POST-v1-admin-proxy-credentials-gave',
  upstream: '10.0.0.20:8080',
};

/** An `http {}` body: `map`, two `upstream`s and one protected `server`. */
export function nginxRiskgateConf(o: NginxRiskgateConfOptions): string {
  const secret =
    o.proxySecret === undefined ? '' : `\n    proxy_set_header X-Riskgate-Proxy-Secret "${o.proxySecret}";`;
  return `# Browsers get a redirect to the remediation page; API clients get the status and a JSON body.
map $http_accept $riskgate_browser {
  default 0;
  "~*text/html" 1;
}

upstream riskgate {
  server ${o.riskgate};
  keepalive 16;
}

upstream protected_app {
  server ${o.upstream};
}

server {
  listen ${o.listen} ssl;
  server_name ${o.serverName};

  ssl_certificate ${o.serverCert};
  ssl_certificate_key ${o.serverKey};

  # Ask for the device certificate; a request without one still reaches Riskgate (which answers 401).
  # A certificate that does not chain to the device CA is refused by nginx itself (400).
  ssl_client_certificate ${o.deviceCa};
  ssl_verify_client optional;
  ssl_verify_depth 2;

  location / {
    auth_request /_riskgate/check;
    auth_request_set $riskgate_device_id $upstream_http_x_riskgate_device_id;
    auth_request_set $riskgate_user $upstream_http_x_riskgate_user;
    auth_request_set $riskgate_reason $upstream_http_x_riskgate_reason;
    auth_request_set $riskgate_remediation $upstream_http_x_riskgate_remediation_url;

    error_page 401 = @riskgate_401;
    error_page 403 = @riskgate_403;

    # Identity for the application; these replace any same-named header the client sent.
    proxy_set_header X-Riskgate-Device-Id $riskgate_device_id;
    proxy_set_header X-Riskgate-User $riskgate_user;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_pass http://protected_app;
  }

  location = /_riskgate/check {
    internal;
    proxy_pass http://riskgate/v1/access/check;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_pass_request_body off;
    # Only the headers set below reach Riskgate: a client's own X-Client-Cert-Sha256,
    # X-Forwarded-Client-Cert, X-Client-Cert or X-Riskgate-* copies are not passed on.
    proxy_pass_request_headers off;
    proxy_set_header Content-Length "";
    proxy_set_header Host $host;
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Forwarded-For $remote_addr;
    # $ssl_client_fingerprint is SHA-1; Riskgate identifies devices by the SHA-256 of the certificate,
    # which it computes from the escaped PEM. Both are empty when the client sent no certificate.
    proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
    proxy_set_header X-Client-Cert-Fingerprint $ssl_client_fingerprint;
    proxy_set_header X-Client-Verify $ssl_client_verify;
    # A browser flow's device session token, when the client presents one.
    proxy_set_header X-Riskgate-Device-Token $http_x_riskgate_device_token;${secret}
  }

  location @riskgate_401 {
    add_header X-Riskgate-Reason $riskgate_reason always;
    add_header X-Riskgate-Remediation-Url $riskgate_remediation always;
    default_type application/json;
    return 401 '{"code":"device-unknown","reason":"$riskgate_reason","remediationUrl":"$riskgate_remediation"}\\n';
  }

  location @riskgate_403 {
    add_header X-Riskgate-Reason $riskgate_reason always;
    add_header X-Riskgate-Remediation-Url $riskgate_remediation always;
    if ($riskgate_browser) {
      return 302 $riskgate_remediation;
    }
    default_type application/json;
    return 403 '{"code":"access-denied","reason":"$riskgate_reason","remediationUrl":"$riskgate_remediation"}\\n';
  }
}
`;
}
