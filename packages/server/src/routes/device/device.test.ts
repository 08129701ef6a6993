import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`device API (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    async function enrollmentToken(maxUses: number | null = 1, expiresInHours = 24): Promise<string> {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('admin'),
        payload: { ownership: 'corporate', groups: ['sales'], expiresInHours, maxUses },
      });
      expect(reply.statusCode).toBe(201);
      return reply.json<{ token: string }>().token;
    }

    async function enroll(device: TestDevice, token: string, extra: Record<string, unknown> = {}) {
      const body = {
        token,
        publicKey: device.jwk,
        device: { platform: 'android', model: 'Pixel 8', user: 'alice@example.com' },
        ...extra,
      };
      return h.app.inject(device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }));
    }

    async function enrolled(): Promise<TestDevice> {
      const device = new TestDevice();
      const reply = await enroll(device, await enrollmentToken());
      expect(reply.statusCode).toBe(201);
      device.deviceId = reply.json<{ deviceId: string }>().deviceId;
      return device;
    }

    it('enrolls a device and issues a client certificate from the tenant CA', async () => {
      const device = new TestDevice();
      const reply = await enroll(device, await enrollmentToken());
      expect(reply.statusCode).toBe(201);
      const body = reply.json<{ deviceId: string; certificate: string; caCertificate: string }>();
      expect(body.deviceId).toMatch(/^dev_[0-9a-z]{24}$/);
      const cert = new X509Certificate(body.certificate);
      const ca = new X509Certificate(body.caCertificate);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.subject).toContain(body.deviceId);
      expect(cert.publicKey.export({ format: 'jwk' })).toMatchObject({ x: device.jwk.x, y: device.jwk.y });
      expect(ca.ca).toBe(true);

      const detail = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/devices/${body.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(detail.statusCode).toBe(200);
      expect(detail.json().device).toMatchObject({
        ownership: 'corporate',
        groups: ['sales'],
        user: 'alice@example.com',
      });
      expect(detail.json().device.certFingerprint).toBe(
        cert.fingerprint256.replaceAll(':', '').toLowerCase(),
      );
    });

    it('refuses a reused single-use enrollment token', async () => {
      const token = await enrollmentToken(1);
      expect((await enroll(new TestDevice(), token)).statusCode).toBe(201);
      const again = await enroll(new TestDevice(), token);
      expect(again.statusCode).toBe(401);
      expect(again.json().code).toBe('invalid_enrollment_token');
    });

    it('counts uses of a counted token and refuses expired and unknown tokens', async () => {
      const token = await enrollmentToken(2);
      expect((await enroll(new TestDevice(), token)).statusCode).toBe(201);
      expect((await enroll(new TestDevice(), token)).statusCode).toBe(201);
      expect((await enroll(new TestDevice(), token)).json().code).toBe('invalid_enrollment_token');
      const expiring = await enrollmentToken(5, 0.001);
      const saved = h.clock.now;
      h.clock.now = new Date(saved.getTime() + 10_000);
      try {
        expect((await enroll(new TestDevice(), expiring)).json().code).toBe('invalid_enrollment_token');
      } finally {
        h.clock.now = saved;
      }
      expect((await enroll(new TestDevice(), `rget_${'A'.repeat(43)}`)).statusCode).toBe(401);
    });

    it('lets concurrent enrollments take a counted token exactly maxUses times', async () => {
      const token = await enrollmentToken(2);
      const replies = await Promise.all(Array.from({ length: 6 }, () => enroll(new TestDevice(), token)));
      expect(replies.map((reply) => reply.statusCode).sort()).toEqual([201, 201, 401, 401, 401, 401]);
    });

    it('refuses an enrollment whose header jwk is not the body key', async () => {
      const device = new TestDevice();
      const other = new TestDevice();
      const body = { token: await enrollmentToken(), publicKey: other.jwk, device: { platform: 'ios' } };
      const reply = await h.app.inject(
        device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
      );
      expect(reply.statusCode).toBe(401);
      expect(reply.json().code).toBe('bad_signature');
    });

    it('answers a signed status request', async () => {
      const device = await enrolled();
      const reply = await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now));
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({
        deviceId: device.deviceId,
        riskLevel: 'secured',
        compliance: { state: 'unknown', failingRules: [] },
        labels: [],
        threats: [],
      });
    });

    // Refusals of bad signatures (missing, malformed, stale, tampered, foreign key, replayed) on
    // every signed route: src/security/device-auth-matrix.security.test.ts.

    it('re-enrollment (proved by the current key) replaces the key; retire removes access', async () => {
      const device = await enrolled();
      const next = new TestDevice();
      const withoutProof = await enroll(next, await enrollmentToken(), { deviceId: device.deviceId });
      expect(withoutProof.statusCode).toBe(403);
      const body = {
        token: await enrollmentToken(),
        publicKey: next.jwk,
        device: { platform: 'android' },
        deviceId: device.deviceId,
      };
      const request = next.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true });
      const proof = device.sign('POST', '/v1/device/enroll', request.payload ?? '', h.clock.now);
      const reply = await h.app.inject({
        ...request,
        headers: { ...request.headers, 'x-riskgate-device-proof': proof },
      });
      expect(reply.statusCode).toBe(201);
      expect(reply.json()).toMatchObject({ deviceId: device.deviceId, reenrolled: true });
      next.deviceId = device.deviceId;
      expect(
        (await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now))).statusCode,
      ).toBe(401);
      expect(
        (await h.app.inject(next.request('GET', '/v1/device/status', undefined, h.clock.now))).statusCode,
      ).toBe(200);

      const retire = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${device.deviceId}/retire`,
        headers: h.auth('helpdesk'),
      });
      expect(retire.statusCode).toBe(200);
      expect(retire.json().retiredAt).toEqual(expect.any(String));
      const after = await h.app.inject(next.request('GET', '/v1/device/status', undefined, h.clock.now));
      expect(after.statusCode).toBe(401);
    });

    it('refuses bad enrollment input with 4xx and stores nothing', async () => {
      const device = new TestDevice();
      const token = await enrollmentToken(1);
      const cases: { payload: string; status: number; code: string }[] = [
        { payload: '{"token":', status: 400, code: 'malformed_json' },
        {
          payload: JSON.stringify({ token: 5, publicKey: device.jwk, device: { platform: 'android' } }),
          status: 400,
          code: 'invalid_request',
        },
        {
          payload: JSON.stringify({
            token,
            publicKey: device.jwk,
            device: { platform: 'android' },
            extra: 1,
          }),
          status: 400,
          code: 'invalid_request',
        },
        {
          payload: JSON.stringify({ token, publicKey: device.jwk, device: { platform: 'windows' } }),
          status: 400,
          code: 'invalid_request',
        },
        {
          payload: JSON.stringify({
            token,
            publicKey: device.jwk,
            device: { platform: 'android', x: { a: 1 } },
          }),
          status: 400,
          code: 'invalid_request',
        },
        {
          payload: JSON.stringify({
            token,
            publicKey: device.jwk,
            device: { platform: 'android', name: 'x'.repeat(300 * 1024) },
          }),
          status: 413,
          code: 'payload_too_large',
        },
        { payload: `${'['.repeat(100)}${']'.repeat(100)}`, status: 400, code: 'invalid_request' },
      ];
      for (const { payload, status, code } of cases) {
        const reply = await h.app.inject({
          method: 'POST',
          url: '/v1/device/enroll',
          headers: {
            'content-type': 'application/json',
            'x-riskgate-signature': device.sign('POST', '/v1/device/enroll', payload, h.clock.now, {
              withJwk: true,
            }),
          },
          payload,
        });
        expect({ status: reply.statusCode, code: reply.json().code }).toEqual({ status, code });
        expect(reply.json().requestId).toEqual(expect.any(String));
      }
      // The token was never consumed: a good request still enrolls.
      expect((await enroll(device, token)).statusCode).toBe(201);
      expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });
}
