/**
 * End-to-end: the agent SDK and the device profiles against the real Riskgate server
 * (packages/server) over real HTTP on an ephemeral port, on every storage dialect, with the real
 * intel datasets. Test-only import of the server's harness; the agent code never imports the server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIntelSource } from '../../../server/src/intel/intel-source.ts';
import {
  createHarness,
  DIALECTS,
  type Harness,
  shouldSkipDialect,
} from '../../../server/test-support/harness.ts';
import { loadProfileIntel, locateDatasets } from '../profiles/datasets.ts';
import { generateDevice } from '../profiles/generate-device.ts';
import { PROFILE_NAMES, ROGUE_AP_IMITATES } from '../profiles/profiles.ts';
import { createAgentClient, createMemoryAgent, openAgent } from '../sdk/agent-client.ts';
import { createMemoryEnrollmentStore } from '../sdk/enrollment-store.ts';
import { ServerError } from '../sdk/http.ts';
import { generateDeviceKey } from '../sdk/keys.ts';
import { createMemoryReportQueue } from '../sdk/memory-queue.ts';
import { startTcpProxy } from './tcp-proxy.ts';

const device = {
  platform: 'android',
  model: 'Pixel 8',
  manufacturer: 'Google',
  osVersion: '16',
  agentVersion: '0.1.0',
} as const;
const intel = await loadIntelSource([locateDatasets()], pino({ level: 'silent' }));
const profileIntel = loadProfileIntel();

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`agent against the real server (${dialect})`, () => {
    let h: Harness;
    let url = '';
    let dir = '';
    beforeAll(async () => {
      h = await createHarness(dialect, { intel });
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      dir = await mkdtemp(join(tmpdir(), 'riskgate-e2e-'));
      // The company Wi-Fi the rogue-ap profile imitates, as the demo tenant lists it.
      const known = await fetch(`${url}/v1/admin/settings/detection`, {
        method: 'PUT',
        headers: { ...h.auth('admin'), 'content-type': 'application/json' },
        body: JSON.stringify({ knownNetworks: [ROGUE_AP_IMITATES] }),
      });
      expect(known.status).toBe(200);
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

    async function storedReports(deviceId: string): Promise<number> {
      const rows = await h.testDb.db.db
        .selectFrom('reports')
        .select('report_id')
        .where('device_id', '=', deviceId)
        .execute();
      return rows.length;
    }

    it('enrolls with a signed request, gets a certificate, and reads a signed status after a restart', async () => {
      const agent = await openAgent({ stateDir: join(dir, 'a') });
      const reply = await agent.enroll({ server: url, token: await enrollmentToken(1), device });
      expect(reply.deviceId).toMatch(/^dev_/);
      expect(reply.certificate).toContain('BEGIN CERTIFICATE');
      expect(await agent.status()).toMatchObject({
        deviceId: reply.deviceId,
        riskLevel: 'secured',
        threats: [],
      });
      const restarted = await openAgent({ stateDir: join(dir, 'a') });
      expect((await restarted.status()).deviceId).toBe(reply.deviceId);
    });

    it('surfaces the server error code for a used single-use token', async () => {
      const token = await enrollmentToken(1);
      await createMemoryAgent().enroll({ server: url, token, device });
      const error = await createMemoryAgent()
        .enroll({ server: url, token, device })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status: 401, code: 'invalid_enrollment_token' });
    });

    it.each(PROFILE_NAMES)('%s: expected threats and risk; remediation returns to secured', async (name) => {
      const built = generateDevice(name, { seed: 11, intel: profileIntel, now: h.clock.now });
      const agent = createMemoryAgent();
      await agent.enroll({
        server: url,
        token: await enrollmentToken(1),
        device: { ...device, platform: built.snapshot.device.platform },
      });
      const first = await agent.report({ snapshot: built.snapshot });
      if (first.status !== 'acknowledged') throw first.error;
      expect(first.reply.threats.map((threat) => threat.typeId)).toEqual(
        expect.arrayContaining([...built.expectedThreats]),
      );
      expect(first.reply.riskLevel).toBe(built.expectedRisk);
      const fixed = await agent.report({ snapshot: built.remediate(built.snapshot) });
      if (fixed.status !== 'acknowledged') throw fixed.error;
      expect(fixed.reply.threats).toEqual([]);
      expect(fixed.reply.riskLevel).toBe('secured');
      expect((await agent.status()).riskLevel).toBe('secured');
    });

    it('incremental events on top of a full snapshot: a stalkerware install raises high, its removal clears it', async () => {
      const agent = createMemoryAgent();
      await agent.enroll({ server: url, token: await enrollmentToken(1), device });
      const clean = generateDevice('clean', { seed: 8, intel: profileIntel, now: h.clock.now });
      expect((await agent.report({ snapshot: clean.snapshot })).status).toBe('acknowledged');
      const infected = generateDevice('stalkerware', { seed: 8, intel: profileIntel, now: h.clock.now });
      const planted = infected.snapshot.apps.find((app) => app.installer === null && app.system === false);
      if (planted === undefined) throw new Error('the stalkerware profile planted no app');
      const at = h.clock.now.toISOString();
      const installed = await agent.report({ events: [{ type: 'app-installed', at, app: planted }] });
      if (installed.status !== 'acknowledged') throw installed.error;
      expect(installed.reply.riskLevel).toBe('high');
      expect(installed.reply.threats.map((threat) => threat.typeId)).toContain('app.stalkerware');
      const removed = await agent.report({ events: [{ type: 'app-removed', at, appId: planted.id }] });
      if (removed.status !== 'acknowledged') throw removed.error;
      expect(removed.reply.threats).toEqual([]);
      expect(removed.reply.riskLevel).toBe('secured');
    });

    it('a retried report id is answered as a duplicate and stored once', async () => {
      const queue = createMemoryReportQueue();
      let keepNext = true;
      const agent = createAgentClient({
        key: generateDeviceKey(),
        enrollment: createMemoryEnrollmentStore(),
        // The first acknowledgement is "lost": the report stays queued and is sent again.
        queue: {
          ...queue,
          remove: async (entry) => {
            if (keepNext) keepNext = false;
            else await queue.remove(entry);
          },
        },
      });
      const { deviceId } = await agent.enroll({ server: url, token: await enrollmentToken(1), device });
      const built = generateDevice('clean', { seed: 3, intel: profileIntel, now: h.clock.now });
      const first = await agent.report({ snapshot: built.snapshot });
      expect(first).toMatchObject({ status: 'acknowledged', reply: { duplicate: false } });
      const retry = await agent.flush();
      expect(retry.delivered.map((reply) => reply.duplicate)).toEqual([true]);
      expect(retry.delivered[0]?.reportId).toBe(first.status === 'acknowledged' ? first.reply.reportId : '');
      expect(await storedReports(deviceId)).toBe(1);
    });

    it('the server goes away during reporting: queued reports arrive exactly once after it is back', async () => {
      const proxy = await startTcpProxy(Number(new URL(url).port));
      const stateDir = join(dir, 'queue-device');
      const options = { stateDir, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } };
      const agent = await openAgent(options);
      const { deviceId } = await agent.enroll({ server: proxy.url, token: await enrollmentToken(1), device });
      const built = generateDevice('stalkerware', { seed: 5, intel: profileIntel, now: h.clock.now });
      expect((await agent.report({ snapshot: built.snapshot })).status).toBe('acknowledged');

      await proxy.stop();
      const queued = [];
      for (let i = 0; i < 3; i++) {
        const outcome = await agent.report({
          snapshot: i === 2 ? built.remediate(built.snapshot) : built.snapshot,
        });
        expect(outcome.status).toBe('queued');
        queued.push(outcome);
      }
      await proxy.start();
      // A restarted agent process finds the queue on disk and drains it in order.
      const restarted = await openAgent(options);
      const result = await restarted.flush();
      expect(result).toMatchObject({ pending: 0, rejected: [] });
      expect(result.delivered.map((reply) => reply.reportId)).toEqual(
        queued.map((outcome) => (outcome.status === 'queued' ? outcome.reportId : '')),
      );
      expect(result.delivered.every((reply) => !reply.duplicate)).toBe(true);
      expect(result.delivered.at(-1)?.riskLevel).toBe('secured');
      expect(await storedReports(deviceId)).toBe(4);
      await proxy.stop();
    });
  });
}
