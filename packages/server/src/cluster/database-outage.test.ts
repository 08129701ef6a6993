import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
  postgresUrlOf,
} from '../../test-support/access.ts';
import { postgresAdminUrl, shouldSkipDialect } from '../../test-support/db.ts';
import { cleanAndroidSnapshot } from '../../test-support/snapshots.ts';
import { STATE_UNAVAILABLE } from '../access/access-decider.ts';

async function eventually(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * "Fail closed, stay up" (issue 11.4), on PostgreSQL (no skip under CI=true: the test-db helper
 * then fails): connections terminated under report and check load, and a database that refuses
 * connections. The process must not see an uncaught error (a spy stands in for the crash), every
 * acknowledged report must be stored, cached decisions go on, uncached ones fail closed.
 */
describe.skipIf(await shouldSkipDialect('postgres'))('losing the database (postgres)', () => {
  let a: AccessHarness;
  let dbUrl: string;
  let dbName: string;
  const uncaught: unknown[] = [];
  const spy = (error: unknown) => {
    uncaught.push(error);
  };
  const devices: EnrolledDevice[] = [];

  async function admin<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  }

  const terminateAll = () =>
    admin<{ pid: number }>(
      dbUrl,
      'select pg_terminate_backend(pid) as pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );

  async function report(device: EnrolledDevice, reportId = randomUUID()) {
    const payload = { reportId, kind: 'full', snapshot: cleanAndroidSnapshot(a.clock.now) };
    return a.app.inject(device.key.request('POST', '/v1/device/reports', payload, a.clock.now));
  }

  const check = (device: EnrolledDevice) =>
    a.app.inject({
      method: 'GET',
      url: '/v1/access/check',
      headers: {
        host: 'mail.acme.test',
        'x-client-cert-sha256': device.fingerprint,
        'x-riskgate-proxy-secret': PROXY_SECRET,
      },
    });

  const ready = async () => (await a.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200;

  beforeAll(async () => {
    process.on('uncaughtException', spy);
    process.on('unhandledRejection', spy);
    a = await createAccessHarness('postgres', { withPostgresNotify: true });
    dbUrl = await postgresUrlOf(a.testDb);
    dbName = new URL(dbUrl).pathname.slice(1);
    await a.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] });
    await a.addPolicy({
      id: 'risk-low',
      name: 'Risk at most low',
      state: 'on',
      assignment: {},
      grant: { kind: 'require-risk-at-most', level: 'low' },
    });
    for (let i = 0; i < 4; i++) {
      const device = await a.enroll();
      await a.report(device, false);
      expect((await check(device)).statusCode).toBe(200);
      devices.push(device);
    }
  });
  afterAll(async () => {
    if (dbName !== undefined)
      await admin(postgresAdminUrl(), `alter database ${dbName} allow_connections true`).catch(() => {});
    await a?.close();
    process.off('uncaughtException', spy);
    process.off('unhandledRejection', spy);
  });

  it('connections terminated repeatedly under report and check load: still up, no acknowledged report lost, /readyz recovers', async () => {
    let stop = false;
    const acked: string[] = [];
    const reportStatuses = new Map<number, number>();
    const checkOutcomes = new Map<string, number>();
    const tally = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

    const reporter = async (offset: number) => {
      for (let i = offset; !stop; i++) {
        const reportId = randomUUID();
        const reply = await report(devices[i % devices.length] as EnrolledDevice, reportId);
        tally(reportStatuses, reply.statusCode);
        if (reply.statusCode === 200) acked.push(reportId);
        else {
          expect(reply.statusCode, reply.body).toBe(503);
          expect(reply.json()).toMatchObject({ code: 'unavailable' });
          expect(reply.headers['retry-after']).toBe('5');
        }
      }
    };
    const checker = async (offset: number) => {
      for (let i = offset; !stop; i++) {
        const reply = await check(devices[i % devices.length] as EnrolledDevice);
        const reason = reply.headers['x-riskgate-reason'];
        tally(checkOutcomes, reply.statusCode === 200 ? '200' : `${reply.statusCode} ${String(reason)}`);
        await sleep(2);
      }
    };
    const killer = async () => {
      let killed = 0;
      for (let round = 0; round < 6; round++) {
        await sleep(250);
        killed += (await terminateAll()).length;
      }
      await sleep(250);
      stop = true;
      return killed;
    };
    const [killed] = await Promise.all([killer(), ...[0, 1, 2].map(reporter), ...[0, 1].map(checker)]);

    expect(killed).toBeGreaterThan(6); // pool, LISTEN and NOTIFY connections, every round
    await eventually(ready, 15_000);
    expect(uncaught).toEqual([]);
    // Every acknowledged report is stored.
    expect(acked.length).toBeGreaterThan(0);
    const stored = await a.testDb.db.db
      .selectFrom('reports')
      .select('report_id')
      .where('report_id', 'in', acked)
      .execute();
    expect(stored.length).toBe(acked.length);
    // Reports answer 200 or 503 (retryable); checks 200 or fail closed, never a 5xx.
    expect([...reportStatuses.keys()].every((status) => status === 200 || status === 503)).toBe(true);
    expect(
      [...checkOutcomes.keys()].every((key) => key === '200' || key === `403 ${STATE_UNAVAILABLE}`),
    ).toBe(true);
    expect(checkOutcomes.get('200') ?? 0).toBeGreaterThan(0);
    // And after: everything works again.
    expect((await report(devices[0] as EnrolledDevice)).statusCode).toBe(200);
    expect((await check(devices[0] as EnrolledDevice)).statusCode).toBe(200);
  });

  it('a database refusing connections: cached devices keep their decision, an uncached one is refused (state-unavailable), reports get 503, /readyz 503; all recover', async () => {
    const [cached, uncached] = devices as [EnrolledDevice, EnrolledDevice];
    expect((await check(cached)).statusCode).toBe(200);
    a.access.devices.evict(uncached.deviceId);

    await admin(postgresAdminUrl(), `alter database ${dbName} allow_connections false`);
    try {
      await admin(
        postgresAdminUrl(),
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${dbName}'`,
      );
      await eventually(async () => !(await ready()), 5000);

      const stillAllowed = await check(cached);
      expect(stillAllowed.statusCode).toBe(200);

      const refused = await check(uncached);
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['x-riskgate-reason']).toBe(STATE_UNAVAILABLE);
      expect(refused.json<{ message: string }>().message).toMatch(/cannot read this device.s state/);
      const decided = await a.app.inject({
        method: 'POST',
        url: '/v1/access/decide',
        headers: { 'x-riskgate-proxy-secret': PROXY_SECRET },
        payload: { device: { fingerprint: uncached.fingerprint }, resourceId: 'exchange' },
      });
      expect(decided.statusCode).toBe(200);
      expect(decided.json()).toMatchObject({
        outcome: 'deny',
        reason: STATE_UNAVAILABLE,
        reasons: [{ code: STATE_UNAVAILABLE }],
      });

      const reply = await report(cached);
      expect(reply.statusCode).toBe(503);
      expect(reply.json()).toMatchObject({ code: 'unavailable' });
      expect(reply.headers['retry-after']).toBe('5');

      const readiness = await a.app.inject({ method: 'GET', url: '/readyz' });
      expect(readiness.statusCode).toBe(503);
      expect(readiness.json()).toMatchObject({ code: 'unavailable', message: expect.any(String) });
    } finally {
      await admin(postgresAdminUrl(), `alter database ${dbName} allow_connections true`);
    }
    await eventually(ready, 15_000);
    expect((await check(uncached)).statusCode).toBe(200);
    expect((await report(uncached)).statusCode).toBe(200);
    expect(uncaught).toEqual([]);
  });
});
