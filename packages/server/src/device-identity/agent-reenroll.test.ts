import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FetchLike, KEY_FILE, openAgent } from '@riskgate/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';

const device = {
  platform: 'android',
  model: 'Pixel 8',
  manufacturer: 'Google',
  osVersion: '14',
  agentVersion: '0.1.0',
} as const;

/** The agent SDK against the real server (in-process), through an injected `fetch`. */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`agent SDK re-enrollment (${dialect})`, () => {
    let h: Harness;
    let dir = '';
    beforeAll(async () => {
      h = await createHarness(dialect);
      dir = await mkdtemp(join(tmpdir(), 'riskgate-reenroll-'));
    });
    afterAll(async () => {
      await h?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const fetchViaInject: FetchLike = async (url, init) => {
      const target = new URL(url);
      const reply = await h.app.inject({
        method: (init.method ?? 'GET') as 'GET' | 'POST',
        url: `${target.pathname}${target.search}`,
        headers: init.headers as Record<string, string>,
        ...(typeof init.body === 'string' ? { payload: init.body } : {}),
      });
      return new Response(reply.statusCode === 204 ? null : reply.body, {
        status: reply.statusCode,
        headers: { 'content-type': String(reply.headers['content-type'] ?? 'application/json') },
      });
    };

    async function enrollmentToken(): Promise<string> {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('admin'),
        payload: { ownership: 'corporate', groups: [], expiresInHours: 1, maxUses: 1 },
      });
      return reply.json<{ token: string }>().token;
    }

    it('re-enrolls with a new key proved by the current one, and keeps the new key on disk', async () => {
      const agent = await openAgent({ stateDir: dir, fetch: fetchViaInject, clock: () => h.clock.now });
      const first = await agent.enroll({
        server: 'http://riskgate.test',
        token: await enrollmentToken(),
        device,
      });
      const keyBefore = await readFile(join(dir, KEY_FILE), 'utf8');
      const jwkBefore = agent.publicJwk;

      const again = await agent.reenroll({ token: await enrollmentToken(), device });
      expect(again.deviceId).toBe(first.deviceId);
      expect(again.certificate).not.toBe(first.certificate);
      expect(agent.publicJwk).not.toEqual(jwkBefore);
      expect(await readFile(join(dir, KEY_FILE), 'utf8')).not.toBe(keyBefore);
      expect((await agent.status()).deviceId).toBe(first.deviceId);

      // A restarted agent loads the rotated key and still signs as the device.
      const restarted = await openAgent({ stateDir: dir, fetch: fetchViaInject, clock: () => h.clock.now });
      expect((await restarted.status()).deviceId).toBe(first.deviceId);
      expect((await restarted.enrollment())?.certificate).toBe(again.certificate);
    });
  });
}
