import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '@riskgate/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDeviceServer, startFakeDeviceServer } from '../../test-support/fake-device-server.ts';
import { openAgent, type ReportOutcome } from './agent-client.ts';
import { parseRetryAfter } from './http.ts';
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

  it('sets a report the server refuses for good aside as poison at once, without retrying', async () => {
    const agent = await openAgent(options());
    await agent.enroll({ server: server.url, token: 't', device });
    server.failNext(1, 400, 'invalid_request');
    const outcome = await agent.report({ snapshot });
    expect(outcome).toMatchObject({ status: 'rejected', error: { status: 400, code: 'invalid_request' } });
    expect(sleeps).toEqual([]);
    expect(await readdir(join(dir, 'poison'))).toHaveLength(1);
    expect(await readdir(join(dir, 'queue'))).toEqual([]);
  });

  it('poison: an always-500 and an always-400 report are set aside, the good ones behind them delivered', async () => {
    const marked = (model: string): Snapshot => ({ ...snapshot, device: { ...snapshot.device, model } });
    const idOf = (outcome: ReportOutcome) =>
      outcome.status === 'acknowledged' ? outcome.reply.reportId : outcome.reportId;
    const modelOf = (body: Record<string, unknown>) =>
      JSON.stringify(body).match(/"model":"(poison-\d+)"/)?.[1];
    server.failReportsWhere((body) => modelOf(body) === 'poison-500', 500, 'internal');
    server.failReportsWhere((body) => modelOf(body) === 'poison-400', 400, 'invalid_request');
    const agent = await openAgent({ ...options(), retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await agent.enroll({ server: server.url, token: 't', device });

    const first = await agent.report({ snapshot: marked('poison-500') });
    expect(first.status).toBe('queued');
    // The reports behind it wait while the server might still recover (fewer than 5 rounds).
    const waiting = await agent.report({ snapshot });
    expect(waiting.status).toBe('queued');
    expect(server.stored).toEqual([]);
    for (let round = 3; round <= 4; round++) expect((await agent.flush()).pending).toBe(2);
    // A restart keeps the count (on disk); the fifth failing round sets it aside and delivers the rest.
    const restarted = await openAgent({
      ...options(),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const fifth = await restarted.flush();
    expect(fifth).toMatchObject({ pending: 0, rejected: [{ error: { status: 500 } }] });
    expect(fifth.delivered.map((reply) => reply.reportId)).toEqual([idOf(waiting)]);

    const refused = await restarted.report({ snapshot: marked('poison-400') });
    expect(refused).toMatchObject({ status: 'rejected', error: { status: 400 } });
    const good = await restarted.report({ snapshot });
    expect(good.status).toBe('acknowledged');
    expect(server.stored).toEqual([idOf(waiting), good.status === 'acknowledged' ? good.reply.reportId : '']);

    const poisoned = await restarted.poisoned();
    expect(poisoned.map((entry) => [entry.reportId, entry.failures, entry.lastError])).toEqual([
      [idOf(first), 4, 'server answered 500 internal: fake poison'],
      [idOf(refused), 0, 'server answered 400 invalid_request: fake poison'],
    ]);
    // Kept on disk with the whole report, so nothing is lost.
    expect((await readdir(join(dir, 'poison'))).length).toBe(2);
    // 5 rounds x 2 tries for the always-500 report, 1 try for the always-400 one.
    const posted = server.requests.filter((request) => request.path === '/v1/device/reports');
    expect(posted.filter((request) => request.status === 500)).toHaveLength(10);
    expect(posted.filter((request) => request.status === 400)).toHaveLength(1);
  });

  it('a 401, 408 or 429 is not poison: the report stays queued', async () => {
    const agent = await openAgent({ ...options(), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await agent.enroll({ server: server.url, token: 't', device });
    for (const [status, code] of [
      [401, 'replayed_nonce'],
      [408, 'timeout'],
      [429, 'rate_limited'],
    ] as const) {
      server.failNext(10, status, code);
      for (let round = 0; round < 6; round++) expect((await agent.flush()).rejected).toEqual([]);
    }
    expect(await agent.poisoned()).toEqual([]);
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

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(5000).toUTCString(), 1000)).toBe(4000);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});
