/**
 * The nginx benchmark's baseline: the same TLS server block as the documented Riskgate config
 * (same certificate, `ssl_verify_client optional` against the device CA) proxying straight to the
 * upstream, without `auth_request`.
 */
export function nginxDirectConf(o: {
  readonly listen: string;
  readonly serverName: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly deviceCa: string;
  readonly upstream: string;
}): string {
  return `upstream protected_app {
  server ${o.upstream};
}

server {
  listen ${o.listen} ssl;
  server_name ${o.serverName};

  ssl_certificate ${o.serverCert};
  ssl_certificate_key ${o.serverKey};
  ssl_client_certificate ${o.deviceCa};
  ssl_verify_client optional;
  ssl_verify_depth 2;

  location / {
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_pass http://protected_app;
  }
}
`;
}
