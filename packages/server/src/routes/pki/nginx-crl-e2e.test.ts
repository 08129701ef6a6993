import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessHarness, type EnrolledDevice } from '../../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../../test-support/db.ts';
import { httpsRequest } from '../../../test-support/https-client.ts';
import { findNginx, type RunningNginx, startNginx } from '../../../test-support/nginx.ts';
import { createTestServerCert, type TestServerCert } from '../../../test-support/pki.ts';

const nginxBinary = findNginx();
const HOST = 'mail.acme.test';

if (nginxBinary === undefined && process.env.CI === 'true') {
  it('nginx is installed (required under CI=true)', () => {
    throw new Error('nginx is missing: install Debian nginx (/usr/sbin/nginx) or set RISKGATE_NGINX');
  });
}

// docs/proxies.md §7: nginx `ssl_crl` with the tenant CRL refuses a retired device's certificate
// in the handshake check and lets a live one through. Real nginx, CRL fetched from Riskgate.
for (const dialect of DIALECTS) {
  describe.skipIf(nginxBinary === undefined || (await shouldSkipDialect(dialect)))(
    `real nginx ssl_crl with the tenant CRL (${dialect})`,
    () => {
      let h: Awaited<ReturnType<typeof createAccessHarness>>;
      let nginx: RunningNginx;
      let serverCert: TestServerCert;
      let live: EnrolledDevice;
      let retired: EnrolledDevice;

      beforeAll(async () => {
        h = await createAccessHarness(dialect);
        live = await h.enroll();
        retired = await h.enroll();
        const retire = await h.admin('POST', `/v1/admin/devices/${retired.deviceId}/retire`);
        expect(retire.statusCode, retire.body).toBe(200);
        const crl = await h.app.inject({ method: 'GET', url: `/v1/pki/${h.tenant.tenantId}/crl?format=pem` });
        expect(crl.statusCode, crl.body).toBe(200);
        serverCert = await createTestServerCert([HOST]);
        nginx = await startNginx({
          files: {
            'server.crt': serverCert.certPem,
            'server.key': serverCert.keyPem,
            'device-ca.pem': live.caCertificate,
            'device-ca.crl': crl.body,
          },
          // The lines of docs/proxies.md §2 and §7 that concern the client certificate.
          config: ({ ports, dir }) => `
server {
  listen 127.0.0.1:${ports[0]} ssl;
  server_name ${HOST};
  ssl_certificate ${dir}/server.crt;
  ssl_certificate_key ${dir}/server.key;
  ssl_client_certificate ${dir}/device-ca.pem;
  ssl_verify_client optional;
  ssl_verify_depth 2;
  ssl_crl ${dir}/device-ca.crl;
  location / {
    return 200 "verify=$ssl_client_verify serial=$ssl_client_serial\\n";
  }
}
`,
        });
      });

      afterAll(async () => {
        await nginx?.stop();
        await h?.close();
      });

      const request = (device: EnrolledDevice) =>
        httpsRequest({
          port: nginx.port,
          host: HOST,
          path: '/',
          ca: serverCert.certPem,
          client: {
            certPem: device.certificate,
            keyPem: String(device.key.privateKey.export({ format: 'pem', type: 'pkcs8' })),
          },
        });

      it('lets the live certificate through and refuses the revoked one (400)', async () => {
        const ok = await request(live);
        expect(ok.status, ok.body).toBe(200);
        expect(ok.body).toContain('verify=SUCCESS');
        // nginx prints the serial as Riskgate's status endpoint accepts it.
        const serial = /serial=([0-9A-F]+)/.exec(ok.body)?.[1] ?? '';
        const status = await h.app.inject({
          method: 'GET',
          url: `/v1/pki/${h.tenant.tenantId}/status/${serial}`,
        });
        expect(status.json()).toMatchObject({ status: 'good', fingerprintSha256: live.fingerprint });

        const refused = await request(retired);
        expect(refused.status, nginx.logs()).toBe(400);
        expect(refused.body).toContain('The SSL certificate error');
      });
    },
  );
}
