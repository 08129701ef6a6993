import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, createAccessHarness, type EnrolledDevice } from '../../test-support/access.ts';
import { findCaddy, type RunningCaddy, startCaddy } from '../../test-support/caddy.ts';
import { CADDY_DOC_EXAMPLE, caddyRiskgateConf } from '../../test-support/caddy-riskgate-conf.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { httpsRequest } from '../../test-support/https-client.ts';
import { createTestServerCert, type TestServerCert } from '../../test-support/pki.ts';
import { derOf } from './client-cert-headers.ts';

const caddyBinary = findCaddy();
const HOST = 'mail.acme.test';

if (caddyBinary === undefined && process.env.CI === 'true') {
  it('caddy is installed (required under CI=true)', () => {
    throw new Error('caddy is missing: apt-get install caddy (/usr/bin/caddy) or set RISKGATE_CADDY');
  });
}

it('docs/proxies.md shows exactly the Caddy configuration this test runs', () => {
  const doc = readFileSync(new URL('../../../../docs/proxies.md', import.meta.url), 'utf8');
  expect(/```caddyfile\n([\s\S]*?)```/.exec(doc)?.[1]).toBe(caddyRiskgateConf(CADDY_DOC_EXAMPLE));
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const pemOf = (device: EnrolledDevice) => ({
  certPem: device.certificate,
  keyPem: String(device.key.privateKey.export({ format: 'pem', type: 'pkcs8' })),
});

/** Every identity header a client could send, all naming `device` (issue 11.3). */
function forgedHeadersFor(device: EnrolledDevice): Record<string, string> {
  const der = derOf(device.certificate) ?? Buffer.alloc(0);
  return {
    'x-client-cert-sha256': device.fingerprint,
    'x-forwarded-client-cert': `Hash=${device.fingerprint}`,
    'x-client-cert': encodeURIComponent(device.certificate),
    'x-forwarded-tls-client-cert': der.toString('base64'),
    'x-client-verify': 'SUCCESS',
    'x-riskgate-device-id': device.deviceId,
    'x-riskgate-user': 'alice@acme.test',
  };
}

/**
 * Debian's Caddy with exactly the configuration docs/proxies.md §4 documents, in front of the real
 * server: a client's forged identity headers never get it in as another device.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(caddyBinary === undefined || (await shouldSkipDialect(dialect)))(
    `real Caddy forward_auth → real Riskgate (${dialect})`,
    () => {
      let h: AccessHarness;
      let caddy: RunningCaddy;
      let serverCert: TestServerCert;
      let clean: EnrolledDevice;
      let risky: EnrolledDevice;
      let foreign: EnrolledDevice;
      const hits: IncomingHttpHeaders[] = [];
      const upstream = createServer((req, res) => {
        hits.push(req.headers);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('exchange');
      });

      beforeAll(async () => {
        h = await createAccessHarness(dialect);
        await h.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: [HOST] });
        await h.addPolicy({
          id: 'risk-low',
          name: 'Risk at most low',
          state: 'on',
          assignment: {},
          grant: { kind: 'require-risk-at-most', level: 'low' },
        });
        const proxySecret = await h.proxyCredential('caddy');
        clean = await h.enroll();
        await h.report(clean, false);
        risky = await h.enroll();
        expect((await h.report(risky, true)).riskLevel).toBe('high');
        foreign = await h.enroll(h.otherTenant);
        await h.report(foreign, false);
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        const riskgatePort = (h.app.server.address() as AddressInfo).port;
        const upstreamPort = await listen(upstream);
        serverCert = await createTestServerCert([HOST]);
        caddy = await startCaddy({
          files: {
            'server.crt': serverCert.certPem,
            'server.key': serverCert.keyPem,
            // Both tenants' CAs, so the other tenant's device reaches Riskgate (which must refuse it).
            'device-ca.pem': clean.caCertificate,
            'other-ca.pem': foreign.caCertificate,
          },
          site: (port, dir) =>
            caddyRiskgateConf({
              site: `https://${HOST}:${port}`,
              serverCert: `${dir}/server.crt`,
              serverKey: `${dir}/server.key`,
              deviceCa: `${dir}/device-ca.pem`,
              moreDeviceCas: [`${dir}/other-ca.pem`],
              riskgate: `127.0.0.1:${riskgatePort}`,
              proxySecret,
              upstream: `127.0.0.1:${upstreamPort}`,
            }),
        });
      });

      afterAll(async () => {
        await caddy?.stop();
        upstream.close();
        await h?.close();
      });

      const viaCaddy = (device: EnrolledDevice | undefined, headers: Record<string, string> = {}) =>
        httpsRequest({
          port: caddy.port,
          host: HOST,
          path: '/owa/inbox',
          ca: serverCert.certPem,
          headers: { accept: 'application/json', ...headers },
          ...(device === undefined ? {} : { client: pemOf(device) }),
        });

      it('lets the clean device in; the application sees its identity, not a client copy', async () => {
        const reply = await viaCaddy(clean, {
          'x-riskgate-user': 'mallory',
          'x-riskgate-device-id': 'dev_x',
        });
        expect(reply.status, caddy.logs()).toBe(200);
        expect(hits.at(-1)?.['x-riskgate-device-id']).toBe(clean.deviceId);
        expect(hits.at(-1)?.['x-riskgate-user']).toBe('alice@acme.test');
        expect(hits.at(-1)?.['x-client-cert-sha256']).toBeUndefined();
      });

      it('no certificate, only forged identity headers of the clean device → 401, not the clean device', async () => {
        const before = hits.length;
        const reply = await viaCaddy(undefined, forgedHeadersFor(clean));
        expect(reply.status, caddy.logs()).toBe(401);
        expect(reply.headers['x-riskgate-reason']).toBe('device-unknown');
        expect(hits.length).toBe(before);
      });

      it("the high-risk device's real certificate plus forged headers of the clean device → 403 risk-too-high", async () => {
        const before = hits.length;
        const reply = await viaCaddy(risky, forgedHeadersFor(clean));
        expect(reply.status).toBe(403);
        expect(reply.headers['x-riskgate-reason']).toBe('risk-too-high');
        expect(hits.length).toBe(before);
      });

      it("another tenant's device (its certificate trusted by this Caddy) → 401 device-unknown", async () => {
        const reply = await viaCaddy(foreign);
        expect(reply.status).toBe(401);
        expect(reply.headers['x-riskgate-reason']).toBe('device-unknown');
      });
    },
  );
}
