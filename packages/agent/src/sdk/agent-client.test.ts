import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '@riskgate/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDeviceServer, startFakeDeviceServer } from '../../test-support/fake-device-server.ts';
import { openAgent } from './agent-client.ts';
import { KEY_FILE } from './keys.ts';

const snapshot: Snapshot = {
  schemaVersion: 1,
  collectedAt: '2026-11-25T18:00:00.000Z',
  device: {
    platform: 'android',
    osVersion: '14',
    model: 'Pixel 8',
    manufacturer: 'Google',
    agentVersion: '0.1.0',
  },
  integrity: {},
  apps: [],
  network: { connection: 'wifi' },
};
const device = {
  platform: 'android',
  model: 'Pixel 8',
  manufacturer: 'Google',
  osVersion: '14',
  agentVersion: '0.1.0',
} as const;

describe('agent client against a signature-checking fake server', () => {
  let dir = '';
  let server: FakeDeviceServer;
  const sleeps: number[] = [];
  const options = () => ({
    stateDir: dir,
    sleep: async (ms: number) => void sleeps.push(ms),
    random: () => 0.5,
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'riskgate-agent-'));
    server = await startFakeDeviceServer();
    sleeps.length = 0;
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('enrolls, keeps the key 0600, reports and reads status', async () => {
    const agent = await openAgent(options());
    const reply = await agent.enroll({ server: server.url, token: 't', device });
    expect(reply.deviceId).toBe('dev_1');
    expect((await stat(join(dir, KEY_FILE))).mode & 0o777).toBe(0o600);
    const outcome = await agent.report({ snapshot });
    expect(outcome).toMatchObject({
      status: 'acknowledged',
      reply: { duplicate: false, deviceId: 'dev_1', riskLevel: 'secured' },
    });
    expect((await agent.status()).riskLevel).toBe('secured');
    // A restarted agent finds the same key and enrollment.
    const again = await openAgent(options());
    expect(again.publicJwk).toEqual(agent.publicJwk);
    expect((await again.status()).deviceId).toBe('dev_1');
  });

  it('retries a failing report with the same report id and growing jittered delays', async () => {
    const agent = await openAgent(options());
    await agent.enroll({ server: server.url, token: 't', device });
    server.failNext(2, 503, 'unavailable');
    const outcome = await agent.report({ snapshot });
    expect(outcome.status).toBe('acknowledged');
    expect(sleeps).toEqual([375, 750]);
    const posts = server.requests.filter((request) => request.path === '/v1/device/reports');
    expect(posts.map((request) => request.status)).toEqual([503, 503, 200]);
    expect(server.stored).toHaveLength(1);
  });

  it('queues on disk while the server is down; a restarted agent delivers every report exactly once, in order', async () => {
    const agent = await openAgent({ ...options(), retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await agent.enroll({ server: server.url, token: 't', device });
    const port = new URL(server.url).port;
    await server.close();
    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(
        await agent.report({ snapshot: { ...snapshot, collectedAt: `2026-11-25T18:00:0${i}.000Z` } }),
      );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['queued', 'queued', 'queued']);
    const queued = outcomes.map((outcome) => (outcome.status === 'queued' ? outcome.reportId : ''));
    expect((await readdir(join(dir, 'queue'))).filter((name) => name.endsWith('.json'))).toHaveLength(3);

    // The fake server keeps no state across restarts, so re-enroll the same key on the new one.
    server = await startFakeDeviceServer(Number(port));
    const restarted = await openAgent(options());
    await restarted.enroll({ server: server.url, token: 't', device });
    const result = await restarted.flush();
    expect(result).toMatchObject({ pending: 0 });
    expect(server.stored).toEqual(queued);
    expect(await restarted.flush()).toMatchObject({ delivered: [], pending: 0 });
    expect(server.stored).toEqual(queued);
  });

  it('moves a report the server refuses for good out of the queue', async () => {
    const agent = await openAgent(options());
    await agent.enroll({ server: server.url, token: 't', device });
    server.failNext(1, 400, 'invalid_request');
    const outcome = await agent.report({ snapshot });
    expect(outcome).toMatchObject({ status: 'rejected', error: { status: 400, code: 'invalid_request' } });
    expect(sleeps).toEqual([]);
    expect(await readdir(join(dir, 'queue', 'rejected'))).toHaveLength(2);
  });

  it('refuses to report before enrollment', async () => {
    const agent = await openAgent(options());
    await expect(agent.report({ snapshot })).rejects.toThrow(/not enrolled/);
  });
});

describe('clock offset', () => {
  it('signs with server time when the device clock is an hour off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'riskgate-agent-'));
    const server = await startFakeDeviceServer();
    try {
      const skewed = () => new Date(Date.now() - 3_600_000);
      const agent = await openAgent({ stateDir: dir, clock: skewed });
      await agent.enroll({ server: server.url, token: 't', device });
      const offset = (await agent.enrollment())?.clockOffsetMs ?? 0;
      expect(Math.abs(offset - 3_600_000)).toBeLessThan(5_000);
      expect((await agent.status()).deviceId).toBe('dev_1');
      expect(server.signedTimes.at(-1)).toBeGreaterThan(Date.now() / 1000 - 10);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
