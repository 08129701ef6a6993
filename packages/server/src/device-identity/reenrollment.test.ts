import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../test-support/device.ts';
import {
  createHarness,
  DIALECTS,
  type Harness,
  type SeededTenant,
  shouldSkipDialect,
} from '../../test-support/harness.ts';

const ENROLL = '/v1/device/enroll';
const PROOF_HEADER = 'x-riskgate-device-proof';

/**
 * Issue 11.1: an enrollment token alone must never take over an existing device. Re-enrollment
 * needs a proof signed by the device's current key, or an admin's single-use approval.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`re-enrollment (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    async function enrollmentToken(
      tenant: SeededTenant = h.tenant,
      maxUses: number | null = 1,
    ): Promise<string> {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('admin', tenant),
        payload: { ownership: 'corporate', groups: [], expiresInHours: 1, maxUses },
      });
      expect(reply.statusCode).toBe(201);
      return reply.json<{ token: string }>().token;
    }

    /** The enrollment request of `key` for `deviceId`, optionally with a proof signed by `prover`. */
    function enrollRequest(
      key: TestDevice,
      token: string,
      options: { deviceId?: string; prover?: TestDevice; proofBody?: string; proofNonce?: string } = {},
    ) {
      const body = {
        token,
        publicKey: key.jwk,
        device: { platform: 'android', user: 'mallory@example.com' },
        ...(options.deviceId === undefined ? {} : { deviceId: options.deviceId }),
      };
      const text = JSON.stringify(body);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-riskgate-signature': key.sign('POST', ENROLL, text, h.clock.now, { withJwk: true }),
      };
      if (options.prover !== undefined) {
        headers[PROOF_HEADER] = options.prover.sign(
          'POST',
          ENROLL,
          options.proofBody ?? text,
          h.clock.now,
          options.proofNonce === undefined ? {} : { n: options.proofNonce },
        );
      }
      return { method: 'POST' as const, url: ENROLL, headers, payload: text };
    }

    async function enrolled(tenant: SeededTenant = h.tenant): Promise<TestDevice> {
      const device = new TestDevice();
      const reply = await h.app.inject(enrollRequest(device, await enrollmentToken(tenant)));
      expect(reply.statusCode, reply.body).toBe(201);
      device.deviceId = reply.json<{ deviceId: string }>().deviceId;
      return device;
    }

    const statusOf = async (device: TestDevice) =>
      (await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now))).statusCode;

    function approve(deviceId: string, role: 'owner' | 'admin' | 'helpdesk' | 'analyst' = 'admin') {
      return h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${deviceId}/reenrollment`,
        headers: h.auth(role),
      });
    }

    it('refuses a takeover with an enrollment token alone, and the real device keeps working', async () => {
      const victim = await enrolled();
      const attacker = new TestDevice();
      const token = await enrollmentToken(h.tenant, 1);
      const reply = await h.app.inject(enrollRequest(attacker, token, { deviceId: victim.deviceId }));
      expect(reply.statusCode, reply.body).toBe(403);
      expect(reply.json()).toMatchObject({
        code: 'reenrollment_not_authorized',
        message: expect.stringContaining(PROOF_HEADER),
        requestId: expect.any(String),
      });
      attacker.deviceId = victim.deviceId;
      expect(await statusOf(attacker)).toBe(401);
      expect(await statusOf(victim)).toBe(200);
      // The refused attempt did not use up the token: it still enrolls a new device.
      const fresh = new TestDevice();
      const created = await h.app.inject(enrollRequest(fresh, token));
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().reenrolled).toBe(false);
    });

    it("treats another tenant's device id like an unknown one", async () => {
      const foreign = await enrolled(h.otherTenant);
      const attacker = new TestDevice();
      for (const deviceId of [foreign.deviceId ?? '', 'dev_doesnotexist000000000000']) {
        const reply = await h.app.inject(enrollRequest(attacker, await enrollmentToken(), { deviceId }));
        expect(reply.statusCode, reply.body).toBe(404);
        expect(reply.json().code).toBe('not_found');
      }
      // Even with the foreign device's own key as proof: the token's tenant does not hold it.
      const withProof = await h.app.inject(
        enrollRequest(attacker, await enrollmentToken(), { deviceId: foreign.deviceId, prover: foreign }),
      );
      expect(withProof.statusCode).toBe(404);
      expect(await statusOf(foreign)).toBe(200);
    });

    it('re-enrolls with a proof signed by the current key; the old key stops working', async () => {
      const device = await enrolled();
      const next = new TestDevice();
      const reply = await h.app.inject(
        enrollRequest(next, await enrollmentToken(), { deviceId: device.deviceId, prover: device }),
      );
      expect(reply.statusCode, reply.body).toBe(201);
      expect(reply.json()).toMatchObject({ deviceId: device.deviceId, reenrolled: true });
      next.deviceId = device.deviceId;
      expect(await statusOf(device)).toBe(401);
      expect(await statusOf(next)).toBe(200);
      const detail = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      const history = detail.json().history as { kind: string }[];
      expect(history.find((entry) => entry.kind === 're-enrolled')).toMatchObject({
        details: { authorizedBy: 'device-key' },
      });
    });

    // Proofs by a foreign key, by another device, over another body, stale or replayed:
    // src/security/device-auth-matrix.security.test.ts (re-enrollment rows).

    it('names the proof header, not the signature header, when the proof is malformed', async () => {
      const device = await enrolled();
      const next = new TestDevice();
      const cases: readonly [string, string][] = [
        ['not a JWS', 'not-a-jws'],
        ['a JWS with a short nonce', device.sign('POST', ENROLL, '{}', h.clock.now, { n: 'short' })],
        [
          'a JWS with a NUL in its kid',
          Object.assign(new TestDevice(), { deviceId: 'a\u0000b' }).sign('POST', ENROLL, '{}', h.clock.now),
        ],
      ];
      for (const [what, proof] of cases) {
        const request = enrollRequest(next, await enrollmentToken(), { deviceId: device.deviceId });
        request.headers[PROOF_HEADER] = proof;
        const reply = await h.app.inject(request);
        expect(reply.statusCode, `${what}: ${reply.body}`).toBeGreaterThanOrEqual(400);
        expect(reply.statusCode, `${what}: ${reply.body}`).toBeLessThan(500);
        expect(reply.json().message, what).not.toContain('x-riskgate-signature');
        expect(reply.json().message, what).toContain(PROOF_HEADER);
      }
      expect(await statusOf(device)).toBe(200);
    });

    it('re-enrolls once with an admin approval, which is single-use, short-lived and audited', async () => {
      const device = await enrolled();
      const approval = await approve(device.deviceId ?? '');
      expect(approval.statusCode, approval.body).toBe(201);
      expect(approval.json()).toMatchObject({ deviceId: device.deviceId, expiresAt: expect.any(String) });
      const expiresIn = Date.parse(approval.json().expiresAt) - h.clock.now.getTime();
      expect(expiresIn).toBeGreaterThan(0);
      expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

      const replacement = new TestDevice();
      const reply = await h.app.inject(
        enrollRequest(replacement, await enrollmentToken(), { deviceId: device.deviceId }),
      );
      expect(reply.statusCode, reply.body).toBe(201);
      expect(reply.json().reenrolled).toBe(true);
      replacement.deviceId = device.deviceId;
      expect(await statusOf(replacement)).toBe(200);
      expect(await statusOf(device)).toBe(401);

      const second = await h.app.inject(
        enrollRequest(new TestDevice(), await enrollmentToken(), { deviceId: device.deviceId }),
      );
      expect(second.statusCode).toBe(403);
      expect(second.json().code).toBe('reenrollment_not_authorized');

      const log = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/audit-log?limit=500',
        headers: h.auth('owner'),
      });
      const actions = log
        .json()
        .items.filter((item: { target: string }) => item.target === device.deviceId)
        .map((item: { action: string }) => item.action);
      expect(actions).toEqual(expect.arrayContaining(['device.reenrollment-approve', 'device.reenroll']));
    });

    it('an expired approval does not count', async () => {
      const device = await enrolled();
      expect((await approve(device.deviceId ?? '', 'owner')).statusCode).toBe(201);
      const saved = h.clock.now;
      h.clock.now = new Date(saved.getTime() + 16 * 60_000);
      try {
        const reply = await h.app.inject(
          enrollRequest(new TestDevice(), await enrollmentToken(), { deviceId: device.deviceId }),
        );
        expect(reply.statusCode).toBe(403);
      } finally {
        h.clock.now = saved;
      }
    });

    it('concurrent takeovers with one approval: exactly one wins', async () => {
      const device = await enrolled();
      expect((await approve(device.deviceId ?? '')).statusCode).toBe(201);
      const token = await enrollmentToken(h.tenant, null);
      const replies = await Promise.all(
        Array.from({ length: 8 }, () =>
          h.app.inject(enrollRequest(new TestDevice(), token, { deviceId: device.deviceId })),
        ),
      );
      const codes = replies.map((reply) => reply.statusCode).sort();
      expect(codes.filter((code) => code === 201)).toHaveLength(1);
      expect(codes.filter((code) => code !== 201).every((code) => code === 403)).toBe(true);
    });

    it('approvals need admin or owner, and stay inside the tenant', async () => {
      const device = await enrolled();
      for (const role of ['helpdesk', 'analyst'] as const) {
        const reply = await approve(device.deviceId ?? '', role);
        expect(reply.statusCode).toBe(403);
        expect(reply.json().code).toBe('forbidden');
      }
      const foreign = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${device.deviceId}/reenrollment`,
        headers: h.auth('owner', h.otherTenant),
      });
      expect(foreign.statusCode).toBe(404);
      const anonymous = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${device.deviceId}/reenrollment`,
      });
      expect(anonymous.statusCode).toBe(401);
      const reply = await h.app.inject(
        enrollRequest(new TestDevice(), await enrollmentToken(), { deviceId: device.deviceId }),
      );
      expect(reply.statusCode).toBe(403);
    });

    it('a retired device is not re-enrolled, even with its key', async () => {
      const device = await enrolled();
      const retire = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${device.deviceId}/retire`,
        headers: h.auth('admin'),
      });
      expect(retire.statusCode).toBe(200);
      const reply = await h.app.inject(
        enrollRequest(new TestDevice(), await enrollmentToken(), {
          deviceId: device.deviceId,
          prover: device,
        }),
      );
      expect(reply.statusCode).toBe(409);
      expect(reply.json().code).toBe('conflict');
      expect((await approve(device.deviceId ?? '')).statusCode).toBe(409);
    });
  });
}
