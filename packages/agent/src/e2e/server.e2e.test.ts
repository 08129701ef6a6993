/**
 * End-to-end: the agent SDK against the real Riskgate server (packages/server) over real HTTP on an
 * ephemeral port, on every storage dialect. Test-only import of the server's harness; the agent code
 * itself never imports the server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  DIALECTS,
  type Harness,
  shouldSkipDialect,
} from '../../../server/src/testing/harness.ts';
import { openAgent } from '../sdk/agent-client.ts';
import { ServerError } from '../sdk/http.ts';

const device = {
  platform: 'android',
  model: 'Pixel 8',
  manufacturer: 'Google',
  osVersion: '16',
  agentVersion: '0.1.0',
} as const;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`agent SDK against the real server (${dialect})`, () => {
    let h: Harness;
    let url = '';
    let dir = '';
    beforeAll(async () => {
      h = await createHarness(dialect);
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      dir = await mkdtemp(join(tmpdir(), 'riskgate-e2e-'));
    });
    afterAll(async () => {
      await h?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function enrollmentToken(maxUses: number): Promise<string> {
      const reply = await fetch(`${url}/v1/admin/enrollment-tokens`, {
        method: 'POST',
        headers: { ...h.auth('admin'), 'content-type': 'application/json' },
        body: JSON.stringify({ ownership: 'corporate', groups: [], expiresInHours: 1, maxUses }),
      });
      expect(reply.status).toBe(201);
      return ((await reply.json()) as { token: string }).token;
    }

    it('enrolls with a signed request, gets a certificate, and reads a signed status', async () => {
      const agent = await openAgent({ stateDir: join(dir, 'a') });
      const reply = await agent.enroll({ server: url, token: await enrollmentToken(1), device });
      expect(reply.deviceId).toMatch(/^dev_/);
      expect(reply.certificate).toContain('BEGIN CERTIFICATE');
      const status = await agent.status();
      expect(status).toMatchObject({ deviceId: reply.deviceId, riskLevel: 'secured', threats: [] });
      // A restarted agent (same state dir) is still recognised by the server.
      const restarted = await openAgent({ stateDir: join(dir, 'a') });
      expect((await restarted.status()).deviceId).toBe(reply.deviceId);
    });

    it('surfaces the server error code for a used single-use token', async () => {
      const token = await enrollmentToken(1);
      await (await openAgent({ stateDir: join(dir, 'b') })).enroll({ server: url, token, device });
      const second = await openAgent({ stateDir: join(dir, 'c') });
      const error = await second.enroll({ server: url, token, device }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status: 401, code: 'invalid_enrollment_token' });
    });
  });
}
