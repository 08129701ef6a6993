import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { httpsRequest } from '../../test-support/https-client.ts';
import { createTestServerCert, type TestServerCert } from '../../test-support/pki.ts';
import { parseGatewayConfig } from '../gateway/index.ts';
import { type ConfiguredGateway, startConfiguredGateway } from './serve-gateway.ts';

/** The built-in gateway, given the server's own enforcer, decides exactly as forward auth does. */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `built-in gateway with the real enforcer (${dialect})`,
    () => {
      let h: AccessHarness;
      let gateway: ConfiguredGateway;
      let serverCert: TestServerCert;
      let device: EnrolledDevice;
      let client: { certPem: string; keyPem: string };
      const hits: IncomingHttpHeaders[] = [];
      const upstream = createServer((req, res) => {
        hits.push(req.headers);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('payroll app');
      });

      beforeAll(async () => {
        h = await createAccessHarness(dialect);
        await h.addResource({
          id: 'payroll',
          name: 'Payroll',
          kind: 'http-app',
          hosts: ['intranet.acme.test'],
          pathPrefix: '/payroll',
        });
        await h.addPolicy({
          id: 'risk-low',
          name: 'Risk at most low',
          state: 'on',
          assignment: {},
          grant: { kind: 'require-risk-at-most', level: 'low' },
        });
        device = await h.enroll();
        client = {
          certPem: device.certificate,
          keyPem: String(device.key.privateKey.export({ format: 'pem', type: 'pkcs8' })),
        };
        await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
        const port = (upstream.address() as AddressInfo).port;
        serverCert = await createTestServerCert(['intranet.acme.test']);
        gateway = await startConfiguredGateway({
          db: h.testDb.db.db,
          routes: parseGatewayConfig({
            routes: [
              {
                host: 'intranet.acme.test',
                pathPrefix: '/payroll',
                upstream: `http://127.0.0.1:${port}`,
                resourceId: 'payroll',
                tenantId: h.tenant.tenantId,
              },
            ],
          }),
          enforcer: h.access.decider,
          tls: { cert: serverCert.certPem, key: serverCert.keyPem },
          host: '127.0.0.1',
          port: 0,
          logger: pino({ level: 'silent' }),
        });
      });
      afterAll(async () => {
        await gateway?.close();
        upstream.close();
        await h?.close();
      });

      const viaGateway = (headers: Record<string, string> = {}) =>
        httpsRequest({
          port: gateway.address.port,
          host: 'intranet.acme.test',
          path: '/payroll/run?month=11',
          ca: serverCert.certPem,
          client,
          headers,
        });
      const viaForwardAuth = async () =>
        (
          await h.app.inject({
            method: 'GET',
            url: '/v1/access/check',
            headers: {
              host: 'intranet.acme.test',
              'x-original-uri': '/payroll/run?month=11',
              'x-client-cert-sha256': device.fingerprint,
              'x-riskgate-proxy-secret': PROXY_SECRET,
            },
          })
        ).statusCode;

      it('allows, blocks after a stalkerware report and allows again, matching /v1/access/check each time', async () => {
        await h.report(device, false);
        const allowed = await viaGateway();
        expect(allowed.status).toBe(200);
        expect(hits.at(-1)?.['x-riskgate-device-id']).toBe(device.deviceId);
        expect(await viaForwardAuth()).toBe(200);

        await h.report(device, true);
        const denied = await viaGateway();
        expect(denied.status).toBe(403);
        expect(JSON.parse(denied.body)).toMatchObject({
          reason: 'risk-too-high',
          remediationUrl: expect.stringContaining('/remediation?t='),
        });
        expect(await viaForwardAuth()).toBe(403);
        const browser = await viaGateway({ accept: 'text/html' });
        expect(browser.status).toBe(302);

        await h.report(device, false);
        expect((await viaGateway()).status).toBe(200);
        expect(await viaForwardAuth()).toBe(200);
      });
    },
  );
}
