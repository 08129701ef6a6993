import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  STALKERWARE_APP,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { httpsRequest } from '../../test-support/https-client.ts';
import { findNginx, type RunningNginx, startNginx } from '../../test-support/nginx.ts';
import { nginxRiskgateConf } from '../../test-support/nginx-riskgate-conf.ts';
import { createTestServerCert, type TestServerCert } from '../../test-support/pki.ts';

const nginxBinary = findNginx();
const HOST = 'mail.acme.test';

if (nginxBinary === undefined && process.env.CI === 'true') {
  it('nginx is installed (required under CI=true)', () => {
    throw new Error('nginx is missing: install Debian nginx (/usr/sbin/nginx) or set RISKGATE_NGINX');
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** The protected application: answers with what reached it. */
function createUpstream() {
  const hits: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ app: 'exchange', headers: req.headers }));
  });
  return { server, hits };
}

for (const dialect of DIALECTS) {
  describe.skipIf(nginxBinary === undefined || (await shouldSkipDialect(dialect)))(
    `real nginx auth_request → real Riskgate (${dialect})`,
    () => {
      let h: AccessHarness;
      let nginx: RunningNginx;
      let serverCert: TestServerCert;
      let device: EnrolledDevice;
      let devicePem: { certPem: string; keyPem: string };
      const upstream = createUpstream();

      beforeAll(async () => {
        h = await createAccessHarness(dialect, { access: { publicUrl: 'https://riskgate.acme.test' } });
        await h.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: [HOST] });
        await h.addPolicy({
          id: 'risk-low',
          name: 'Risk at most low',
          state: 'on',
          assignment: {},
          grant: { kind: 'require-risk-at-most', level: 'low' },
        });
        // The tenant's own nginx credential: it binds the checks to Acme and to nginx's X-Client-Cert.
        const proxySecret = await h.proxyCredential('nginx');
        device = await h.enroll();
        devicePem = {
          certPem: device.certificate,
          keyPem: String(device.key.privateKey.export({ format: 'pem', type: 'pkcs8' })),
        };
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        const riskgatePort = (h.app.server.address() as AddressInfo).port;
        const upstreamPort = await listen(upstream.server);
        serverCert = await createTestServerCert([HOST]);
        nginx = await startNginx({
          files: {
            'server.crt': serverCert.certPem,
            'server.key': serverCert.keyPem,
            'device-ca.pem': device.caCertificate,
          },
          config: ({ ports, dir }) =>
            nginxRiskgateConf({
              listen: `127.0.0.1:${ports[0]}`,
              serverName: HOST,
              serverCert: `${dir}/server.crt`,
              serverKey: `${dir}/server.key`,
              deviceCa: `${dir}/device-ca.pem`,
              riskgate: `127.0.0.1:${riskgatePort}`,
              proxySecret,
              upstream: `127.0.0.1:${upstreamPort}`,
            }),
        });
      });

      afterAll(async () => {
        await nginx?.stop();
        upstream.server.close();
        await h?.close();
      });

      const viaNginx = (headers: Record<string, string> = {}, withCertificate = true) =>
        httpsRequest({
          port: nginx.port,
          host: HOST,
          path: '/owa/inbox?folder=1',
          ca: serverCert.certPem,
          headers,
          ...(withCertificate ? { client: devicePem } : {}),
        });

      it('allows the enrolled clean device, blocks it after a stalkerware report, allows it again after a clean one', async () => {
        await h.report(device, false);
        const allowed = await viaNginx({ 'x-riskgate-user': 'mallory' });
        expect(allowed.status, nginx.logs()).toBe(200);
        const seen = upstream.hits.at(-1);
        expect(seen?.headers['x-riskgate-device-id']).toBe(device.deviceId);
        expect(seen?.headers['x-riskgate-user']).toBe('alice@acme.test');

        expect((await h.report(device, true)).riskLevel).toBe('high');
        const hits = upstream.hits.length;
        const denied = await viaNginx();
        expect(denied.status).toBe(403);
        expect(denied.headers['x-riskgate-reason']).toBe('risk-too-high');
        const link = String(denied.headers['x-riskgate-remediation-url']);
        expect(link).toMatch(/^https:\/\/riskgate\.acme\.test\/remediation\?t=/);
        expect(JSON.parse(denied.body)).toMatchObject({ code: 'access-denied', reason: 'risk-too-high' });
        const browser = await viaNginx({ accept: 'text/html' });
        expect(browser.status).toBe(302);
        expect(browser.headers.location).toBe(link);
        expect(upstream.hits.length).toBe(hits);

        // The remediation link names the app to remove and the refusing policy.
        const page = await h.app.inject({
          method: 'GET',
          url: new URL(link).pathname + new URL(link).search,
          headers: { accept: 'application/json' },
        });
        expect(page.json()).toMatchObject({
          status: 'denied',
          resource: { id: 'exchange' },
          reasons: [{ code: 'risk-too-high', policyName: 'Risk at most low' }],
        });
        expect(JSON.stringify(page.json().threats)).toContain(STALKERWARE_APP);

        await h.report(device, false);
        expect((await viaNginx()).status).toBe(200);
      });

      it('answers 401 through nginx for a client without a certificate', async () => {
        const res = await viaNginx({}, false);
        expect(res.status).toBe(401);
        expect(res.headers['x-riskgate-reason']).toBe('device-unknown');
      });
    },
  );
}
