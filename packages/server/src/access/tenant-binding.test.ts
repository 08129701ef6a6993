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

/**
 * Issue 11.2: an enforcement request is bound to one tenant before the device is looked up. Tenant
 * Acme protects `mail.acme.test` (forward auth) and `intranet.acme.test` (built-in gateway, resource
 * `payroll`); tenant Globex, with a high-risk device, tries to get it through Acme's enforcement
 * points by creating a resource with the same id as Acme's gateway route and a resource covering
 * Acme's host, both under an access policy that allows anything.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`one tenant per enforcement request (${dialect})`, () => {
    let h: AccessHarness;
    let gateway: ConfiguredGateway;
    let serverCert: TestServerCert;
    let acmeDevice: EnrolledDevice;
    let globexDevice: EnrolledDevice;
    const hits: IncomingHttpHeaders[] = [];
    const upstream = createServer((req, res) => {
      hits.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('acme app');
    });
    const asGlobex = (method: 'POST' | 'PUT', url: string, payload: object) =>
      h.app.inject({ method, url, headers: h.auth('admin', h.otherTenant), payload });

    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      await h.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] });
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
      acmeDevice = await h.enroll();
      await h.report(acmeDevice, false);
      globexDevice = await h.enroll(h.otherTenant);
      expect((await h.report(globexDevice, true)).riskLevel).toBe('high');
      // Globex: the gateway route's resource id and a resource without hosts (it covers every host).
      expect(
        (await asGlobex('POST', '/v1/admin/resources', { id: 'payroll', name: 'Mine', kind: 'http-app' }))
          .statusCode,
      ).toBe(201);
      expect(
        (
          await asGlobex('POST', '/v1/admin/resources', {
            id: 'any-host',
            name: 'Everything',
            kind: 'http-app',
          })
        ).statusCode,
      ).toBe(201);

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

    const clientOf = (device: EnrolledDevice) => ({
      certPem: device.certificate,
      keyPem: String(device.key.privateKey.export({ format: 'pem', type: 'pkcs8' })),
    });
    const viaGateway = (device: EnrolledDevice) =>
      httpsRequest({
        port: gateway.address.port,
        host: 'intranet.acme.test',
        path: '/payroll/run',
        ca: serverCert.certPem,
        client: clientOf(device),
      });
    const forwardAuth = (device: EnrolledDevice, host: string) =>
      h.app.inject({
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          host,
          'x-original-uri': '/',
          'x-client-cert-sha256': device.fingerprint,
          'x-riskgate-proxy-secret': PROXY_SECRET,
        },
      });

    it("another tenant's high-risk device does not pass Acme's gateway route through a same-id resource", async () => {
      const before = hits.length;
      const reply = await viaGateway(globexDevice);
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.body)).toMatchObject({ reason: 'device-unknown' });
      expect(hits.length).toBe(before);
      // Acme's own device still passes.
      expect((await viaGateway(acmeDevice)).status).toBe(200);
    });

    it("another tenant's device does not pass Acme's forward auth through a resource covering Acme's host", async () => {
      for (const host of ['mail.acme.test', 'intranet.acme.test', 'anything.globex.test']) {
        const reply = await forwardAuth(globexDevice, host);
        expect(reply.statusCode, host).toBe(401);
        expect(reply.headers['x-riskgate-reason']).toBe('device-unknown');
      }
      expect((await forwardAuth(acmeDevice, 'mail.acme.test')).statusCode).toBe(200);
    });

    it("another tenant's device is device-unknown in the JSON decision API of Acme's proxy", async () => {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/access/decide',
        headers: { 'x-riskgate-proxy-secret': PROXY_SECRET },
        payload: { device: { fingerprint: globexDevice.fingerprint }, host: 'mail.acme.test' },
      });
      expect(reply.json()).toMatchObject({ outcome: 'deny', reason: 'device-unknown', deviceId: null });
      const named = await h.app.inject({
        method: 'POST',
        url: '/v1/access/decide',
        headers: { 'x-riskgate-proxy-secret': PROXY_SECRET },
        payload: {
          device: { tenantId: h.otherTenant.tenantId, deviceId: globexDevice.deviceId },
          resourceId: 'any-host',
        },
      });
      expect(named.json()).toMatchObject({ outcome: 'deny', reason: 'device-unknown', deviceId: null });
    });
  });
}
