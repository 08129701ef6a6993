import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayFixture, REMEDIATION_URL, startGatewayFixture } from '../../test-support/gateway.ts';
import { httpsRequest } from '../../test-support/https-client.ts';
import type { TestClientCert } from '../../test-support/pki.ts';

let f: GatewayFixture;

beforeAll(async () => {
  f = await startGatewayFixture();
});
afterAll(async () => {
  await f?.close();
});
beforeEach(() => {
  f.enforcer.checks.length = 0;
  f.enforcer.failWith = undefined;
  f.app.hits.length = 0;
});

const send = (
  client: TestClientCert | undefined,
  init: {
    host?: string;
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
) =>
  httpsRequest({
    port: f.port,
    host: init.host ?? 'app.example.test',
    path: init.path ?? '/mail/inbox?folder=1',
    method: init.method ?? 'GET',
    ca: f.serverCert.certPem,
    ...(client === undefined ? {} : { client }),
    ...(init.headers === undefined ? {} : { headers: init.headers }),
    ...(init.body === undefined ? {} : { body: init.body }),
  });

describe('gateway: allowed device', () => {
  it('proxies with forwarding and identity headers, dropping forged and hop-by-hop ones', async () => {
    const res = await send(f.allowed, {
      method: 'POST',
      body: 'hi',
      headers: {
        'x-riskgate-user': 'mallory',
        'x-riskgate-device-id': 'forged',
        'x-forwarded-for': '6.6.6.6',
        connection: 'keep-alive, x-private-hop',
        'x-private-hop': 'secret',
        'x-app-header': 'kept',
      },
    });
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.body) as { url: string; method: string; headers: Record<string, string> };
    expect(echoed.url).toBe('/mail/inbox?folder=1');
    expect(echoed.method).toBe('POST');
    expect(echoed.headers).toMatchObject({
      host: 'app.example.test',
      'x-forwarded-host': 'app.example.test',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '127.0.0.1',
      'x-riskgate-device-id': 'dev-allowed',
      'x-riskgate-user': 'alice@example.test',
      'x-app-header': 'kept',
    });
    expect(echoed.headers['x-private-hop']).toBeUndefined();
    expect(echoed.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Upstream response: hop-by-hop headers dropped, repeated headers kept.
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-upstream-private']).toBeUndefined();
  });

  it('asks the enforcer with the SHA-256 certificate fingerprint, normalised host and the route resource', async () => {
    await send(f.allowed, { host: 'APP.example.test', path: '/x/y?z=1', method: 'PATCH' });
    expect(f.enforcer.checks).toEqual([
      {
        host: 'app.example.test',
        path: '/x/y?z=1',
        method: 'PATCH',
        remoteAddress: '127.0.0.1',
        resourceId: 'app',
        tenantId: 'ten_1',
        clientCertFingerprint: f.allowed.sha256,
      },
    ]);
  });

  it('passes a device session token to the enforcer but not to the upstream', async () => {
    const res = await send(f.allowed, { headers: { 'x-riskgate-device-token': 'tok-123' } });
    expect(f.enforcer.checks[0]?.deviceToken).toBe('tok-123');
    expect(JSON.parse(res.body).headers['x-riskgate-device-token']).toBeUndefined();
  });

  it.each([
    ['/payroll', 'payroll', '/base/payroll'],
    ['/payroll/run?month=5', 'payroll', '/base/payroll/run?month=5'],
    ['/PAYROLL/run', 'payroll', '/base/PAYROLL/run'],
    ['/payrollx', 'app', '/payrollx'],
    ['/', 'app', '/'],
  ])(
    'routes %s by longest prefix to resource %s (upstream path %s)',
    async (path, resourceId, upstreamPath) => {
      const res = await send(f.allowed, { path });
      expect(res.status).toBe(200);
      expect(f.enforcer.checks[0]?.resourceId).toBe(resourceId);
      expect(f.app.hits[0]?.url).toBe(upstreamPath);
    },
  );
});

describe('gateway: refused requests never reach the upstream', () => {
  it('answers a denied API client with 403 JSON, the reason and the remediation link', async () => {
    const res = await send(f.denied);
    expect(res.status).toBe(403);
    expect(res.headers['x-riskgate-reason']).toBe('risk-too-high');
    expect(res.headers['x-riskgate-remediation-url']).toBe(REMEDIATION_URL);
    expect(res.headers['content-type']).toContain('application/json');
    const body = JSON.parse(res.body) as Record<string, string>;
    expect(body).toMatchObject({
      code: 'forbidden',
      reason: 'risk-too-high',
      remediationUrl: REMEDIATION_URL,
    });
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect(f.app.hits).toHaveLength(0);
  });

  it('redirects a denied browser to the remediation page', async () => {
    const res = await send(f.denied, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(REMEDIATION_URL);
    expect(res.body).toContain(`href="${REMEDIATION_URL}"`);
    expect(f.app.hits).toHaveLength(0);
  });

  it('answers 401 without a client certificate', async () => {
    const res = await send(undefined);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unauthorized', reason: 'device-unknown' });
    expect(f.app.hits).toHaveLength(0);
    expect(f.enforcer.checks[0]?.clientCertFingerprint).toBeUndefined();
  });

  it('does not take a certificate from another CA as a device identity', async () => {
    const res = await send(f.foreign);
    expect(res.status).toBe(401);
    expect(f.enforcer.checks).toHaveLength(1);
    expect(f.enforcer.checks[0]?.clientCertFingerprint).toBeUndefined();
  });

  it('answers 404 for a host no route serves, without asking the enforcer', async () => {
    const res = await send(f.allowed, { host: 'unknown.example.test' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'not_found' });
    expect(f.enforcer.checks).toHaveLength(0);
  });

  it('fails closed with 503 when the enforcer breaks', async () => {
    f.enforcer.failWith = new Error('cache offline');
    const res = await send(f.allowed);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unavailable' });
    expect(res.body).not.toContain('cache offline');
    expect(f.app.hits).toHaveLength(0);
  });
});

describe('gateway: upstream failures', () => {
  it('answers 502 when the upstream is down, and keeps serving', async () => {
    const res = await send(f.allowed, { host: 'dead.example.test' });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_gateway' });
    expect((await send(f.allowed)).status).toBe(200);
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    const res = await send(f.allowed, { path: '/slow' });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'gateway_timeout' });
  });
});
