import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Snapshot } from '@riskgate/engine';
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
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';
import { command as intelCommand } from '../cli/commands/intel.ts';
import { type Db, openDatabase } from '../db/database.ts';
import { createRuntime } from '../runtime.ts';

/** Polls until `probe` holds; fails after `timeoutMs` (the propagation bound is 1 s). */
async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 1000): Promise<void> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Runtime = Awaited<ReturnType<typeof createRuntime>>;

/**
 * "Every node agrees" (issue 12.3): a second process on the same database (a second runtime with
 * its own connection; the real `riskgate intel import` command) changes intel, access policies and
 * compliance policies, and the serving node follows within a second and never resolves a threat
 * because its intel is older than the database's.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`every node agrees (${dialect})`, () => {
    let a: AccessHarness;
    let env: Record<string, string>;
    const others: { db: Db; runtime: Runtime }[] = [];
    let dir: string;

    /** Another node on the same database; `quiet`: no LISTEN and no poll (only per-report checks). */
    async function node(quiet = false): Promise<Runtime> {
      const db =
        dialect === 'sqlite'
          ? openDatabase({ dialect: 'sqlite', path: env.path ?? '' })
          : openDatabase({ dialect: 'postgres', url: env.DATABASE_URL ?? '', poolSize: 3 });
      const runtime = await createRuntime({
        db,
        secretKey: a.secretKey,
        config: { bodyLimit: 1024 * 1024, trustedProxies: [] },
        now: () => a.clock.now,
        intel: await stalkerwareIntelSource(),
        access: {
          ...a.sharedProxy,
          ...(dialect === 'postgres' && !quiet ? { postgresUrl: env.DATABASE_URL ?? '' } : {}),
        },
        ...(quiet ? { clusterPollMs: 0 } : {}),
      });
      others.push({ db, runtime });
      return runtime;
    }

    beforeAll(async () => {
      a = await createAccessHarness(dialect, { withPostgresNotify: true });
      dir = mkdtempSync(join(tmpdir(), 'riskgate-cluster-'));
      if (dialect === 'sqlite') {
        const files = await sql<{ file: string }>`pragma database_list`.execute(a.testDb.db.db);
        const path = files.rows[0]?.file ?? '';
        env = { RISKGATE_DATA_DIR: dirname(path), path };
      } else {
        env = { DATABASE_URL: await postgresUrlOf(a.testDb) };
      }
      await a.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] });
      await a.addPolicy({
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
    });
    afterAll(async () => {
      for (const other of others) {
        await other.runtime.app.close();
        await other.db.close();
      }
      await a?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    async function report(app: Runtime['app'], device: EnrolledDevice, snapshot: Snapshot): Promise<string> {
      const payload = { reportId: randomUUID(), kind: 'full', snapshot };
      const reply = await app.inject(device.key.request('POST', '/v1/device/reports', payload, a.clock.now));
      expect(reply.statusCode, reply.body).toBe(200);
      return reply.json<{ riskLevel: string }>().riskLevel;
    }

    async function check(app: Runtime['app'], device: EnrolledDevice): Promise<number> {
      const reply = await app.inject({
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          host: 'mail.acme.test',
          'x-client-cert-sha256': device.fingerprint,
          'x-riskgate-proxy-secret': PROXY_SECRET,
        },
      });
      return reply.statusCode;
    }

    it('riskgate intel import while serving: the next identical report keeps the device high, and the serving node blocks the other device within 1 s', async () => {
      const pkg = `com.example.cluster.cli.${dialect}`;
      const withApp = cleanAndroidSnapshot(a.clock.now, [storeApp(pkg)]);
      // A node that hears nothing (no LISTEN, no poll): only the per-report version check can save it.
      const quiet = await node(true);
      const reporter = await a.enroll();
      const bystander = await a.enroll();
      expect(await report(quiet.app, reporter, withApp)).toBe('secured');
      expect(await report(a.app, bystander, withApp)).toBe('secured');
      expect(await check(a.app, bystander)).toBe(200); // cached on the serving node now

      const feed = join(dir, 'cluster-ioc.yaml');
      writeFileSync(feed, `- name: ClusterSpy\n  type: stalkerware\n  packages:\n  - ${pkg}\n`);
      const out: string[] = [];
      const io = {
        stdout: { write: (text: string) => out.push(text) },
        stderr: { write: (text: string) => out.push(text) },
        env,
      };
      expect(await intelCommand.run(['import', feed], io), out.join('')).toBe(0);
      expect(out.join('')).toMatch(/2 with new threats \(2 threats\), 2 changed state/);

      // At once, with nothing heard: the stored intel version is read with the report.
      expect(await report(quiet.app, reporter, withApp)).toBe('high');
      expect(quiet.intel.lookup(a.tenant.tenantId).find('app-id', pkg)).toBeDefined();
      // The serving node drops the cached state the import changed, and loads the feed.
      await eventually(async () => (await check(a.app, bystander)) === 403);
      await eventually(() => a.runtime.intel.lookup(a.tenant.tenantId).find('app-id', pkg) !== undefined);
      expect(await report(a.app, bystander, withApp)).toBe('high');
    });

    it('a feed uploaded through node A flags the device on node B, and its deletion reaches B within 1 s', async () => {
      const b = await node();
      const pkg = `com.example.cluster.upload.${dialect}`;
      const withApp = cleanAndroidSnapshot(a.clock.now, [storeApp(pkg)]);
      const device = await a.enroll();
      expect(await report(b.app, device, withApp)).toBe('secured');
      expect(await check(b.app, device)).toBe(200);

      const upload = await a.admin('POST', '/v1/admin/intel/feeds', {
        name: 'ioc.yaml',
        content: `- name: UploadSpy\n  type: stalkerware\n  packages:\n  - ${pkg}\n`,
      });
      expect(upload.statusCode, upload.body).toBe(201);
      await eventually(() => b.intel.lookup(a.tenant.tenantId).find('app-id', pkg) !== undefined);
      await eventually(async () => (await check(b.app, device)) === 403);
      expect(await report(b.app, device, withApp)).toBe('high');
      // Tenant feeds stay in their tenant on every node.
      expect(b.intel.lookup(a.otherTenant.tenantId).find('app-id', pkg)).toBeUndefined();

      const id = upload.json<{ feed: { id: string } }>().feed.id;
      const deleted = await a.admin('DELETE', `/v1/admin/intel/feeds/${id}`);
      expect(deleted.statusCode, deleted.body).toBe(200);
      await eventually(() => b.intel.lookup(a.tenant.tenantId).find('app-id', pkg) === undefined);
      // The real stalkerware feed (start-up intel) is still there: the swap never empties the index.
      expect(b.intel.lookup(a.tenant.tenantId).find('app-id', 'com.apspy.app')).toBeDefined();
    });

    it('access and compliance policy changes on node A decide on node B within 1 s', async () => {
      const b = await node();
      const device = await a.enroll();
      const clean = cleanAndroidSnapshot(a.clock.now);
      expect(await report(a.app, device, clean)).toBe('secured');
      expect(await check(b.app, device)).toBe(200);

      // Access policy (tenant configuration): compiled copies on B are rebuilt.
      const block = (state: 'on' | 'off') => ({
        id: 'block-all',
        name: 'Block everything',
        state,
        assignment: {},
        grant: { kind: 'block' as const },
      });
      await a.addPolicy(block('on'));
      await eventually(async () => (await check(b.app, device)) === 403);
      const off = await a.admin('PUT', '/v1/admin/access-policies/block-all', block('off'));
      expect(off.statusCode, off.body).toBe(200);
      await eventually(async () => (await check(b.app, device)) === 200);

      // Compliance policy: A re-rates the tenant's devices; B drops the states it cached.
      await a.addPolicy({
        id: 'compliant-only',
        name: 'Compliant devices only',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-compliant' },
      });
      await eventually(async () => (await check(b.app, device)) === 200);
      const created = await a.admin('POST', '/v1/admin/compliance-policies', {
        name: 'Android 99 or later',
        assignment: {},
        rules: { minOsVersion: { android: '99' } },
        gracePeriodHours: 0,
        actions: [],
        unresponsive: { afterDays: 30, treatAs: 'compliant' },
        enabled: true,
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json<{ devicesChanged: number }>().devicesChanged).toBeGreaterThan(0);
      await eventually(async () => (await check(b.app, device)) === 403);
    });
  });
}
