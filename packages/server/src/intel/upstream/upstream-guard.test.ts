import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot } from '../../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';
import { upsertIntelFeed } from '../../queries/intel-feeds.ts';

/** An empty new version is not a replacement (S5); a fetch that lost its lease commits nothing (C3). */
const iocYaml = (...pkgs: string[]) =>
  `- name: GuardSpy\n  type: stalkerware\n  packages:\n${pkgs.map((p) => `  - ${p}\n`).join('')}`;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`upstream fetch guards (${dialect})`, () => {
    let h: Harness;
    let server: Server;
    let url = '';
    const state = { body: '', before: async () => {} };
    beforeAll(async () => {
      h = await createHarness(dialect, { upstreamAllowPrivate: ['127.0.0.1/32'] });
      server = createServer((_req, res) => {
        void state.before().then(() => res.writeHead(200, { 'content-type': 'text/plain' }).end(state.body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ioc.yaml`;
    });
    afterAll(async () => {
      await new Promise((r) => server?.close(() => r(null)));
      await h?.close();
    });
    const create = async (name: string) => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: { name, kind: 'file', url: `${url.replace('.yaml', '')}/${name}` },
      });
      expect(created.statusCode).toBe(201);
      return created.json().feedId as string;
    };
    const fetchNow = async (feedId: string) =>
      (
        await h.app.inject({
          method: 'POST',
          url: `/v1/admin/intel/feeds/${feedId}/fetch`,
          headers: h.auth('admin'),
        })
      ).json();

    it('a new version with no indicators is a failed fetch; the last good one stays', async () => {
      const feedId = await create('empty.yaml');
      state.body = iocYaml('com.example.a', 'com.example.b');
      expect((await fetchNow(feedId)).outcome).toMatchObject({ status: 'updated', indicators: 2 });
      state.body = '- name: GuardSpy\n  type: stalkerware\n  packages: []\n';
      const emptied = await fetchNow(feedId);
      expect(emptied.outcome).toMatchObject({ status: 'error', indicators: 2 });
      expect(emptied.upstream.health.lastError).toMatch(/holds no indicators; last good kept/);
      expect(emptied.upstream.health.indicators).toBe(2);
    });

    it('a fetch that lost its lease commits nothing and the lease is not left behind', async () => {
      const feedId = await create('lease.yaml');
      state.body = iocYaml('com.example.c');
      state.before = async () => {
        // Another node took the lease over while this one was fetching.
        await h.testDb.db.db
          .updateTable('intel_feed_upstreams')
          .set({ lease_owner: 'another-node' })
          .where('feed_id', '=', feedId)
          .execute();
      };
      try {
        const outcome = (await fetchNow(feedId)).outcome;
        expect(outcome.status).toBe('busy');
      } finally {
        state.before = async () => {};
      }
      const feed = await h.testDb.db.db
        .selectFrom('intel_feeds')
        .select(['content', 'counts'])
        .where('id', '=', feedId)
        .executeTakeFirstOrThrow();
      expect(feed.content).toBeNull();
      const lease = await h.testDb.db.db
        .selectFrom('intel_feed_upstreams')
        .select('lease_owner')
        .where('feed_id', '=', feedId)
        .executeTakeFirstOrThrow();
      expect(lease.lease_owner).toBe('another-node'); // not cleared by the loser
    });

    it('a server-wide feed reports the re-assessment of every tenant, not the last one', async () => {
      const devices = [deviceRow(h.tenant.tenantId), deviceRow(h.otherTenant.tenantId)];
      await insertRows(h.testDb.db.db, devices);
      for (const d of devices)
        await insertSnapshot(
          h.testDb.db.db,
          d.tenant_id,
          d.id as string,
          cleanAndroidSnapshot(h.clock.now, [storeApp('com.example.everywhere')]),
        );
      const at = h.clock.now.toISOString();
      const feedId = await upsertIntelFeed(h.testDb.db.db, {
        tenant_id: '*',
        id: 'fee_serverwide',
        name: 'server.yaml',
        format: 'pending',
        version: null,
        digest: null,
        counts: JSON.stringify({ indicators: 0 }),
        imported_at: at,
        content: null,
        path: url,
        parse_context: null,
      });
      await h.runtime.services.intelUpstreams.configureScope('*', feedId, {
        kind: 'file',
        url: `${url}/server`,
      });
      state.body = iocYaml('com.example.everywhere');
      const outcome = await h.runtime.services.intelUpstreams.fetchFeed('*', feedId, 'test');
      expect(outcome.status).toBe('updated');
      expect(outcome.reassessment?.devicesWithNewThreats).toBe(2);
    });
  });
}
