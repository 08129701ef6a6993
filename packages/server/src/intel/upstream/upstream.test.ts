import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot } from '../../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';

/**
 * An upstream served by a local HTTP server that changes between fetches (the network is closed:
 * nothing is fetched from the internet in tests). It answers conditional requests like a static
 * file server: 304 when If-None-Match names the current ETag.
 */
interface Upstream {
  readonly url: string;
  body: string;
  etag: string;
  readonly seen: IncomingMessage['headers'][];
  readonly paths: string[];
  /** Extra files by path (a MISP feed folder). */
  readonly files: Map<string, string>;
  /** While set, answers wait for it (a fetch that holds the lease stays in flight). */
  hold: Promise<void> | undefined;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const state = {
    body: '',
    etag: '"v0"',
    seen: [] as IncomingMessage['headers'][],
    paths: [] as string[],
    hold: undefined as Promise<void> | undefined,
  };
  const files = new Map<string, string>();
  const server: Server = createServer(async (req, res) => {
    if (state.hold !== undefined) await state.hold;
    state.seen.push(req.headers);
    state.paths.push(req.url ?? '');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path === '/feed/ioc.yaml' ? state.body : files.get(path);
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    const etag =
      path === '/feed/ioc.yaml' ? state.etag : `"${createHash('sha1').update(file).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, {
      etag,
      'last-modified': 'Mon, 07 Dec 2026 10:00:00 GMT',
      'content-type': 'text/plain',
    });
    res.end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get body() {
      return state.body;
    },
    set body(value: string) {
      state.body = value;
    },
    get etag() {
      return state.etag;
    },
    set etag(value: string) {
      state.etag = value;
    },
    get hold() {
      return state.hold;
    },
    set hold(value: Promise<void> | undefined) {
      state.hold = value;
    },
    seen: state.seen,
    paths: state.paths,
    files,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const iocYaml = (...pkgs: string[]) =>
  `- name: FreshSpy\n  type: stalkerware\n  packages:\n${pkgs.map((p) => `  - ${p}\n`).join('')}`;
const TOKEN = 'upstream-bearer-token-0123456789';
const MISP_FEED = join(dirname(fileURLToPath(import.meta.url)), '../../../../engine/test-support/misp-feed');

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`intel feeds fresh from upstream (${dialect})`, () => {
    let h: Harness;
    let upstream: Upstream;
    beforeAll(async () => {
      h = await createHarness(dialect, { upstreamAllowPrivate: ['127.0.0.1/32'] });
      upstream = await startUpstream();
    });
    afterAll(async () => {
      await upstream?.close();
      await h?.close();
    });

    const fetchNow = async (feedId: string) => {
      const reply = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/intel/feeds/${feedId}/fetch`,
        headers: h.auth('admin'),
      });
      expect(reply.statusCode).toBe(200);
      return reply.json();
    };
    const deviceOf = (id: string) =>
      h.testDb.db.db
        .selectFrom('devices')
        .select(['risk_level'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const feedRow = (id: string) =>
      h.testDb.db.db
        .selectFrom('intel_feeds')
        .select(['imported_at', 'digest', 'counts'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const intelVersion = async () =>
      (
        await h.testDb.db.db
          .selectFrom('cluster_versions')
          .select('version')
          .where('scope', '=', 'intel')
          .executeTakeFirst()
      )?.version ?? 0;

    it('new entry → a device holding it is flagged without a report; 304 → nothing re-parsed; broken → last good kept; oversize → refused', async () => {
      const holder = deviceRow(h.tenant.tenantId);
      const bystander = deviceRow(h.tenant.tenantId);
      await insertRows(h.testDb.db.db, [holder, bystander]);
      await insertSnapshot(
        h.testDb.db.db,
        h.tenant.tenantId,
        holder.id,
        cleanAndroidSnapshot(h.clock.now, [storeApp('com.example.fresh')]),
      );
      await insertSnapshot(
        h.testDb.db.db,
        h.tenant.tenantId,
        bystander.id,
        cleanAndroidSnapshot(h.clock.now),
      );

      upstream.body = iocYaml('com.example.old');
      upstream.etag = '"v1"';
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: {
          name: 'ioc.yaml',
          kind: 'file',
          url: `${upstream.url}/feed/ioc.yaml`,
          intervalSeconds: 3600,
          auth: { type: 'bearer', token: TOKEN },
        },
      });
      expect(created.statusCode).toBe(201);
      expect(created.body).not.toContain(TOKEN);
      const feedId = created.json().feedId as string;
      expect(created.json()).toMatchObject({
        kind: 'file',
        auth: { type: 'bearer' },
        health: { indicators: 0 },
      });
      // The secret is sealed at rest.
      const stored = await h.testDb.db.db
        .selectFrom('intel_feed_upstreams')
        .select('secret_sealed')
        .executeTakeFirstOrThrow();
      expect(stored.secret_sealed).not.toContain(TOKEN);

      // First version: one package, nobody holds it.
      const first = await fetchNow(feedId);
      expect(first.outcome).toMatchObject({ status: 'updated', indicators: 1 });
      expect(upstream.seen.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
      expect((await deviceOf(holder.id)).risk_level).toBe('secured');

      // Unchanged upstream: a conditional request, a 304, nothing re-parsed or replaced.
      const before = { row: await feedRow(feedId), version: await intelVersion() };
      h.clock.now = new Date(h.clock.now.getTime() + 60_000);
      const same = await fetchNow(feedId);
      expect(same.outcome).toMatchObject({ status: 'not-modified', indicators: 1 });
      expect(upstream.seen.at(-1)?.['if-none-match']).toBe('"v1"');
      expect(upstream.seen.at(-1)?.['if-modified-since']).toBe('Mon, 07 Dec 2026 10:00:00 GMT');
      expect(await feedRow(feedId)).toEqual(before.row);
      expect(await intelVersion()).toBe(before.version);
      expect(same.upstream.health).toMatchObject({ lastStatus: 'not-modified', etag: '"v1"', fetches: 2 });

      // A new entry upstream: the device holding it is flagged, with no report sent (cause intel).
      upstream.body = iocYaml('com.example.old', 'com.example.fresh');
      upstream.etag = '"v2"';
      const second = await fetchNow(feedId);
      expect(second.outcome).toMatchObject({
        status: 'updated',
        indicators: 2,
        newIndicators: 1,
        reassessment: { devicesWithNewThreats: 1, devicesChanged: 1 },
      });
      expect((await deviceOf(holder.id)).risk_level).toBe('high');
      expect((await deviceOf(bystander.id)).risk_level).toBe('secured');
      // Evidence names the feed, its id and the fetch.
      const threats = await h.app.inject({
        url: `/v1/admin/threats?deviceId=${holder.id}`,
        headers: h.auth('analyst'),
      });
      expect(JSON.stringify(threats.json())).toContain('"via":"fetch"');
      const reports = await h.testDb.db.db
        .selectFrom('reports')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(reports.n)).toBe(0);
      const events = await h.testDb.db.db
        .selectFrom('outbox')
        .select('payload')
        .where('tenant_id', '=', h.tenant.tenantId)
        .where('topic', '=', 'device.state-changed')
        .execute();
      expect(events.map((e) => JSON.parse(e.payload) as unknown)).toEqual([
        expect.objectContaining({
          cause: 'intel',
          deviceId: holder.id,
          after: expect.objectContaining({ riskLevel: 'high' }),
        }),
      ]);

      // A broken new version: parsed before it could replace anything, so the last good one stays.
      const good = await feedRow(feedId);
      upstream.body = '- name: [broken\n';
      upstream.etag = '"v3"';
      const broken = await fetchNow(feedId);
      expect(broken.outcome).toMatchObject({ status: 'error', indicators: 2 });
      expect(broken.outcome.error).toMatch(/the new version does not parse: .*ioc\.yaml/);
      expect(broken.upstream.health).toMatchObject({
        lastStatus: 'error',
        lastError: expect.stringMatching(/does not parse/),
        etag: '"v2"',
        indicators: 2,
        failures: 1,
      });
      expect(await feedRow(feedId)).toEqual(good);
      expect(h.runtime.intel.lookup(h.tenant.tenantId).find('app-id', 'com.example.fresh')).toBeDefined();

      // Oversize: refused, last good kept.
      const limited = await h.app.inject({
        method: 'PUT',
        url: `/v1/admin/intel/feeds/${feedId}/upstream`,
        headers: h.auth('admin'),
        payload: { kind: 'file', url: `${upstream.url}/feed/ioc.yaml`, maxBytes: 1024 },
      });
      expect(limited.statusCode).toBe(200);
      expect(limited.json().auth).toEqual({ type: 'bearer', username: null }); // credentials kept
      upstream.body = iocYaml(...Array.from({ length: 100 }, (_, i) => `com.example.big${i}`));
      upstream.etag = '"v4"';
      const oversize = await fetchNow(feedId);
      expect(oversize.outcome).toMatchObject({ status: 'error', indicators: 2 });
      expect(oversize.outcome.error).toMatch(/over the limit of 1024/);
      expect(await feedRow(feedId)).toEqual(good);

      // The upstream drops the entry (a false positive withdrawn): the device is cleared at once.
      await h.app.inject({
        method: 'PUT',
        url: `/v1/admin/intel/feeds/${feedId}/upstream`,
        headers: h.auth('admin'),
        payload: { kind: 'file', url: `${upstream.url}/feed/ioc.yaml`, maxBytes: 1024 },
      });
      upstream.body = iocYaml('com.example.old');
      upstream.etag = '"v5"';
      const withdrawn = await fetchNow(feedId);
      expect(withdrawn.outcome).toMatchObject({ status: 'updated', indicators: 1, newIndicators: 0 });
      expect((await deviceOf(holder.id)).risk_level).toBe('secured');
      const after = await h.testDb.db.db
        .selectFrom('outbox')
        .select('payload')
        .where('tenant_id', '=', h.tenant.tenantId)
        .where('topic', '=', 'device.state-changed')
        .execute();
      expect(
        after.map((e) => JSON.parse(e.payload) as { cause: string; after: { riskLevel: string } }),
      ).toEqual([
        expect.objectContaining({ cause: 'intel', after: expect.objectContaining({ riskLevel: 'high' }) }),
        expect.objectContaining({ cause: 'intel', after: expect.objectContaining({ riskLevel: 'secured' }) }),
      ]);

      // Health on /metrics.
      const metrics = await h.app.inject({ url: '/metrics' });
      const label = `scope="${h.tenant.tenantId}",feed="ioc.yaml"`;
      expect(metrics.body).toContain(`riskgate_intel_feed_fetch_failing{${label}} 0`);
      expect(metrics.body).toContain(`riskgate_intel_feed_indicators{${label}} 1`);
      expect(metrics.body).toContain(`riskgate_intel_feed_fetch_failures{${label}} 2`);
      expect(metrics.body).toMatch(
        new RegExp(
          `riskgate_intel_feed_fetches_total\\{scope="${h.tenant.tenantId}",feed="ioc.yaml",result="not-modified"\\} 1`,
        ),
      );
      // The other tenant sees none of it.
      const foreign = await h.app.inject({
        url: `/v1/admin/intel/feeds/${feedId}/upstream`,
        headers: h.auth('owner', h.otherTenant),
      });
      expect(foreign.statusCode).toBe(404);
      const list = await h.app.inject({ url: '/v1/admin/intel/upstreams', headers: h.auth('analyst') });
      expect(list.json().items).toHaveLength(1);
      expect(list.body).not.toContain(TOKEN);
    });

    it('a pinned checksum refuses another document', async () => {
      upstream.files.set('/pinned/list.yaml', iocYaml('com.example.pinned'));
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: {
          name: 'pinned.yaml',
          kind: 'file',
          url: `${upstream.url}/pinned/list.yaml`,
          sha256: '0'.repeat(64),
        },
      });
      const result = await fetchNow(created.json().feedId);
      expect(result.outcome).toMatchObject({ status: 'error', indicators: 0 });
      expect(result.outcome.error).toMatch(/checksum mismatch/);
    });

    it('one node fetches a feed at a time: concurrent fetches, one takes the lease, the others are busy', async () => {
      upstream.files.set('/lease/list.yaml', iocYaml('com.example.lease'));
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: { name: 'lease.yaml', kind: 'file', url: `${upstream.url}/lease/list.yaml` },
      });
      const feedId = created.json().feedId as string;
      // The upstream answers only once the other four have finished, so the fetch holding the
      // lease is still in flight when they try (on a loaded machine it could otherwise end first).
      let release: () => void = () => {};
      upstream.hold = new Promise((resolve) => {
        release = resolve;
      });
      let settled = 0;
      const pending = Array.from({ length: 5 }, () =>
        h.runtime.services.intelUpstreams.fetchFeed(h.tenant.tenantId, feedId, 'test').finally(() => {
          settled++;
        }),
      );
      for (let waited = 0; settled < 4 && waited < 30_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      upstream.hold = undefined;
      release();
      const outcomes = await Promise.all(pending);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['busy', 'busy', 'busy', 'busy', 'updated']);
    });

    it('a MISP feed: manifest and event files; an unchanged manifest is a 304', async () => {
      for (const name of readdirSync(MISP_FEED))
        upstream.files.set(`/misp/${name}`, readFileSync(join(MISP_FEED, name), 'utf8'));
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: { name: 'misp-feed', kind: 'misp', url: `${upstream.url}/misp/` },
      });
      expect(created.statusCode).toBe(201);
      const feedId = created.json().feedId as string;
      const first = await fetchNow(feedId);
      // The fixture README's counts: 9 + 4 to_ids indicators.
      expect(first.outcome).toMatchObject({ status: 'updated', indicators: 13 });
      const again = await fetchNow(feedId);
      expect(again.outcome.status).toBe('not-modified');
      expect(
        h.runtime.intel.lookup(h.tenant.tenantId).find('app-id', 'com.apspy.app')?.provenance[0],
      ).toMatchObject({
        family: 'TheTruthSpy',
        category: 'stalkerware',
      });
    });

    it('refuses credentials in the URL, a collection on a file, and unknown fields', async () => {
      for (const payload of [
        { name: 'x', kind: 'file', url: 'https://user:pw@feeds.example/x.yaml' },
        { name: 'x', kind: 'file', url: 'https://feeds.example/x.yaml', collection: 'abc' },
        { name: 'x', kind: 'taxii', url: 'https://feeds.example/api1/' },
        { name: 'x', kind: 'file', url: 'ftp://feeds.example/x.yaml' },
        { name: 'x', kind: 'file', url: 'https://feeds.example/x.yaml', extra: 1 },
      ]) {
        const reply = await h.app.inject({
          method: 'POST',
          url: '/v1/admin/intel/upstreams',
          headers: h.auth('admin'),
          payload,
        });
        expect(reply.statusCode, JSON.stringify(payload)).toBe(400);
      }
    });
  });
}
