import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsRequest } from './https-client.ts';
import { findNginx, type RunningNginx, startNginx } from './nginx.ts';
import { NGINX_DOC_EXAMPLE, nginxRiskgateConf } from './nginx-riskgate-conf.ts';
import {
  certFingerprint,
  createTestDeviceCa,
  createTestServerCert,
  type TestClientCert,
  type TestServerCert,
} from './pki.ts';

const nginxBinary = findNginx();
const SECRET = 'proxy-secret-for-tests';
const HOST = 'mail.example.test';

if (nginxBinary === undefined && process.env.CI === 'true') {
  it('nginx is installed (required under CI=true)', () => {
    throw new Error(
      'nginx is missing: install Debian nginx (/usr/sbin/nginx) or set RISKGATE_NGINX; .ci/run does',
    );
  });
}

it('docs/proxies.md shows exactly the nginx configuration this test runs', () => {
  const doc = readFileSync(new URL('../../../docs/proxies.md', import.meta.url), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block).toBe(nginxRiskgateConf(NGINX_DOC_EXAMPLE));
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** A stand-in for Riskgate's /v1/access/check: identifies the device by SHA-256 of the escaped PEM. */
function createFakeRiskgate(allowed: ReadonlySet<string>, denied: ReadonlySet<string>) {
  const seen: { url: string; method: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers });
    const escaped = req.headers['x-client-cert'];
    const pem = typeof escaped === 'string' && escaped !== '' ? decodeURIComponent(escaped) : undefined;
    const fingerprint = pem === undefined ? undefined : certFingerprint(pem);
    const remediation = 'https://riskgate.example.test/remediate';
    if (req.headers['x-riskgate-proxy-secret'] !== SECRET) {
      res.writeHead(401, { 'x-riskgate-reason': 'proxy-untrusted' }).end();
    } else if (fingerprint !== undefined && allowed.has(fingerprint)) {
      res.writeHead(200, {
        'x-riskgate-device-id': `dev-${fingerprint.slice(0, 8)}`,
        'x-riskgate-user': 'alice',
      });
      res.end();
    } else if (fingerprint !== undefined && denied.has(fingerprint)) {
      res.writeHead(403, { 'x-riskgate-reason': 'risk-too-high', 'x-riskgate-remediation-url': remediation });
      res.end();
    } else {
      res.writeHead(401, {
        'x-riskgate-reason': 'device-unknown',
        'x-riskgate-remediation-url': remediation,
      });
      res.end();
    }
  });
  return { server, seen };
}

/** The protected application: echoes what reached it. */
function createUpstream() {
  const hits: { url: string; method: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hit = {
        url: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      hits.push(hit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hit));
    });
  });
  return { server, hits };
}

describe.skipIf(nginxBinary === undefined)(
  'nginx auth_request in front of Riskgate (docs/proxies.md)',
  () => {
    let nginx: RunningNginx;
    let serverCert: TestServerCert;
    let allowedDevice: TestClientCert;
    let deniedDevice: TestClientCert;
    let unknownDevice: TestClientCert;
    let foreignDevice: TestClientCert;
    const upstream = createUpstream();
    let riskgate: ReturnType<typeof createFakeRiskgate>;

    beforeAll(async () => {
      serverCert = await createTestServerCert([HOST]);
      const ca = await createTestDeviceCa('Acme');
      const foreignCa = await createTestDeviceCa('Other');
      allowedDevice = await ca.issueClient('dev-allowed');
      deniedDevice = await ca.issueClient('dev-denied');
      unknownDevice = await ca.issueClient('dev-unknown');
      foreignDevice = await foreignCa.issueClient('dev-foreign');
      riskgate = createFakeRiskgate(new Set([allowedDevice.sha256]), new Set([deniedDevice.sha256]));
      const riskgatePort = await listen(riskgate.server);
      const upstreamPort = await listen(upstream.server);
      nginx = await startNginx({
        files: {
          'server.crt': serverCert.certPem,
          'server.key': serverCert.keyPem,
          'device-ca.pem': ca.caCertPem,
        },
        config: ({ ports, dir }) =>
          nginxRiskgateConf({
            listen: `127.0.0.1:${ports[0]}`,
            serverName: HOST,
            serverCert: `${dir}/server.crt`,
            serverKey: `${dir}/server.key`,
            deviceCa: `${dir}/device-ca.pem`,
            riskgate: `127.0.0.1:${riskgatePort}`,
            proxySecret: SECRET,
            upstream: `127.0.0.1:${upstreamPort}`,
          }),
      });
    });

    afterAll(async () => {
      await nginx?.stop();
      riskgate?.server.close();
      upstream.server.close();
    });

    const send = (
      client: TestClientCert | undefined,
      init: { path?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
    ) =>
      httpsRequest({
        port: nginx.port,
        host: HOST,
        path: init.path ?? '/owa/inbox?folder=1',
        method: init.method ?? 'GET',
        ca: serverCert.certPem,
        ...(client === undefined ? {} : { client }),
        ...(init.headers === undefined ? {} : { headers: init.headers }),
        ...(init.body === undefined ? {} : { body: init.body }),
      });

    it('lets an allowed device through with identity headers the client cannot forge', async () => {
      const res = await send(allowedDevice, {
        method: 'POST',
        path: '/owa/send?draft=7',
        headers: { 'x-riskgate-user': 'mallory', 'content-type': 'text/plain' },
        body: 'hello upstream',
      });
      expect(res.status, nginx.logs()).toBe(200);
      const hit = JSON.parse(res.body) as {
        url: string;
        method: string;
        body: string;
        headers: IncomingHttpHeaders;
      };
      expect(hit).toMatchObject({ url: '/owa/send?draft=7', method: 'POST', body: 'hello upstream' });
      expect(hit.headers['x-riskgate-user']).toBe('alice');
      expect(hit.headers['x-riskgate-device-id']).toBe(`dev-${allowedDevice.sha256.slice(0, 8)}`);
      expect(hit.headers.host).toBe(HOST);
      expect(hit.headers['x-forwarded-proto']).toBe('https');
    });

    it('sends Riskgate the original URI, method, host, both fingerprints and the secret', async () => {
      riskgate.seen.length = 0;
      await send(allowedDevice, { method: 'DELETE', path: '/api/items/9?hard=true' });
      expect(riskgate.seen).toHaveLength(1);
      const [check] = riskgate.seen;
      expect(check?.url).toBe('/v1/access/check');
      expect(check?.headers).toMatchObject({
        host: HOST,
        'x-original-uri': '/api/items/9?hard=true',
        'x-original-method': 'DELETE',
        'x-forwarded-for': '127.0.0.1',
        'x-client-verify': 'SUCCESS',
        // nginx's fingerprint is SHA-1 of the DER (lower-case hex, no colons): not what Riskgate keys on.
        'x-client-cert-fingerprint': allowedDevice.sha1,
        'x-riskgate-proxy-secret': SECRET,
      });
      expect(check?.headers['content-length']).toBeUndefined();
    });

    it('passes Riskgate none of the identity headers a client sends (issue 11.3)', async () => {
      riskgate.seen.length = 0;
      const forged = {
        'x-client-cert-sha256': allowedDevice.sha256,
        'x-forwarded-client-cert': `Hash=${allowedDevice.sha256}`,
        'x-forwarded-tls-client-cert': 'AAAA',
        'x-client-cert': 'forged',
        'x-client-verify': 'SUCCESS',
        'x-riskgate-proxy-secret': 'rgps_forged',
        'x-riskgate-device-id': 'dev-forged',
      };
      await send(deniedDevice, { headers: forged });
      await send(undefined, { headers: forged });
      expect(riskgate.seen).toHaveLength(2);
      const [withCert, withoutCert] = riskgate.seen;
      for (const name of [
        'x-client-cert-sha256',
        'x-forwarded-client-cert',
        'x-forwarded-tls-client-cert',
        'x-riskgate-device-id',
      ])
        expect([withCert?.headers[name], withoutCert?.headers[name]], name).toEqual([undefined, undefined]);
      expect(withCert?.headers['x-riskgate-proxy-secret']).toBe(SECRET);
      expect(withCert?.headers['x-client-cert']).not.toBe('forged');
      // nginx sends an empty variable as no header at all.
      expect(withoutCert?.headers['x-client-cert']).toBeUndefined();
      expect(withoutCert?.headers['x-client-verify']).toBe('NONE');
    });

    it('refuses a denied device with 403 and passes the reason and remediation link through', async () => {
      upstream.hits.length = 0;
      const res = await send(deniedDevice);
      expect(res.status).toBe(403);
      expect(res.headers['x-riskgate-reason']).toBe('risk-too-high');
      expect(res.headers['x-riskgate-remediation-url']).toBe('https://riskgate.example.test/remediate');
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual({
        code: 'access-denied',
        reason: 'risk-too-high',
        remediationUrl: 'https://riskgate.example.test/remediate',
      });
      expect(upstream.hits).toHaveLength(0);
    });

    it('redirects a denied browser to the remediation page', async () => {
      const res = await send(deniedDevice, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('https://riskgate.example.test/remediate');
    });

    it.each([
      ['no client certificate', undefined],
      ['a certificate Riskgate does not know', 'unknown'],
    ] as const)('answers 401 for %s', async (_label, which) => {
      upstream.hits.length = 0;
      const res = await send(which === undefined ? undefined : unknownDevice);
      expect(res.status).toBe(401);
      expect(res.headers['x-riskgate-reason']).toBe('device-unknown');
      expect(upstream.hits).toHaveLength(0);
    });

    it('never asks Riskgate about a certificate from another CA (nginx answers 400)', async () => {
      riskgate.seen.length = 0;
      const res = await send(foreignDevice);
      expect(res.status).toBe(400);
      expect(riskgate.seen).toHaveLength(0);
    });
  },
);

describe.skipIf(nginxBinary === undefined)('startNginx', () => {
  it('rejects with nginx its own message when the configuration is wrong', async () => {
    await expect(startNginx({ config: 'no_such_directive on;' })).rejects.toThrow(
      /nginx exited during start[\s\S]*unknown directive "no_such_directive"/,
    );
  });

  it('serves a plain http block body on the picked ports and stops cleanly', async () => {
    const running = await startNginx({
      portCount: 2,
      config: ({ ports }) =>
        ports.map((port) => `server { listen 127.0.0.1:${port}; return 200 "port ${port}\\n"; }`).join('\n'),
    });
    const bodies = await Promise.all(
      running.ports.map(async (port) => (await fetch(`http://127.0.0.1:${port}/`)).text()),
    );
    expect(bodies).toEqual(running.ports.map((port) => `port ${port}\n`));
    await running.stop();
    await running.stop(); // idempotent
    await expect(fetch(`http://127.0.0.1:${running.port}/`)).rejects.toThrow();
  });
});
