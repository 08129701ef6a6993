import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
  postgresUrlOf,
  stalkerwareIntelSource,
} from '../../test-support/access.ts';
import { shouldSkipDialect } from '../../test-support/db.ts';
import { LISTEN_APPLICATION_NAME } from '../events/pg-notify.ts';
import { createRuntime } from '../runtime.ts';

async function eventually(probe: () => Promise<boolean>, timeoutMs = 3000): Promise<number> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

/** Two nodes over one PostgreSQL database: state changes on one reach the other by LISTEN/NOTIFY. */
describe.skipIf(await shouldSkipDialect('postgres'))(
  'decision caches across nodes (postgres LISTEN/NOTIFY)',
  () => {
    let a: AccessHarness;
    let b: Awaited<ReturnType<typeof createRuntime>>;
    let device: EnrolledDevice;

    beforeAll(async () => {
      a = await createAccessHarness('postgres', { withPostgresNotify: true });
      b = await createRuntime({
        db: a.testDb.db,
        secretKey: randomBytes(32),
        config: { bodyLimit: 1024 * 1024, trustedProxies: [] },
        intel: await stalkerwareIntelSource(),
        access: { ...a.sharedProxy, postgresUrl: await postgresUrlOf(a.testDb) },
      });
      await a.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] });
      await a.addPolicy({
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      device = await a.enroll();
      await a.report(device, false);
    });
    afterAll(async () => {
      await b?.app.close();
      await a?.close();
    });

    const checkOnB = async () =>
      (
        await b.app.inject({
          method: 'GET',
          url: '/v1/access/check',
          headers: {
            host: 'mail.acme.test',
            'x-client-cert-sha256': device.fingerprint,
            'x-riskgate-proxy-secret': PROXY_SECRET,
          },
        })
      ).statusCode;

    it('a report on node A blocks and then restores the device on node B', async () => {
      expect(await checkOnB()).toBe(200); // B has the device cached now
      await a.report(device, true);
      const blockMs = await eventually(async () => (await checkOnB()) === 403);
      await a.report(device, false);
      const restoreMs = await eventually(async () => (await checkOnB()) === 200);
      expect(blockMs).toBeLessThan(1000);
      expect(restoreMs).toBeLessThan(1000);
    });

    it('a policy change on node A reaches node B', async () => {
      await a.report(device, true);
      await eventually(async () => (await checkOnB()) === 403);
      await a.admin('PUT', '/v1/admin/access-policies/risk-low', {
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'report-only',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      await eventually(async () => (await checkOnB()) === 200);
    });

    it('after the LISTEN connection is killed, node B reconnects, drops its cache and follows changes again', async () => {
      await a.admin('PUT', '/v1/admin/access-policies/risk-low', {
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      await eventually(async () => (await checkOnB()) === 403);
      const killed = await sql<{ pid: number }>`
      select pg_terminate_backend(pid) as pid from pg_stat_activity
      where application_name = ${LISTEN_APPLICATION_NAME} and datname = current_database()`.execute(
        a.testDb.db.db,
      );
      expect(killed.rows.length).toBe(2);
      // Wait until both nodes listen again.
      await eventually(async () => {
        const rows = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where application_name = ${LISTEN_APPLICATION_NAME} and datname = current_database()`.execute(
          a.testDb.db.db,
        );
        return rows.rows[0]?.n === 2;
      }, 5000);
      await a.report(device, false);
      await eventually(async () => (await checkOnB()) === 200);
    });
  },
);
