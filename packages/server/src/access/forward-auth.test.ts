import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { derOf } from './client-cert-headers.ts';

const SECRET = { 'x-riskgate-proxy-secret': PROXY_SECRET };

/** The headers each proxy sends for the same original request (docs/proxies.md §1). */
function proxyRequests(device: EnrolledDevice, host: string, uri: string, method: string) {
  const der = derOf(device.certificate) ?? Buffer.alloc(0);
  return [
    {
      proxy: 'nginx',
      method: 'GET',
      url: '/v1/access/check',
      headers: {
        host,
        'x-original-uri': uri,
        'x-original-method': method,
        'x-client-cert': encodeURIComponent(device.certificate),
        'x-client-cert-fingerprint': 'ab'.repeat(20),
        'x-client-verify': 'SUCCESS',
      },
    },
    {
      proxy: 'traefik',
      method: 'GET',
      url: '/v1/access/check',
      headers: {
        host: 'riskgate.internal',
        'x-forwarded-host': host,
        'x-forwarded-uri': uri,
        'x-forwarded-method': method,
        'x-forwarded-tls-client-cert': encodeURIComponent(der.toString('base64')),
      },
    },
    {
      proxy: 'caddy',
      method: 'GET',
      url: '/v1/access/check',
      headers: {
        host: 'riskgate.internal',
        'x-forwarded-host': host,
        'x-forwarded-uri': uri,
        'x-forwarded-method': method,
        'x-client-cert-sha256': device.fingerprint,
      },
    },
    {
      proxy: 'envoy',
      method,
      url: `/v1/access/check${uri}`,
      headers: {
        host,
        'x-forwarded-client-cert': `By=spiffe://riskgate;Hash=${device.fingerprint};Subject="CN=x,O=y";URI=`,
      },
    },
  ] as const;
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`forward auth /v1/access/check (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    /** One proxy credential per integration: each reads its own proxy's identity header only. */
    const secrets: Record<'nginx' | 'traefik' | 'caddy' | 'envoy', string> = {
      nginx: '',
      traefik: '',
      caddy: '',
      envoy: '',
    };
    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      for (const proxy of ['nginx', 'traefik', 'caddy', 'envoy'] as const)
        secrets[proxy] = await h.proxyCredential(proxy);
      await h.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] });
      await h.addResource({
        id: 'sharepoint',
        name: 'SharePoint',
        kind: 'http-app',
        hosts: ['*.sharepoint.acme.test'],
      });
      await h.addResource({
        id: 'payroll',
        name: 'Payroll',
        kind: 'http-app',
        hosts: ['intranet.acme.test'],
        pathPrefix: '/payroll',
      });
      await h.addResource({ id: 'corp-wifi', name: 'Corp Wi-Fi', kind: 'wifi', ssid: 'AcmeCorp' });
      await h.addPolicy({
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      await h.addPolicy({
        id: 'payroll-secured',
        name: 'Payroll needs a secured device',
        state: 'report-only',
        assignment: { resources: ['payroll'] },
        grant: { kind: 'require-risk-at-most', level: 'secured' },
      });
      device = await h.enroll();
      await h.report(device, false);
    });
    afterAll(async () => {
      await h?.close();
    });

    const check = (
      headers: Record<string, string>,
      url = '/v1/access/check',
      method = 'GET',
      secret = PROXY_SECRET,
    ) =>
      h.app.inject({
        method: method as 'GET',
        url,
        headers: { 'x-riskgate-proxy-secret': secret, ...headers },
      });

    it.each(['nginx', 'traefik', 'caddy', 'envoy'])(
      '%s headers: a clean device is allowed with identity headers',
      async (proxy) => {
        const req = proxyRequests(device, 'mail.acme.test', '/owa/?x=1', 'POST').find(
          (r) => r.proxy === proxy,
        );
        if (req === undefined) throw new Error(proxy);
        const reply = await check(req.headers, req.url, req.method, secrets[req.proxy]);
        expect(reply.statusCode, reply.body).toBe(200);
        expect(reply.headers['x-riskgate-device-id']).toBe(device.deviceId);
        expect(reply.headers['x-riskgate-user']).toBe('alice@acme.test');
      },
    );

    it('a malicious app blocks Exchange, SharePoint and Payroll with reason and remediation link; a clean report restores', async () => {
      await h.report(device, true);
      for (const [host, uri] of [
        ['mail.acme.test', '/owa/'],
        ['files.sharepoint.acme.test', '/sites/x'],
        ['intranet.acme.test', '/Payroll/%2e%2e/payroll/run'],
      ] as const) {
        for (const req of proxyRequests(device, host, uri, 'GET')) {
          const reply = await check(req.headers, req.url, req.method, secrets[req.proxy]);
          expect(reply.statusCode, `${req.proxy} ${host}`).toBe(403);
          expect(reply.headers['x-riskgate-reason']).toBe('risk-too-high');
          expect(String(reply.headers['x-riskgate-remediation-url'])).toMatch(
            /^https:\/\/riskgate\.test\/remediation\?t=/,
          );
          expect(reply.json()).toMatchObject({
            code: 'forbidden',
            reason: 'risk-too-high',
            requestId: expect.any(String),
          });
        }
      }
      const wifi = await h.app.inject({
        method: 'POST',
        url: '/v1/access/decide',
        headers: SECRET,
        payload: { device: { fingerprint: device.fingerprint }, ssid: 'AcmeCorp' },
      });
      expect(wifi.json()).toMatchObject({
        outcome: 'deny',
        resourceId: 'corp-wifi',
        reason: 'risk-too-high',
      });
      expect(wifi.json().remediation[0]).toMatchObject({ risk: 'high', steps: expect.any(Array) });

      await h.report(device, false);
      for (const req of proxyRequests(device, 'mail.acme.test', '/owa/', 'GET')) {
        expect((await check(req.headers, req.url, req.method, secrets[req.proxy])).statusCode).toBe(200);
      }
    });

    it('report-only policies never deny, and their would-deny outcomes are in the access log', async () => {
      await h.addPolicy({
        id: 'block-android-ro',
        name: 'Block Android (report only)',
        state: 'report-only',
        assignment: { resources: ['exchange'], platforms: ['android'] },
        grant: { kind: 'block' },
      });
      const req = proxyRequests(device, 'mail.acme.test', '/', 'GET')[2];
      expect((await check(req.headers, req.url, req.method, secrets[req.proxy])).statusCode).toBe(200);
      const decided = await h.app.inject({
        method: 'POST',
        url: '/v1/access/decide',
        headers: SECRET,
        payload: { device: { fingerprint: device.fingerprint }, resourceId: 'exchange' },
      });
      expect(decided.json()).toMatchObject({
        outcome: 'allow',
        reportOnly: [{ policyId: 'block-android-ro' }],
      });
      await h.access.log.flush();
      const log = await h.admin(
        'GET',
        '/v1/admin/access-log?outcome=would-deny&policy=block-android-ro',
        undefined,
        'analyst',
      );
      expect(log.statusCode).toBe(200);
      expect(log.json().items.length).toBeGreaterThanOrEqual(2);
      expect(log.json().items[0]).toMatchObject({
        resourceId: 'exchange',
        reason: 'blocked-by-policy',
        deviceId: device.deviceId,
      });
      const denials = await h.admin(
        'GET',
        '/v1/admin/access-log?outcome=deny&resource=payroll&limit=1',
        undefined,
        'analyst',
      );
      expect(denials.json().items).toHaveLength(1);
      expect(denials.json().nextCursor).toEqual(expect.any(String));
      const next = await h.admin(
        'GET',
        `/v1/admin/access-log?outcome=deny&resource=payroll&limit=1&cursor=${denials.json().nextCursor}`,
      );
      expect(next.json().items[0]?.id).not.toBe(denials.json().items[0].id);
      const future = await h.admin(
        'GET',
        `/v1/admin/access-log?from=${new Date(Date.now() + 3600_000).toISOString()}`,
      );
      expect(future.json().items).toEqual([]);
      await h.admin('DELETE', '/v1/admin/access-policies/block-android-ro');
    });

    it.each([
      ['no certificate', {}, 401, 'device-unknown'],
      ['an unknown certificate', { 'x-client-cert-sha256': 'ab'.repeat(32) }, 401, 'device-unknown'],
      [
        'a failed verification',
        { 'x-client-verify': 'FAILED:unable to verify', 'x-client-cert-sha256': '' },
        401,
        'device-unknown',
      ],
    ])('%s → %i', async (_name, headers, status, reason) => {
      const reply = await check({ host: 'mail.acme.test', 'x-original-uri': '/', ...headers });
      expect(reply.statusCode).toBe(status);
      expect(reply.headers['x-riskgate-reason']).toBe(reason);
    });

    it('refuses headers from an untrusted caller (no secret, wrong secret) with 401', async () => {
      const headers = { host: 'mail.acme.test', 'x-client-cert-sha256': device.fingerprint };
      for (const extra of [
        {},
        { 'x-riskgate-proxy-secret': 'wrong' },
        { 'x-riskgate-proxy-secret': `${PROXY_SECRET}x` },
      ]) {
        const reply = await h.app.inject({
          method: 'GET',
          url: '/v1/access/check',
          headers: { ...headers, ...extra },
        });
        expect(reply.statusCode).toBe(401);
        expect(reply.headers['x-riskgate-reason']).toBe('proxy-untrusted');
        expect(reply.headers['x-riskgate-device-id']).toBeUndefined();
      }
      const decide = await h.app.inject({
        method: 'POST',
        url: '/v1/access/decide',
        payload: { device: { fingerprint: device.fingerprint } },
      });
      expect(decide.statusCode).toBe(401);
    });

    it('a request no resource covers is refused (fail closed)', async () => {
      const reply = await check({ host: 'unknown.acme.test', 'x-client-cert-sha256': device.fingerprint });
      expect(reply.statusCode).toBe(403);
      expect(reply.headers['x-riskgate-reason']).toBe('resource-unknown');
    });

    it('a device session token identifies the device; a forged or expired one does not', async () => {
      const issued = await h.app.inject(
        device.key.request('POST', '/v1/access/device-token', undefined, h.clock.now),
      );
      expect(issued.statusCode, issued.body).toBe(200);
      const token = issued.json().token as string;
      const ok = await check({ host: 'mail.acme.test', 'x-riskgate-device-token': token });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-riskgate-device-id']).toBe(device.deviceId);
      const forged = `${token.slice(0, -2)}AA`;
      expect((await check({ host: 'mail.acme.test', 'x-riskgate-device-token': forged })).statusCode).toBe(
        401,
      );
      const saved = h.clock.now;
      h.clock.now = new Date(saved.getTime() + 11 * 60_000);
      expect((await check({ host: 'mail.acme.test', 'x-riskgate-device-token': token })).statusCode).toBe(
        401,
      );
      h.clock.now = saved;
    });

    it('counts decisions in metrics by resource, outcome and reason', async () => {
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(
        /riskgate_access_decisions_total\{resource="exchange",outcome="allow",reason="none"\} \d+/,
      );
      expect(metrics.body).toMatch(
        /riskgate_access_decisions_total\{resource="exchange",outcome="deny",reason="risk-too-high"\} \d+/,
      );
      expect(metrics.body).toMatch(
        /riskgate_access_decisions_total\{resource="none",outcome="unauthenticated",reason="device-unknown"\} \d+/,
      );
    });
  });
}
