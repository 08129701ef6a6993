import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';

// The per-route checks (401 without a valid token, 403 for each role the route does not allow,
// 404 for another tenant's ids) are generated for every operation of /openapi.json by
// src/security/role-matrix.test.ts; the rank rules of API tokens are in role-hierarchy.security.test.ts.
// What stays here is what the matrix does not check.

interface Ids {
  deviceId: string;
  apiTokenId: string;
  enrollmentTokenId: string;
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`admin API security (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** Seeds a device, an API token and an enrollment token for the main tenant. */
    async function seed(): Promise<Ids> {
      const token = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('owner'),
        payload: { ownership: 'corporate', groups: [], expiresInHours: 1, maxUses: 2 },
      });
      const device = new TestDevice();
      const body = { token: token.json().token, publicKey: device.jwk, device: { platform: 'android' } };
      const enrolled = await h.app.inject(
        device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
      );
      const apiToken = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
        payload: { name: 'victim', role: 'analyst' },
      });
      return {
        deviceId: enrolled.json().deviceId,
        apiTokenId: apiToken.json().id,
        enrollmentTokenId: token.json().id,
      };
    }

    it('lists only the caller tenant rows', async () => {
      await seed();
      const mine = await h.app.inject({ method: 'GET', url: '/v1/admin/devices', headers: h.auth('owner') });
      const theirs = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/devices',
        headers: h.auth('owner', h.otherTenant),
      });
      expect(mine.json().items.length).toBeGreaterThan(0);
      expect(theirs.json().items).toEqual([]);
      const tokens = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner', h.otherTenant),
      });
      expect(tokens.json().items).toHaveLength(4);
      expect(JSON.stringify(tokens.json())).not.toMatch(/hash|rgat_[A-Za-z0-9_-]{43}/);
    });

    it('an admin may not mint an owner token; a revoked token stops working', async () => {
      const denied = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: h.auth('admin'),
        payload: { name: 'x', role: 'owner' },
      });
      expect(denied.json().code).toBe('forbidden');
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
        payload: { name: 'temp', role: 'admin' },
      });
      const { id, token } = created.json();
      const headers = { authorization: `Bearer ${token}` };
      expect((await h.app.inject({ method: 'GET', url: '/v1/admin/devices', headers })).statusCode).toBe(200);
      expect(
        (
          await h.app.inject({
            method: 'DELETE',
            url: `/v1/admin/api-tokens/${id}`,
            headers: h.auth('owner'),
          })
        ).statusCode,
      ).toBe(204);
      expect((await h.app.inject({ method: 'GET', url: '/v1/admin/devices', headers })).statusCode).toBe(401);
    });

    it.each([
      ['malformed JSON', '{"ownership":', 'malformed_json'],
      [
        'wrong type',
        JSON.stringify({ ownership: 'corporate', groups: [], expiresInHours: 'soon' }),
        'invalid_request',
      ],
      [
        'numeric string is not coerced',
        JSON.stringify({ ownership: 'corporate', groups: [], expiresInHours: '5' }),
        'invalid_request',
      ],
      [
        'unknown field',
        JSON.stringify({ ownership: 'corporate', groups: [], expiresInHours: 1, admin: true }),
        'invalid_request',
      ],
      [
        'huge array',
        JSON.stringify({
          ownership: 'corporate',
          groups: Array.from({ length: 500 }, (_, i) => `g${i}`),
          expiresInHours: 1,
        }),
        'invalid_request',
      ],
      [
        'deep nesting',
        `{"ownership":"corporate","groups":${'['.repeat(200)}${']'.repeat(200)},"expiresInHours":1}`,
        'invalid_request',
      ],
      [
        'oversized body',
        JSON.stringify({ ownership: 'corporate', groups: ['x'.repeat(400 * 1024)], expiresInHours: 1 }),
        'payload_too_large',
      ],
    ])('refuses %s with a clear 4xx and stores nothing', async (_name, payload, code) => {
      const before = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('owner'),
      });
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: { ...h.auth('owner'), 'content-type': 'application/json' },
        payload,
      });
      expect(reply.statusCode).toBeGreaterThanOrEqual(400);
      expect(reply.statusCode).toBeLessThan(500);
      expect(reply.json()).toMatchObject({
        code,
        message: expect.any(String),
        requestId: expect.any(String),
      });
      const after = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('owner'),
      });
      expect(after.json().items).toHaveLength(before.json().items.length);
      expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('authenticates before validating: a stranger with a bad body gets 401', async () => {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        payload: { ownership: 'nobody', surprise: true },
      });
      expect(reply.statusCode).toBe(401);
      expect(reply.json().code).toBe('unauthorized');
    });

    it('answers unknown routes and wrong content types with the error shape', async () => {
      const missing = await h.app.inject({ method: 'GET', url: '/v1/nothing' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ code: 'not_found', requestId: expect.any(String) });
      const xml = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: { ...h.auth('owner'), 'content-type': 'application/xml' },
        payload: '<a/>',
      });
      expect(xml.statusCode).toBe(415);
      expect(xml.json().code).toBe('unsupported_media_type');
    });

    it('writes every admin change to a verifiable audit chain', async () => {
      await seed();
      const log = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/audit-log?limit=1000',
        headers: h.auth('analyst'),
      });
      const actions = log.json().items.map((entry: { action: string }) => entry.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'tenant.create',
          'enrollment-token.create',
          'device.enroll',
          'api-token.create',
        ]),
      );
      const verify = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/audit-log/verify',
        headers: h.auth('analyst'),
      });
      expect(verify.json()).toMatchObject({ ok: true });
      expect(verify.json().checked).toBe(log.json().items.length);
    });
  });
}
