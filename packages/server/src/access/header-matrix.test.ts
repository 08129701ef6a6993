import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, createAccessHarness, type EnrolledDevice } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  type CheckRequest,
  type ClientRequest,
  documentedCheck,
  leakyCheck,
} from '../../test-support/documented-proxies.ts';
import { derOf } from './client-cert-headers.ts';
import { PROXY_INTEGRATIONS, type ProxyIntegration } from './proxy-binding.ts';

const HOST = 'mail.acme.test';

/** Every identity header a client could send, all naming `device`. */
function forgedFor(device: EnrolledDevice): Record<string, string> {
  return {
    'X-Client-Cert-Sha256': device.fingerprint,
    'X-Forwarded-Client-Cert': `Hash=${device.fingerprint}`,
    'X-Client-Cert': encodeURIComponent(device.certificate),
    'X-Forwarded-Tls-Client-Cert': (derOf(device.certificate) ?? Buffer.alloc(0)).toString('base64'),
    'X-Client-Verify': 'SUCCESS',
  };
}

interface Expected {
  readonly status: 200 | 401 | 403;
  readonly reason?: string;
  readonly device?: 'clean';
}

/**
 * Issue 11 "forward-auth header matrix": each proxy's documented configuration (docs/proxies.md)
 * × {no identity, right identity, forged client header only, real + forged disagreeing, another
 * tenant's device}, sent to `/v1/access/check` with exactly the headers that configuration passes
 * and the tenant's credential for that proxy. nginx and Caddy are run for real elsewhere
 * (nginx-e2e, caddy-e2e); Traefik and Envoy are tested here only.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`forward-auth header matrix (${dialect})`, () => {
    let h: AccessHarness;
    let clean: EnrolledDevice;
    let risky: EnrolledDevice;
    let foreign: EnrolledDevice;
    const secrets = new Map<ProxyIntegration, string>();

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
      for (const proxy of PROXY_INTEGRATIONS) secrets.set(proxy, await h.proxyCredential(proxy));
      clean = await h.enroll();
      await h.report(clean, false);
      risky = await h.enroll();
      expect((await h.report(risky, true)).riskLevel).toBe('high');
      foreign = await h.enroll(h.otherTenant);
      await h.report(foreign, false);
      // The other tenant allows anything on a resource covering every host.
      const globex = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/resources',
        headers: h.auth('admin', h.otherTenant),
        payload: { id: 'exchange', name: 'Anything', kind: 'http-app' },
      });
      expect(globex.statusCode).toBe(201);
    });
    afterAll(async () => {
      await h?.close();
    });

    const send = (check: CheckRequest) =>
      h.app.inject({ method: check.method, url: check.url, headers: check.headers });

    const cases: readonly [string, () => ClientRequest, Expected, Expected][] = [
      // [case, client request, documented configuration, a proxy that passes client copies]
      [
        'no identity',
        () => ({ headers: {} }),
        { status: 401, reason: 'device-unknown' },
        { status: 401, reason: 'device-unknown' },
      ],
      [
        'right identity',
        () => ({ certificatePem: clean.certificate, headers: {} }),
        { status: 200, device: 'clean' },
        { status: 200, device: 'clean' },
      ],
      [
        'forged client headers only',
        () => ({ headers: forgedFor(clean) }),
        { status: 401, reason: 'device-unknown' },
        { status: 403, reason: 'identity-conflict' },
      ],
      [
        'real high-risk certificate + forged clean headers',
        () => ({ certificatePem: risky.certificate, headers: forgedFor(clean) }),
        { status: 403, reason: 'risk-too-high' },
        { status: 403, reason: 'identity-conflict' },
      ],
      [
        "another tenant's device",
        () => ({ certificatePem: foreign.certificate, headers: {} }),
        { status: 401, reason: 'device-unknown' },
        { status: 401, reason: 'device-unknown' },
      ],
    ];

    const expectOutcome = async (check: CheckRequest, expected: Expected, label: string) => {
      const reply = await send(check);
      expect(reply.statusCode, `${label}: ${reply.body}`).toBe(expected.status);
      if (expected.reason !== undefined)
        expect(reply.headers['x-riskgate-reason'], label).toBe(expected.reason);
      if (expected.device === 'clean')
        expect(reply.headers['x-riskgate-device-id'], label).toBe(clean.deviceId);
      else expect(reply.headers['x-riskgate-device-id'], label).toBeUndefined();
    };

    for (const proxy of PROXY_INTEGRATIONS) {
      it.each(cases)(`${proxy} documented configuration: %s`, async (name, client, documented) => {
        const target = { host: HOST, uri: '/owa/', secret: secrets.get(proxy) ?? '' };
        await expectOutcome(documentedCheck(proxy, client(), target), documented, `${proxy} ${name}`);
      });
      it.each(cases)(`${proxy} passing client copies on: %s`, async (name, client, _documented, leaky) => {
        const target = { host: HOST, uri: '/owa/', secret: secrets.get(proxy) ?? '' };
        await expectOutcome(leakyCheck(proxy, client(), target), leaky, `${proxy} leaky ${name}`);
      });
    }

    it("a device session token beside a different device's certificate is an identity conflict", async () => {
      const issued = await h.app.inject(
        clean.key.request('POST', '/v1/access/device-token', undefined, h.clock.now),
      );
      const token = issued.json<{ token: string }>().token;
      for (const proxy of PROXY_INTEGRATIONS) {
        const target = { host: HOST, uri: '/owa/', secret: secrets.get(proxy) ?? '' };
        const mixed = { certificatePem: risky.certificate, headers: { 'x-riskgate-device-token': token } };
        await expectOutcome(
          documentedCheck(proxy, mixed, target),
          { status: 403, reason: 'identity-conflict' },
          proxy,
        );
        const same = { certificatePem: clean.certificate, headers: { 'x-riskgate-device-token': token } };
        await expectOutcome(documentedCheck(proxy, same, target), { status: 200, device: 'clean' }, proxy);
      }
    });

    it("another tenant's credential decides for that tenant only: Acme's device is unknown there", async () => {
      const globexSecret = await h.proxyCredential('caddy', h.otherTenant);
      const target = { host: HOST, uri: '/owa/', secret: globexSecret };
      await expectOutcome(
        documentedCheck('caddy', { certificatePem: clean.certificate, headers: {} }, target),
        { status: 401, reason: 'device-unknown' },
        'globex credential, acme device',
      );
      const theirs = await send(
        documentedCheck('caddy', { certificatePem: foreign.certificate, headers: {} }, target),
      );
      expect(theirs.statusCode).toBe(200);
      expect(theirs.headers['x-riskgate-device-id']).toBe(foreign.deviceId);
    });

    it('a deleted credential is refused at once', async () => {
      const created = await h.admin('POST', '/v1/admin/proxy-credentials', {
        name: 'to delete',
        integration: 'envoy',
      });
      expect(created.statusCode).toBe(201);
      const { id, secret } = created.json<{ id: string; secret: string }>();
      const list = await h.admin('GET', '/v1/admin/proxy-credentials', undefined, 'analyst');
      expect(list.statusCode).toBe(200);
      expect(JSON.stringify(list.json())).not.toContain('rgps_');
      const target = { host: HOST, uri: '/owa/', secret };
      const ok = documentedCheck('envoy', { certificatePem: clean.certificate, headers: {} }, target);
      expect((await send(ok)).statusCode).toBe(200);
      expect(
        (await h.admin('DELETE', `/v1/admin/proxy-credentials/${id}`, undefined, 'analyst')).statusCode,
      ).toBe(403);
      expect((await h.admin('DELETE', `/v1/admin/proxy-credentials/${id}`)).statusCode).toBe(204);
      const refused = await send(ok);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['x-riskgate-reason']).toBe('proxy-untrusted');
    });
  });
}
